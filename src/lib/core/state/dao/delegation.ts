/**
 * Delegating one's voting weight to another member (liquid: it passes on up
 * the delegate's own delegation; see tally/delegation.ts for how ballots
 * carry it). A member has at most one delegate; delegating again replaces
 * it, and delegating to no one revokes it. A delegation that would close a
 * cycle is refused. A vote counts the delegations in force when it opened;
 * a delegator who votes directly overrides theirs for that vote.
 *
 * The delegation lives in the delegator's member record, so it ends when the
 * delegator leaves; one whose delegate left (or left and came back) is dead
 * and counts for nothing until replaced.
 */
import type { Hex } from '../../bytes.js';
import { AgoraError } from '../../errors.js';
import { getMember, liveDelegate, putDelegation } from '../members.js';
import type { StateTree } from '../tree.js';

/** The members up the chain from `from` (not included), nearest first. */
export function delegationChain(state: StateTree, from: Hex): Hex[] {
	const chain: Hex[] = [];
	const seen = new Set<Hex>([from]);
	for (let at = liveDelegate(state, from); at !== undefined && !seen.has(at); at = liveDelegate(state, at)) {
		chain.push(at);
		seen.add(at);
	}
	return chain;
}

export function delegate(state: StateTree, who: Hex, to: Hex | null): void {
	if (to === null) {
		if (!getMember(state, who)?.delegate) throw new AgoraError('E_DAO_DELEGATION', `${who.slice(0, 16)}… has no delegation to revoke`, 'body.to', to);
		putDelegation(state, who, undefined);
		return;
	}
	if (to === who) throw new AgoraError('E_DAO_DELEGATION', 'a member cannot delegate to themself', 'body.to', to);
	const target = getMember(state, to);
	if (!target) throw new AgoraError('E_DAO_DELEGATION', `${to.slice(0, 16)}… is not a member`, 'body.to', to);
	if (delegationChain(state, to).includes(who)) {
		throw new AgoraError('E_DAO_DELEGATION', `delegating to ${to.slice(0, 16)}… would close a cycle: their delegation leads back to ${who.slice(0, 16)}…`, 'body.to', to);
	}
	putDelegation(state, who, { to, serial: target.serial });
}
