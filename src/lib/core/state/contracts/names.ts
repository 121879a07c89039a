/**
 * Names: a member claims one unique name (lower-case letters, digits and
 * inner hyphens, so two names never look alike), releases it, and anyone
 * resolves a name to its owner or an owner to its name.
 */
import type { Hex } from '../../bytes.js';
import { AgoraError, fail } from '../../errors.js';
import * as s from '../../schema.js';
import type { StateTree } from '../tree.js';
import { contractKey, defineAction, type Contract } from './contract.js';

const NAME = 'names';
export const MAX_CLAIMED_NAME_LENGTH = 32;
const VALID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

const ownerKey = (name: string): string => contractKey(NAME, `n/${name}`);
const nameKey = (owner: Hex): string => contractKey(NAME, `o/${owner}`);

export function resolveName(state: StateTree, name: string): Hex | undefined {
	return state.get(ownerKey(name)) as Hex | undefined;
}

export function nameOf(state: StateTree, owner: Hex): string | undefined {
	return state.get(nameKey(owner)) as string | undefined;
}

function readClaimedName(value: unknown, path: string): { name: string } {
	const r = s.exactRecord(value, path, ['name']);
	const name = s.str(r.name, `${path}.name`, MAX_CLAIMED_NAME_LENGTH, 1);
	if (!VALID.test(name)) fail('E_SCHEMA', `${path}.name`, name, 'must be lower-case letters, digits and inner hyphens');
	return { name };
}

export const names: Contract = {
	name: NAME,
	actions: {
		claim: defineAction({
			args: readClaimedName,
			apply: (ctx, { name }) => {
				const owner = resolveName(ctx.state, name);
				if (owner !== undefined) fail('E_TX_NOT_ALLOWED', 'body.args.name', name, `is taken by ${owner.slice(0, 16)}…`);
				const mine = nameOf(ctx.state, ctx.sender);
				if (mine !== undefined) throw new AgoraError('E_TX_NOT_ALLOWED', `the sender already holds the name ${mine}; release it first`, 'from', ctx.sender);
				ctx.state.put(ownerKey(name), ctx.sender);
				ctx.state.put(nameKey(ctx.sender), name);
			}
		}),
		release: defineAction({
			args: readClaimedName,
			apply: (ctx, { name }) => {
				const owner = resolveName(ctx.state, name);
				if (owner === undefined) fail('E_TX_NOT_ALLOWED', 'body.args.name', name, 'is not claimed');
				if (owner !== ctx.sender) throw new AgoraError('E_TX_NOT_ALLOWED', `the name ${name} belongs to ${owner.slice(0, 16)}…`, 'from', ctx.sender);
				ctx.state.put(ownerKey(name), undefined);
				ctx.state.put(nameKey(ctx.sender), undefined);
			}
		})
	}
};
