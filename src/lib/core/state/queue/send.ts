/**
 * `msg.send`: a message is a signed transaction addressed to a member
 * (`to`) or a topic (`topic`). Its body carries the headers of the seed's
 * universal message (category and type, correlation and parent ids, content
 * type, expiry), the queue's terms (priority, delivery guarantee, idempotency
 * key, maximum deliveries, sequence number for ordered streams, a hub to route
 * towards) and the payload, which for a direct message must be a direct
 * envelope (crypto/direct.ts): readable by its recipient alone, while the
 * chain proves it was sent.
 *
 * The transaction's fee is what the message pays. It must be at least what
 * the fee policy in force requires (E_TX_FEE names the amount); anything
 * above buys a bounded priority bonus and is kept. Every rule is checked
 * before anything is written, so a rejected message leaves no trace.
 */
import { toHex, type Bytes, type Hex } from '../../bytes.js';
import { AgoraError, fail } from '../../errors.js';
import * as s from '../../schema.js';
import { readDirectEnvelope, readTopicEnvelope } from '../../crypto/envelope.js';
import { encodeTx, txIdHex } from '../../tx/tx.js';
import { GUARANTEES, PRIORITIES, type Guarantee, type Priority } from '../policy.js';
import { defineKind, type TxContext } from '../kind.js';
import { isMember, memberKey } from '../members.js';
import { readLabel } from '../labels.js';
import { routesTo } from '../routes.js';
import { done, openQueue, type QueueCtx } from './context.js';
import type { KV } from './kv.js';
import { createDelivery } from './delivery.js';
import { requiredFee } from './fee.js';
import { checkIdempotency, recordIdempotency } from './idempotency.js';
import { queueKeys, streamOf } from './keys.js';
import { KvList } from './list.js';
import { messageScopes } from './metrics.js';
import { checkSequence, placeOrdered } from './ordering.js';
import { readTopicName } from './pattern.js';
import { countSent, sentInWindow } from './quota.js';
import { putMessage } from './records.js';
import { chooseRoute } from './routing.js';
import { feeBonusPpm } from './schedule/fairness.js';
import { subscribersOf } from './subscriptions.js';
import { getTopic } from './topics.js';
import { CATEGORIES, type Category, type MessageRecord } from './types.js';
import { addTimer } from './wheel.js';

export const MAX_TYPE_BYTES = 64;
export const MAX_CONTENT_TYPE_BYTES = 128;
export const MAX_ID_BYTES = 64;
/** A topic message reaches at most this many subscribers. */
export const MAX_FANOUT = 10_000;

export interface SendBody {
	readonly to: Hex | null;
	readonly topic: string | null;
	readonly priority: Priority;
	readonly guarantee: Guarantee;
	readonly category: Category;
	readonly type: string;
	readonly contentType: string;
	readonly correlation: Hex | null;
	/** The message this one answers. */
	readonly parent: Hex | null;
	readonly idempotencyKey: Hex | null;
	/** Block time after which it is never delivered (default: `defaultTtlMs` after it is sent). */
	readonly expires: number | null;
	readonly maxDeliveries: number | null;
	readonly seq: number | null;
	readonly hub: string | null;
	readonly payload: Bytes;
}

const OPTIONAL = ['to', 'topic', 'correlation', 'parent', 'idempotencyKey', 'expires', 'maxDeliveries', 'seq', 'hub'] as const;
const FIELDS = ['priority', 'guarantee', 'category', 'type', 'contentType', 'payload', ...OPTIONAL] as const;

function opt<T>(value: unknown, read: (v: unknown) => T): T | null {
	return value === undefined ? null : read(value);
}

/** Reads and checks a `msg.send` body; everything here depends on the body alone. */
export function readSendBody(value: unknown): SendBody {
	const r = s.exactRecord(value, 'body', FIELDS, OPTIONAL);
	if ((r.to === undefined) === (r.topic === undefined)) fail('E_SCHEMA', 'body.to', r.to, 'or body.topic must be given, not both');
	const guarantee = s.oneOf(r.guarantee, 'body.guarantee', GUARANTEES);
	const body: SendBody = {
		to: opt(r.to, (v) => toHex(s.bytes(v, 'body.to', 32))),
		topic: opt(r.topic, (v) => readTopicName(v, 'body.topic')),
		priority: s.oneOf(r.priority, 'body.priority', PRIORITIES),
		guarantee,
		category: s.oneOf(r.category, 'body.category', CATEGORIES),
		type: s.str(r.type, 'body.type', MAX_TYPE_BYTES, 1),
		contentType: s.str(r.contentType, 'body.contentType', MAX_CONTENT_TYPE_BYTES, 1),
		correlation: opt(r.correlation, (v) => toHex(s.bytes(v, 'body.correlation', undefined, MAX_ID_BYTES))),
		parent: opt(r.parent, (v) => toHex(s.bytes(v, 'body.parent', 32))),
		idempotencyKey: opt(r.idempotencyKey, (v) => toHex(s.bytes(v, 'body.idempotencyKey', undefined, MAX_ID_BYTES))),
		expires: opt(r.expires, (v) => s.int(v, 'body.expires')),
		maxDeliveries: opt(r.maxDeliveries, (v) => s.int(v, 'body.maxDeliveries', 1)),
		seq: opt(r.seq, (v) => s.int(v, 'body.seq')),
		hub: opt(r.hub, (v) => readLabel(v, 'body.hub')),
		payload: s.bytes(r.payload, 'body.payload')
	};
	if (body.correlation === '') fail('E_SCHEMA', 'body.correlation', r.correlation, 'must not be empty');
	if (body.idempotencyKey === '') fail('E_SCHEMA', 'body.idempotencyKey', r.idempotencyKey, 'must not be empty');
	if (guarantee === 'exactlyOnce' && body.idempotencyKey === null) fail('E_SCHEMA', 'body.idempotencyKey', undefined, 'is required for exactly-once delivery');
	if ((guarantee === 'ordered') !== (body.seq !== null)) fail('E_SCHEMA', 'body.seq', r.seq, guarantee === 'ordered' ? 'is required for ordered delivery' : 'is only for ordered delivery');
	if (guarantee === 'atMostOnce' && body.maxDeliveries !== null && body.maxDeliveries !== 1) fail('E_SCHEMA', 'body.maxDeliveries', body.maxDeliveries, 'must be 1 for at-most-once delivery');
	if (body.to !== null) readDirectEnvelope(body.payload, 'body.payload');
	return body;
}

/** The members a topic message from `sender` reaches: subscribers with a matching pattern, the sender left out. */
export function audience(kv: KV, sender: Hex, topic: string): Hex[] {
	return subscribersOf(kv, topic).filter((m) => m !== sender && kv.get(memberKey(m)) !== undefined);
}

/** Who the message goes to, checking the address against state. */
function addressees(q: QueueCtx, sender: Hex, body: SendBody): Hex[] {
	if (body.to !== null) {
		if (!isMember(q.state, body.to)) fail('E_MSG_UNKNOWN', 'body.to', body.to, 'is not a member of this community');
		return [body.to];
	}
	const topic = getTopic(q.state, body.topic!);
	if (!topic) fail('E_MSG_UNKNOWN', 'body.topic', body.topic, 'is not a topic (declare it with topic.create)');
	if (topic.mode === 'encrypted') {
		const kid = toHex(readTopicEnvelope(body.payload, 'body.payload').kid);
		if (kid !== topic.keyId) fail('E_SCHEMA', 'body.payload.kid', kid, `is not the current key of topic ${body.topic}`);
	}
	const subscribers = audience(q.state, sender, body.topic!);
	if (subscribers.length > MAX_FANOUT) fail('E_TX_NOT_ALLOWED', 'body.topic', body.topic, `has ${subscribers.length} subscribers, more than a message may reach (${MAX_FANOUT})`);
	return subscribers;
}

export function sendMessage(ctx: TxContext, body: SendBody): void {
	const q = openQueue(ctx.state, ctx.time, ctx.height);
	const { delivery, priority: priorityPolicy } = q.policies;
	const sender = ctx.sender;
	const recipients = addressees(q, sender, body);

	const expires = body.expires ?? ctx.time + delivery.defaultTtlMs;
	if (expires <= ctx.time) fail('E_TX_EXPIRED', 'body.expires', expires, `has passed at block time ${ctx.time}`);
	if (expires - ctx.time > delivery.maxTtlMs) fail('E_TX_LIFETIME', 'body.expires', expires, `is more than ${delivery.maxTtlMs} ms after block time ${ctx.time}`);
	const maxDeliveries = body.maxDeliveries ?? (body.guarantee === 'atMostOnce' ? 1 : delivery.defaultMaxDeliveries);
	if (maxDeliveries > delivery.maxDeliveriesLimit) fail('E_SCHEMA', 'body.maxDeliveries', maxDeliveries, `must be at most ${delivery.maxDeliveriesLimit}`);

	const sent = sentInWindow(q.state, sender, ctx.time, priorityPolicy);
	if (sent >= priorityPolicy.senderQuota) {
		throw new AgoraError('E_MSG_QUOTA', `${sender.slice(0, 16)}… already sent ${sent} messages in this ${priorityPolicy.quotaWindowMs} ms window (quota ${priorityPolicy.senderQuota})`, 'from', sender);
	}
	if (body.idempotencyKey !== null) checkIdempotency(q, sender, body.idempotencyKey);
	const stream = streamOf(sender, body.to, body.topic);
	if (body.seq !== null) checkSequence(q, stream, body.seq);

	const required = requiredFee(q.policies.fee, { bytes: body.payload.length, priority: body.priority, guarantee: body.guarantee, recipients: recipients.length, sentInWindow: sent });
	if (ctx.tx.fee < required) {
		throw new AgoraError('E_TX_FEE', `fee ${ctx.tx.fee} is below the ${required} the fee policy requires for this message`, 'fee', ctx.tx.fee);
	}

	const id = txIdHex(ctx.tx);
	const m: MessageRecord = {
		from: sender,
		to: body.to,
		topic: body.topic,
		priority: body.priority,
		guarantee: body.guarantee,
		category: body.category,
		type: body.type,
		contentType: body.contentType,
		correlation: body.correlation,
		parent: body.parent,
		idempotencyKey: body.idempotencyKey,
		seq: body.seq,
		bytes: body.payload.length,
		size: encodeTx(ctx.tx).length,
		fee: ctx.tx.fee,
		required,
		bonusPpm: feeBonusPpm(priorityPolicy, ctx.tx.fee, required),
		sent: ctx.time,
		height: ctx.height,
		expires,
		maxDeliveries,
		recipients: recipients.length,
		route: body.hub === null ? null : chooseRoute(body.hub, routesTo(q.state, body.hub), { priority: body.priority, bytes: body.payload.length, fee: ctx.tx.fee }, q.policies.routing)
	};
	putMessage(q.state, id, m);
	if (body.topic !== null) q.state.put(queueKeys.recipients(id), recipients);
	new KvList<Hex>(q.state, queueKeys.sent(sender)).push(id);
	countSent(q.state, sender, ctx.time, priorityPolicy);
	if (body.idempotencyKey !== null) recordIdempotency(q, sender, body.idempotencyKey, id);
	addTimer(q.state, ctx.time, expires, ['expiry', id]);
	q.metrics.sent(messageScopes(m), m.guarantee, m.fee);
	if (body.seq !== null) placeOrdered(q, stream, id, m, recipients);
	else for (const r of recipients) createDelivery(q, id, r, m, false);
	done(q);
}

export const msgSend = defineKind<SendBody>({
	kind: 'msg.send',
	sender: 'member',
	body: readSendBody,
	apply: sendMessage
});
