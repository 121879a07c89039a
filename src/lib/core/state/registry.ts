/** Every transaction kind the state machine knows. A new kind is one module and one line here. */
import { AgoraError } from '../errors.js';
import type { BlockHook, TxKind } from './kind.js';
import type { StateTree } from './tree.js';
import { invite, join, leave } from './members.js';
import { post } from './posts.js';
import { skip } from './skip.js';
import { policyHook } from './policy.js';
import { stake, transfer, unstake } from './value.js';
import { nodeRegister, nodeUpdate } from './nodes.js';
import { routeRegister, routeUpdate } from './routes.js';
import { metricsRecord } from './metrics.js';
import { contractCall } from './contracts/call.js';
import { evidence, validatorSnapshots, vote } from './consensus.js';
import { DAO_KINDS } from './dao/kinds.js';
import { daoHook } from './dao/lifecycle.js';
import { msgSend } from './queue/send.js';
import { msgAck, msgNack, msgRedrive } from './queue/receipts.js';
import { topicCreate, topicRekey, topicSubscribe, topicUnsubscribe } from './queue/topics.js';
import { queueHook } from './queue/hook.js';

const ALL: readonly TxKind<any>[] = [join, leave, post, skip, transfer, stake, unstake, nodeRegister, nodeUpdate, routeRegister, routeUpdate, metricsRecord, contractCall, vote, evidence, invite, ...DAO_KINDS, msgSend, msgAck, msgNack, msgRedrive, topicCreate, topicRekey, topicSubscribe, topicUnsubscribe];

export const KINDS: ReadonlyMap<string, TxKind<unknown>> = new Map(ALL.map((k) => [k.kind, k]));

/**
 * End-of-block work, in the order it runs. The queue's deadlines go first, under the policies of the block
 * they fall in; validatorSnapshots records the validator set a block leaves behind: keep it last.
 */
export const BLOCK_HOOKS: readonly BlockHook[] = [queueHook, policyHook, daoHook, validatorSnapshots];

/** The earliest block time at which any end-of-block hook has work waiting, or null (see BlockHook.nextDeadline). */
export function nextDeadline(state: StateTree): number | null {
	let earliest: number | null = null;
	for (const hook of BLOCK_HOOKS) {
		const at = hook.nextDeadline?.(state) ?? null;
		if (at !== null && (earliest === null || at < earliest)) earliest = at;
	}
	return earliest;
}

export function kindOf(kind: string): TxKind<unknown> {
	const k = KINDS.get(kind);
	if (!k) throw new AgoraError('E_TX_KIND', `unknown transaction kind ${JSON.stringify(kind)}`, 'kind', kind);
	return k;
}
