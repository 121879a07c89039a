/**
 * Community membership: who may post, vote and message, and how one joins.
 * Joining follows the DAO's membership kind (dao/config.ts): open; invite
 * only (a member's invitation when the community allows it, otherwise an
 * admission proposal); token holder or stake based (a minimum balance or
 * stake, which also decides who may vote when a vote opens).
 *
 * Members are kept in a dense list as well (`m#<slot>`, the count at `m#n`)
 * so the DAO can walk them when it snapshots weights without scanning
 * state; a member who leaves hands their slot to the last one. Every
 * admission gets a new serial number, and a delegation names the serial of
 * its delegate, so a delegation to a member who left and came back does not
 * quietly revive.
 *
 * A community may give every member it admits a grant of new value (genesis
 * `memberGrant`), so that members can pay message fees and deposits from
 * the start: the community's issuance rule, paid on each admission (a
 * member who leaves and is admitted again receives it again).
 */
import type { Hex } from '../bytes.js';
import type { Encodable } from '../codec.js';
import { AgoraError } from '../errors.js';
import * as s from '../schema.js';
import { credit, getAccount, readAccountKey } from './accounts.js';
import { getDaoConfig, type DaoConfig } from './dao/config.js';
import { defineKind } from './kind.js';
import type { StateTree } from './tree.js';

/** Whom a member delegates their voting weight to (see dao/delegation.ts). */
export interface Delegation {
	readonly to: Hex;
	/** The delegate's admission serial when the delegation was made. */
	readonly serial: number;
}

export interface Member {
	readonly name: string;
	/** Height of the block that admitted the member. */
	readonly since: number;
	/** Position in the member list. */
	readonly slot: number;
	/** Unique per admission. */
	readonly serial: number;
	readonly delegate?: Delegation;
}

/** A member's invitation to an invite-only community, waiting for the invitee's `member.join`. */
export interface Invitation {
	readonly by: Hex;
	readonly height: number;
}

export const MAX_NAME_BYTES = 64;
export const memberKey = (who: Hex): string => `m/${who}`;
export const invitationKey = (who: Hex): string => `mi/${who}`;
const COUNT_KEY = 'm#n';
const SERIAL_KEY = 'm#serial';
const slotKey = (slot: number): string => `m#${slot}`;
const GRANT_KEY = 'm#grant';

/** The new value each admission grants (0: none). */
export function memberGrant(state: StateTree): number {
	return (state.get(GRANT_KEY) as number | undefined) ?? 0;
}

export function setMemberGrant(state: StateTree, amount: number): void {
	state.put(GRANT_KEY, amount === 0 ? undefined : amount);
}

export function getMember(state: StateTree, who: Hex): Member | undefined {
	return state.get(memberKey(who)) as Member | undefined;
}

export function isMember(state: StateTree, who: Hex): boolean {
	return state.has(memberKey(who));
}

export function memberCount(state: StateTree): number {
	return (state.get(COUNT_KEY) as number | undefined) ?? 0;
}

/** Every member, in list order (not sorted): linear in the members, not in the state. */
/** A member's name, or a short form of the key of someone who is not one. */
export function memberName(state: StateTree, who: Hex): string {
	return getMember(state, who)?.name ?? `${who.slice(0, 8)}…`;
}

export function listMembers(state: StateTree): Hex[] {
	return Array.from({ length: memberCount(state) }, (_, slot) => state.get(slotKey(slot)) as Hex);
}

function putMember(state: StateTree, who: Hex, member: Member): void {
	state.put(memberKey(who), member as unknown as Encodable);
}

export function admit(state: StateTree, who: Hex, name: string, height: number): void {
	if (isMember(state, who)) throw new AgoraError('E_TX_NOT_ALLOWED', `${who.slice(0, 16)}… is already a member`, 'member', who);
	const slot = memberCount(state);
	const serial = (state.get(SERIAL_KEY) as number | undefined) ?? 0;
	putMember(state, who, { name, since: height, slot, serial });
	state.put(slotKey(slot), who);
	state.put(COUNT_KEY, slot + 1);
	state.put(SERIAL_KEY, serial + 1);
	credit(state, who, memberGrant(state));
}

export function removeMember(state: StateTree, who: Hex): void {
	const member = getMember(state, who);
	if (!member) throw new AgoraError('E_TX_NOT_ALLOWED', `${who.slice(0, 16)}… is not a member`, 'member', who);
	const last = memberCount(state) - 1;
	if (member.slot !== last) {
		const moved = state.get(slotKey(last)) as Hex;
		state.put(slotKey(member.slot), moved);
		putMember(state, moved, { ...getMember(state, moved)!, slot: member.slot });
	}
	state.put(slotKey(last), undefined);
	state.put(COUNT_KEY, last === 0 ? undefined : last);
	state.put(memberKey(who), undefined);
}

/** Sets or (with undefined) clears a member's delegation; the rules are the DAO's (dao/delegation.ts). */
export function putDelegation(state: StateTree, who: Hex, delegation: Delegation | undefined): void {
	const { delegate: _old, ...member } = getMember(state, who)!;
	putMember(state, who, delegation ? { ...member, delegate: { ...delegation } } : member);
}

/** The member `who` delegates to, if that delegate is still the member they delegated to. */
export function liveDelegate(state: StateTree, who: Hex): Hex | undefined {
	const d = getMember(state, who)?.delegate;
	return d && getMember(state, d.to)?.serial === d.serial ? d.to : undefined;
}

/** Whether `who` holds what the membership kind asks of a member (always true for open and invite-only). */
export function meetsMembership(state: StateTree, who: Hex, config: DaoConfig): boolean {
	if (config.membership === 'token') return getAccount(state, who).balance >= config.membershipMinimum;
	if (config.membership === 'stake') return getAccount(state, who).stake >= config.membershipMinimum;
	return true;
}

export function getInvitation(state: StateTree, who: Hex): Invitation | undefined {
	return state.get(invitationKey(who)) as Invitation | undefined;
}

export function readName(value: unknown, path: string): string {
	return s.str(value, path, MAX_NAME_BYTES, 1);
}

function invitationsOpen(config: DaoConfig): boolean {
	return config.membership === 'invite' && config.memberInvites;
}

/** Joining: the sender becomes a member under the name it chose, if the membership kind lets it in. */
export const join = defineKind({
	kind: 'member.join',
	sender: 'anyone',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['name']);
		return { name: readName(r.name, 'body.name') };
	},
	apply: (ctx, body) => {
		const { state, sender } = ctx;
		if (isMember(state, sender)) throw new AgoraError('E_TX_NOT_ALLOWED', `${sender.slice(0, 16)}… is already a member`, 'from', sender);
		const config = getDaoConfig(state);
		if (config.membership === 'invite') {
			if (!invitationsOpen(config)) {
				throw new AgoraError('E_TX_NOT_ALLOWED', 'this community admits new members only by proposal', 'from', sender);
			}
			if (!getInvitation(state, sender)) {
				throw new AgoraError('E_TX_NOT_ALLOWED', `${sender.slice(0, 16)}… has no invitation to this invite-only community`, 'from', sender);
			}
			state.put(invitationKey(sender), undefined);
		} else if (!meetsMembership(state, sender, config)) {
			const held = config.membership === 'token' ? 'balance' : 'stake';
			throw new AgoraError('E_TX_NOT_ALLOWED', `joining needs a ${held} of at least ${config.membershipMinimum} (${sender.slice(0, 16)}… has ${getAccount(state, sender)[held]})`, 'from', sender);
		}
		admit(state, sender, body.name, ctx.height);
	}
});

/** Leaving; a member's delegation and slot go with them. */
export const leave = defineKind({
	kind: 'member.leave',
	sender: 'member',
	body: (value) => {
		s.exactRecord(value, 'body', []);
		return {};
	},
	apply: (ctx) => removeMember(ctx.state, ctx.sender)
});

/** A member invites a key into an invite-only community that lets members invite; the invitee then joins. */
export const invite = defineKind<{ readonly key: Hex }>({
	kind: 'member.invite',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['key']);
		return { key: readAccountKey(r.key, 'body.key') };
	},
	apply: (ctx, body) => {
		const { state } = ctx;
		if (!invitationsOpen(getDaoConfig(state))) throw new AgoraError('E_TX_NOT_ALLOWED', 'members may not invite in this community', 'kind', 'member.invite');
		if (isMember(state, body.key)) throw new AgoraError('E_TX_NOT_ALLOWED', `${body.key.slice(0, 16)}… is already a member`, 'body.key', body.key);
		if (getInvitation(state, body.key)) throw new AgoraError('E_TX_NOT_ALLOWED', `${body.key.slice(0, 16)}… is already invited`, 'body.key', body.key);
		state.put(invitationKey(body.key), { by: ctx.sender, height: ctx.height });
	}
});
