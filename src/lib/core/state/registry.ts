/** Every transaction kind the state machine knows. A new kind is one module and one line here. */
import { AgoraError } from '../errors.js';
import type { BlockHook, TxKind } from './kind.js';
import { join, leave } from './members.js';
import { post } from './posts.js';
import { policyHook } from './policy.js';

const ALL: readonly TxKind<any>[] = [join, leave, post];

export const KINDS: ReadonlyMap<string, TxKind<unknown>> = new Map(ALL.map((k) => [k.kind, k]));

/** End-of-block work, in the order it runs. */
export const BLOCK_HOOKS: readonly BlockHook[] = [policyHook];

export function kindOf(kind: string): TxKind<unknown> {
	const k = KINDS.get(kind);
	if (!k) throw new AgoraError('E_TX_KIND', `unknown transaction kind ${JSON.stringify(kind)}`, 'kind', kind);
	return k;
}
