/**
 * Voting weight. A member's weight follows the DAO's weight mode; when a
 * vote opens, the weights of every member eligible then (all members, or
 * those holding the membership minimum in token and stake communities) and
 * the delegations then in force are copied into one snapshot for that
 * proposal. A ballot reads its voter's weight from the snapshot in O(1); the
 * close resolves delegations against it; tokens, stake, members or
 * delegations that move afterwards change nothing for that vote.
 *
 * Taking the snapshot walks the member list once (linear in members, once
 * per proposal). The snapshot is deleted when the vote closes; each ballot
 * keeps its own weight and the outcome keeps the totals.
 */
import type { Hex } from '../../bytes.js';
import type { Encodable } from '../../codec.js';
import { addWeight } from '../../tally/ratio.js';
import type { Electorate } from '../../tally/delegation.js';
import { getAccount } from '../accounts.js';
import { listMembers, liveDelegate, meetsMembership } from '../members.js';
import type { StateTree } from '../tree.js';
import type { DaoConfig } from './config.js';

export interface Snapshot extends Electorate {
	readonly height: number;
	readonly total: number;
}

const snapshotKey = (proposal: Hex): string => `d/w/${proposal}`;

/** floor(√n), exact for every safe integer. */
export function isqrt(n: number): number {
	let r = Math.floor(Math.sqrt(n));
	const big = BigInt(n);
	while (BigInt(r) * BigInt(r) > big) r--;
	while (BigInt(r + 1) * BigInt(r + 1) <= big) r++;
	return r;
}

/** A member's weight now, under the configured mode (eligibility aside). */
export function weightNow(state: StateTree, who: Hex, config: DaoConfig): number {
	switch (config.weight) {
		case 'member':
			return 1;
		case 'token':
			return getAccount(state, who).balance;
		case 'stake':
			return getAccount(state, who).stake;
		case 'quadratic':
			return isqrt(getAccount(state, who).balance);
	}
}

export function takeSnapshot(state: StateTree, config: DaoConfig, height: number): Snapshot {
	const weights: Record<Hex, number> = {};
	const delegates: Record<Hex, Hex> = {};
	let total = 0;
	for (const who of listMembers(state)) {
		if (meetsMembership(state, who, config)) {
			const w = weightNow(state, who, config);
			weights[who] = w;
			total = addWeight(total, w);
		}
		const to = liveDelegate(state, who);
		if (to !== undefined) delegates[who] = to;
	}
	return { height, total, weights, delegates };
}

export function getSnapshot(state: StateTree, proposal: Hex): Snapshot | undefined {
	return state.get(snapshotKey(proposal)) as Snapshot | undefined;
}

export function putSnapshot(state: StateTree, proposal: Hex, snapshot: Snapshot | undefined): void {
	state.put(snapshotKey(proposal), snapshot as unknown as Encodable | undefined);
}
