/** Community membership: who may post, vote and message. */
import type { Hex } from '../bytes.js';
import { AgoraError } from '../errors.js';
import * as s from '../schema.js';
import { defineKind } from './kind.js';
import type { StateTree } from './tree.js';

export interface Member {
	readonly name: string;
	/** Height of the block that admitted the member. */
	readonly since: number;
}

export const MAX_NAME_BYTES = 64;
export const memberKey = (who: Hex): string => `m/${who}`;

export function getMember(state: StateTree, who: Hex): Member | undefined {
	return state.get(memberKey(who)) as Member | undefined;
}

export function isMember(state: StateTree, who: Hex): boolean {
	return state.has(memberKey(who));
}

export function admit(state: StateTree, who: Hex, name: string, height: number): void {
	state.put(memberKey(who), { name, since: height });
}

export function readName(value: unknown, path: string): string {
	return s.str(value, path, MAX_NAME_BYTES, 1);
}

/** Joining an open community: the sender becomes a member under the name it chose. */
export const join = defineKind({
	kind: 'member.join',
	sender: 'anyone',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['name']);
		return { name: readName(r.name, 'body.name') };
	},
	apply: (ctx, body) => {
		if (isMember(ctx.state, ctx.sender)) {
			throw new AgoraError('E_TX_NOT_ALLOWED', `${ctx.sender.slice(0, 16)}… is already a member`, 'from', ctx.sender);
		}
		admit(ctx.state, ctx.sender, body.name, ctx.height);
	}
});

export const leave = defineKind({
	kind: 'member.leave',
	sender: 'member',
	body: (value) => {
		s.exactRecord(value, 'body', []);
		return {};
	},
	apply: (ctx) => {
		ctx.state.put(memberKey(ctx.sender), undefined);
	}
});
