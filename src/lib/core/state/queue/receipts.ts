/**
 * What recipients (and senders) answer with, each a signed transaction:
 * - `msg.ack`: the delivery receipt, for up to MAX_ACKS messages at once; its
 *   inclusion proof is the proof of delivery. A message is acknowledged once:
 *   a second receipt is rejected (E_TX_DUPLICATE), which is how an
 *   exactly-once recipient's processing is recorded.
 * - `msg.nack`: a rejection with a reason, asking for redelivery or not.
 * - `msg.redrive`: the sender or the recipient sends a dead letter back to
 *   the queue; it pays the fee a one-recipient message of its kind requires
 *   now, since it buys another round of deliveries.
 */
import { toHex, type Hex } from '../../bytes.js';
import { AgoraError, fail } from '../../errors.js';
import * as s from '../../schema.js';
import { txIdHex } from '../../tx/tx.js';
import { defineKind } from '../kind.js';
import { done, openQueue, readPolicies } from './context.js';
import { acknowledge, redrive, reject } from './delivery.js';
import { requiredFee } from './fee.js';
import { deliveryScopes } from './metrics.js';
import { sentInWindow } from './quota.js';
import type { KV } from './kv.js';
import { getMessage } from './records.js';
import type { MessageRecord } from './types.js';

export const MAX_ACKS = 64;
export const MAX_REASON_BYTES = 256;

const readId = (value: unknown, path: string): Hex => toHex(s.bytes(value, path, 32));

export const msgAck = defineKind<{ readonly ids: readonly Hex[] }>({
	kind: 'msg.ack',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['ids']);
		const ids = s.array(r.ids, 'body.ids', MAX_ACKS).map((v, i) => readId(v, `body.ids[${i}]`));
		if (ids.length === 0) fail('E_SCHEMA', 'body.ids', r.ids, 'must name at least one message');
		ids.forEach((id, i) => {
			if (ids.indexOf(id) !== i) fail('E_TX_DUPLICATE', `body.ids[${i}]`, id, 'is listed twice');
		});
		return { ids };
	},
	apply: (ctx, { ids }) => {
		const q = openQueue(ctx.state, ctx.time, ctx.height);
		const receipt = txIdHex(ctx.tx);
		ids.forEach((id, i) => acknowledge(q, id, ctx.sender, receipt, `body.ids[${i}]`));
		done(q);
	}
});

export const msgNack = defineKind<{ readonly id: Hex; readonly reason: string; readonly requeue: boolean }>({
	kind: 'msg.nack',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['id', 'reason', 'requeue']);
		return { id: readId(r.id, 'body.id'), reason: s.str(r.reason, 'body.reason', MAX_REASON_BYTES), requeue: s.bool(r.requeue, 'body.requeue') };
	},
	apply: (ctx, body) => {
		const q = openQueue(ctx.state, ctx.time, ctx.height);
		reject(q, body.id, ctx.sender, body.reason, body.requeue, 'body.id');
		done(q);
	}
});

/** What re-driving message `m` costs `sender` at block time `time`: the fee a one-recipient message of its kind requires now. */
export function redriveFee(kv: KV, sender: Hex, m: MessageRecord, time: number): number {
	const policies = readPolicies(kv);
	return requiredFee(policies.fee, { bytes: m.bytes, priority: m.priority, guarantee: m.guarantee, recipients: 1, sentInWindow: sentInWindow(kv, sender, time, policies.priority) });
}

export const msgRedrive = defineKind<{ readonly id: Hex; readonly recipient: Hex }>({
	kind: 'msg.redrive',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['id', 'recipient']);
		return { id: readId(r.id, 'body.id'), recipient: readId(r.recipient, 'body.recipient') };
	},
	apply: (ctx, { id, recipient }) => {
		const q = openQueue(ctx.state, ctx.time, ctx.height);
		const m = getMessage(q.state, id);
		if (!m) fail('E_MSG_UNKNOWN', 'body.id', id, 'is not a message');
		if (ctx.sender !== m.from && ctx.sender !== recipient) {
			throw new AgoraError('E_TX_NOT_ALLOWED', `only the sender or the recipient of ${id.slice(0, 16)}… may re-drive it`, 'from', ctx.sender);
		}
		const required = redriveFee(q.state, ctx.sender, m, ctx.time);
		if (ctx.tx.fee < required) throw new AgoraError('E_TX_FEE', `fee ${ctx.tx.fee} is below the ${required} the fee policy requires to re-drive this message`, 'fee', ctx.tx.fee);
		redrive(q, id, recipient, ctx.sender, 'body.id');
		q.metrics.count(deliveryScopes(m, recipient), 'fees', ctx.tx.fee);
		done(q);
	}
});
