/**
 * The life of one delivery (a message to one recipient), as types.ts draws
 * it: waiting in the recipient's scheduler, delivered into one of its
 * `maxInFlight` slots, acknowledged, rejected, redelivered with a longer
 * window each time, dead-lettered, re-driven, expired. Every change of status
 * goes through `change`, which keeps the history and the gauges; every
 * delivery that leaves a slot or the head of its ordered lane lets the next
 * one in.
 *
 * Windows: attempt k stays in flight for min(visibilityTimeoutMs ×
 * backoff^(k−1), max(visibilityTimeoutMs, maxBackoffMs)) of block time. When
 * it ends unacknowledged the message is delivered again (attempt k + 1) while
 * attempts remain, else dead-lettered; at-most-once messages are never
 * delivered twice: their single window ends as `delivered`. A nack with
 * requeue does not bring redelivery forward: the message is due again when its
 * window ends, so a recipient that keeps rejecting is backed off like one
 * that never answers.
 *
 * Ordered messages of one stream (sender to a member or topic) pass each
 * recipient one at a time: the next is not scheduled until the one before it
 * is acknowledged, dead-lettered or expired, so no redelivery ever lands
 * after a later message.
 */
import type { Hex } from '../../bytes.js';
import { AgoraError, fail } from '../../errors.js';
import { ppmOf } from '../../params.js';
import type { Policies } from '../policy.js';
import type { QueueCtx } from './context.js';
import type { KV } from './kv.js';
import { queueKeys, streamOf } from './keys.js';
import { KvList } from './list.js';
import { deliveryScopes } from './metrics.js';
import { sentInWindow } from './quota.js';
import { getDelivery, getMessage, moved, newDelivery, putDelivery } from './records.js';
import { senderWeightPpm } from './schedule/fairness.js';
import { InboxScheduler } from './schedule/scheduler.js';
import { IN_FLIGHT, OPEN, type DeadReason, type DeliveryRecord, type DeliveryStatus, type MessageRecord } from './types.js';
import { addTimer } from './wheel.js';

/** The recipient's scheduler over `ctx.state` (the state, or an overlay of it for a look ahead). */
export function schedulerOf(ctx: { readonly state: KV; readonly time: number; readonly policies: Policies }, recipient: Hex): InboxScheduler {
	const policy = ctx.policies.priority;
	return new InboxScheduler(ctx.state, queueKeys.scheduler(recipient), {
		policy,
		live: (id) => getDelivery(ctx.state, id, recipient)?.status === 'pending' && getMessage(ctx.state, id)!.expires > ctx.time,
		senderWeight: (sender) => senderWeightPpm(policy, sentInWindow(ctx.state, sender, ctx.time, policy))
	});
}

/** Deliveries the recipient has in flight. */
export function inFlightCount(ctx: { readonly state: KV }, recipient: Hex): number {
	return (ctx.state.get(queueKeys.inbox(recipient)) as number | undefined) ?? 0;
}

function setInFlight(ctx: QueueCtx, recipient: Hex, n: number): void {
	ctx.state.put(queueKeys.inbox(recipient), n === 0 ? undefined : n);
}

type GaugeGroup = 'depth' | 'inflight' | 'held' | 'dead' | null;
function groupOf(status: DeliveryStatus | null): GaugeGroup {
	switch (status) {
		case 'pending':
			return 'depth';
		case 'inflight':
		case 'retry':
			return 'inflight';
		case 'held':
		case 'waiting':
			return 'held';
		case 'dead':
			return 'dead';
		default:
			return null;
	}
}

function gauge(ctx: QueueCtx, m: MessageRecord, scopes: readonly string[], group: GaugeGroup, delta: number): void {
	if (group === 'depth') ctx.metrics.depth(scopes, m.priority, delta);
	else if (group !== null) ctx.metrics.gauge(scopes, group, delta);
}

/** Moves a delivery (or creates it, when `d` is null) into `to`, with its history and the gauges. */
function change(ctx: QueueCtx, id: Hex, recipient: Hex, m: MessageRecord, d: DeliveryRecord | null, to: DeliveryStatus, detail: string | number | null, changes: Partial<DeliveryRecord> = {}): DeliveryRecord {
	const next = d ? moved(d, to, ctx.time, detail, changes) : { ...newDelivery(to, ctx.time, detail), ...changes };
	putDelivery(ctx.state, id, recipient, next);
	const [from, into] = [groupOf(d?.status ?? null), groupOf(to)];
	if (from !== into) {
		const scopes = deliveryScopes(m, recipient);
		gauge(ctx, m, scopes, from, -1);
		gauge(ctx, m, scopes, into, +1);
	}
	return next;
}

/** A new delivery of a sent message: ordered ones queue behind their stream, others go to the scheduler. */
export function createDelivery(ctx: QueueCtx, id: Hex, recipient: Hex, m: MessageRecord, held: boolean): void {
	new KvList<Hex>(ctx.state, queueKeys.received(recipient)).push(id);
	ctx.metrics.count(deliveryScopes(m, recipient), 'deliveries');
	if (held) change(ctx, id, recipient, m, null, 'held', 'gap');
	else if (m.guarantee === 'ordered') enterLane(ctx, id, recipient, m, null);
	else schedule(ctx, id, recipient, m, null, null);
}

/** Puts a delivery in the recipient's scheduler and delivers whatever now fits. */
function schedule(ctx: QueueCtx, id: Hex, recipient: Hex, m: MessageRecord, d: DeliveryRecord | null, detail: string | null, changes: Partial<DeliveryRecord> = {}): void {
	change(ctx, id, recipient, m, d, 'pending', detail, changes);
	schedulerOf(ctx, recipient).push({ id, sender: m.from, priority: m.priority, size: m.size, bonusPpm: m.bonusPpm, readyAt: ctx.time });
	fill(ctx, recipient);
}

/** Delivers, in the scheduler's order, until the recipient's in-flight slots are full or nothing waits. */
export function fill(ctx: QueueCtx, recipient: Hex): void {
	const limit = ctx.policies.delivery.maxInFlight;
	let n = inFlightCount(ctx, recipient);
	if (n >= limit) return;
	const scheduler = schedulerOf(ctx, recipient);
	const dispatched = new KvList<Hex>(ctx.state, queueKeys.dispatched(recipient));
	const start = n;
	while (n < limit) {
		const item = scheduler.next(ctx.time);
		if (!item) break;
		const m = getMessage(ctx.state, item.id)!;
		startAttempt(ctx, item.id, recipient, m, getDelivery(ctx.state, item.id, recipient)!);
		dispatched.push(item.id);
		n++;
	}
	if (n !== start) setInFlight(ctx, recipient, n);
}

/** The in-flight window of attempt k. */
export function attemptWindow(ctx: QueueCtx, attempt: number): number {
	const { visibilityTimeoutMs: base, backoffPpm, maxBackoffMs } = ctx.policies.delivery;
	const cap = Math.max(base, maxBackoffMs);
	let w = base;
	for (let k = 1; k < attempt && w < cap; k++) w = ppmOf(w, backoffPpm);
	return Math.min(w, cap);
}

function startAttempt(ctx: QueueCtx, id: Hex, recipient: Hex, m: MessageRecord, d: DeliveryRecord): void {
	const attempt = d.attempts + 1;
	const due = ctx.time + attemptWindow(ctx, attempt);
	change(ctx, id, recipient, m, d, 'inflight', attempt, { attempts: attempt, due });
	addTimer(ctx.state, ctx.time, due, ['visibility', id, recipient, attempt]);
	ctx.metrics.count(deliveryScopes(m, recipient), attempt === 1 ? 'dispatched' : 'redelivered');
}

/**
 * After a delivery reached acked, delivered, dead or expired from `from`: its
 * slot frees (the next delivery goes out) and, if it led its ordered lane,
 * the next message of the stream is scheduled.
 */
function closed(ctx: QueueCtx, recipient: Hex, m: MessageRecord, from: DeliveryStatus): void {
	if (IN_FLIGHT.includes(from)) setInFlight(ctx, recipient, inFlightCount(ctx, recipient) - 1);
	// An ordered delivery is scheduled or in flight only while it leads its lane.
	if (m.guarantee === 'ordered' && (from === 'pending' || IN_FLIGHT.includes(from))) leaveLane(ctx, recipient, m);
	fill(ctx, recipient);
}

function lookup(ctx: QueueCtx, id: Hex, recipient: Hex, path: string): { m: MessageRecord; d: DeliveryRecord } {
	const m = getMessage(ctx.state, id);
	const d = m && getDelivery(ctx.state, id, recipient);
	if (!m || !d) fail('E_MSG_UNKNOWN', path, id, `is not a message to ${recipient.slice(0, 16)}…`);
	return { m, d };
}

/** The recipient's receipt. Acknowledging is allowed until the message expires, even after it was dead-lettered. */
export function acknowledge(ctx: QueueCtx, id: Hex, recipient: Hex, ackTx: Hex, path: string): void {
	const { m, d } = lookup(ctx, id, recipient, path);
	if (d.status === 'acked') throw new AgoraError('E_TX_DUPLICATE', `${path} ${id.slice(0, 16)}… was already acknowledged by ${d.ack!.slice(0, 16)}…`, path, id);
	if (d.status === 'expired' || ctx.time >= m.expires) fail('E_MSG_STATE', path, id, `expired at ${m.expires} and can no longer be acknowledged`);
	if (d.status === 'held' || d.status === 'waiting') fail('E_MSG_STATE', path, id, 'is held back for ordering: it has not been delivered yet');
	change(ctx, id, recipient, m, d, 'acked', ackTx, { ack: ackTx, due: 0 });
	ctx.metrics.acked(deliveryScopes(m, recipient), ctx.time - m.sent, ctx.policies.routing.latencyBoundMs[m.priority]);
	closed(ctx, recipient, m, d.status);
}

/** The recipient's rejection: redelivered at the end of the window if asked and allowed, else dead-lettered. */
export function reject(ctx: QueueCtx, id: Hex, recipient: Hex, reason: string, requeue: boolean, path: string): void {
	const { m, d } = lookup(ctx, id, recipient, path);
	if (d.status !== 'inflight' || ctx.time >= m.expires) fail('E_MSG_STATE', path, id, `is ${d.status === 'inflight' ? 'expired' : d.status}, not in flight: only a delivered message can be rejected`);
	ctx.metrics.count(deliveryScopes(m, recipient), 'nacked');
	const nacked = { nacks: d.nacks + 1, lastNack: reason };
	if (requeue && m.guarantee !== 'atMostOnce' && d.attempts < m.maxDeliveries) change(ctx, id, recipient, m, d, 'retry', reason, nacked);
	else deadLetter(ctx, id, recipient, m, d, 'rejected', reason, nacked);
}

function deadLetter(ctx: QueueCtx, id: Hex, recipient: Hex, m: MessageRecord, d: DeliveryRecord, reason: DeadReason, detail: string | null, changes: Partial<DeliveryRecord> = {}): void {
	change(ctx, id, recipient, m, d, 'dead', detail === null ? reason : `${reason}: ${detail}`, { ...changes, deadReason: reason, due: 0 });
	ctx.metrics.count(deliveryScopes(m, recipient), 'dead');
	for (const member of m.from === recipient ? [recipient] : [m.from, recipient]) new KvList<[Hex, Hex]>(ctx.state, queueKeys.deadLetters(member)).push([id, recipient]);
	closed(ctx, recipient, m, d.status);
}

/** The visibility timer of attempt `attempt`: redeliver, settle or dead-letter, unless the delivery moved on. */
export function windowEnded(ctx: QueueCtx, id: Hex, recipient: Hex, attempt: number, due: number): void {
	const m = getMessage(ctx.state, id)!;
	const d = getDelivery(ctx.state, id, recipient)!;
	if (!IN_FLIGHT.includes(d.status) || d.attempts !== attempt || d.due !== due) return;
	if (ctx.time >= m.expires) expire(ctx, id, recipient, m, d);
	else if (m.guarantee === 'atMostOnce') {
		change(ctx, id, recipient, m, d, 'delivered', null, { due: 0 });
		closed(ctx, recipient, m, d.status);
	} else if (d.attempts < m.maxDeliveries) startAttempt(ctx, id, recipient, m, d);
	else deadLetter(ctx, id, recipient, m, d, 'maxDeliveries', `${d.attempts} deliveries unacknowledged`);
}

/** The expiry timer: every delivery of the message still open becomes expired. */
export function expireMessage(ctx: QueueCtx, id: Hex, recipients: readonly Hex[]): void {
	const m = getMessage(ctx.state, id)!;
	for (const r of recipients) {
		const d = getDelivery(ctx.state, id, r)!;
		if (OPEN.includes(d.status)) expire(ctx, id, r, m, d);
	}
}

function expire(ctx: QueueCtx, id: Hex, recipient: Hex, m: MessageRecord, d: DeliveryRecord): void {
	change(ctx, id, recipient, m, d, 'expired', null, { due: 0 });
	ctx.metrics.count(deliveryScopes(m, recipient), 'expired');
	closed(ctx, recipient, m, d.status);
}

/** Sends a dead letter back to the recipient's scheduler with fresh attempts. */
export function redrive(ctx: QueueCtx, id: Hex, recipient: Hex, by: Hex, path: string): void {
	const { m, d } = lookup(ctx, id, recipient, path);
	if (d.status !== 'dead') fail('E_MSG_STATE', path, id, `is ${d.status}: only a dead letter can be re-driven`);
	if (m.guarantee === 'ordered' || m.guarantee === 'atMostOnce') {
		fail('E_MSG_STATE', path, id, m.guarantee === 'ordered' ? 'is ordered: delivering it again would put it after later messages' : 'is at most once: it is never delivered twice');
	}
	if (ctx.time >= m.expires) fail('E_TX_EXPIRED', path, id, `expired at ${m.expires}`);
	ctx.metrics.count(deliveryScopes(m, recipient), 'redriven');
	schedule(ctx, id, recipient, m, d, `redriven by ${by}`, { attempts: 0, deadReason: null, redriven: d.redriven + 1 });
}

/* ------------------------------------------------------------------ */
/* Ordered lanes: one stream's messages to one recipient, one at a time */
/* ------------------------------------------------------------------ */

/** An ordered delivery whose sequence has come: scheduled if its lane is free, else waiting behind it. */
export function enterLane(ctx: QueueCtx, id: Hex, recipient: Hex, m: MessageRecord, d: DeliveryRecord | null): void {
	const stream = streamOf(m.from, m.to, m.topic);
	const busy = queueKeys.laneBusy(recipient, stream);
	if (ctx.state.get(busy) === undefined) {
		ctx.state.put(busy, id);
		schedule(ctx, id, recipient, m, d, null);
	} else {
		new KvList<Hex>(ctx.state, queueKeys.laneWaiting(recipient, stream)).push(id);
		change(ctx, id, recipient, m, d, 'waiting', null);
	}
}

/** The lane's leading delivery settled: the next one still waiting takes the lead. */
function leaveLane(ctx: QueueCtx, recipient: Hex, m: MessageRecord): void {
	const stream = streamOf(m.from, m.to, m.topic);
	const busy = queueKeys.laneBusy(recipient, stream);
	const waiting = new KvList<Hex>(ctx.state, queueKeys.laneWaiting(recipient, stream));
	for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
		const d = getDelivery(ctx.state, next, recipient)!;
		// Deliveries that expired while waiting are passed over.
		if (d.status !== 'waiting') continue;
		ctx.state.put(busy, next);
		schedule(ctx, next, recipient, getMessage(ctx.state, next)!, d, null);
		return;
	}
	ctx.state.put(busy, undefined);
}
