/**
 * Reading the queue, for the node (what to push to whom, in which order),
 * the messages page (statuses, histories, dead letters, the fee before
 * sending), proofs (the transaction ids of a message and of its receipts) and
 * `agora verify --json` (the summary). Queries read state and never change
 * it; the ones that look ahead run the scheduler on an overlay.
 */
import type { Hex } from '../../bytes.js';
import { pendingPolicy, type Guarantee } from '../policy.js';
import { readPolicies } from './context.js';
import type { KV } from './kv.js';
import { overlay } from './kv.js';
import { queueKeys } from './keys.js';
import { KvList } from './list.js';
import { inFlightCount, schedulerOf } from './delivery.js';
import { requiredFee, type FeeInput } from './fee.js';
import { ALL_SCOPE, countersView, zeroCounters, inboxScope, metricsView, readScope, type CountersView, type MetricsView } from './metrics.js';
import { sentInWindow } from './quota.js';
import { getDelivery, getMessage, recipientsOf } from './records.js';
import { audience, type SendBody } from './send.js';
import { IN_FLIGHT, type DeliveryRecord, type MessageRecord } from './types.js';

export interface DeliveryView extends DeliveryRecord {
	readonly id: Hex;
	readonly recipient: Hex;
}

export interface MessageView {
	readonly id: Hex;
	readonly message: MessageRecord;
	/** One per recipient, in recipient order. */
	readonly deliveries: readonly DeliveryView[];
}

function deliveryView(kv: KV, id: Hex, recipient: Hex): DeliveryView {
	return { ...getDelivery(kv, id, recipient)!, id, recipient };
}

export function messageView(kv: KV, id: Hex): MessageView | undefined {
	const message = getMessage(kv, id);
	if (!message) return undefined;
	return { id, message, deliveries: recipientsOf(kv, id, message).map((r) => deliveryView(kv, id, r)) };
}

/** The transactions whose inclusion proofs prove a message was sent and (per recipient) acknowledged. */
export function messageTxIds(kv: KV, id: Hex): { readonly message: Hex; readonly receipts: ReadonlyArray<{ readonly recipient: Hex; readonly ack: Hex | null }> } | undefined {
	const view = messageView(kv, id);
	return view && { message: id, receipts: view.deliveries.map((d) => ({ recipient: d.recipient, ack: d.ack })) };
}

/** Whether the recipient's receipt for the message is on chain: an exactly-once recipient processes a message only if not. */
export function isAcknowledged(kv: KV, id: Hex, recipient: Hex): boolean {
	return getDelivery(kv, id, recipient)?.status === 'acked';
}

export interface InboxView {
	/** Delivered and not yet settled, in the order they went out: the node pushes these (again when their attempt changes). */
	readonly inFlight: readonly DeliveryView[];
	/** Waiting in the scheduler, in the order they will go out (at most `limit`). */
	readonly upcoming: readonly DeliveryView[];
	/** Ordered messages held back for a gap or for the message before them. */
	readonly held: readonly DeliveryView[];
}

/** Newest first, each id once, while `keep` says to and fewer than `count` were found. */
function scanBack(list: KvList<Hex>, count: number, keep: (id: Hex) => boolean): Hex[] {
	const out: Hex[] = [];
	const seen = new Set<Hex>();
	for (let i = list.end - 1; i >= list.first && out.length < count; i--) {
		const id = list.at(i)!;
		if (seen.has(id)) continue;
		seen.add(id);
		if (keep(id)) out.push(id);
	}
	return out;
}

/** The deliveries in flight to a member, in the order they were dispatched. */
export function inFlight(kv: KV, member: Hex): DeliveryView[] {
	const ids = scanBack(new KvList<Hex>(kv, queueKeys.dispatched(member)), inFlightCount({ state: kv }, member), (id) => IN_FLIGHT.includes(getDelivery(kv, id, member)!.status));
	return ids.reverse().map((id) => deliveryView(kv, id, member));
}

/** A member's inbox in delivery order, as of block time `time`. */
export function inbox(kv: KV, member: Hex, time: number, limit = 100): InboxView {
	const ahead = schedulerOf({ state: overlay(kv), time, policies: readPolicies(kv) }, member);
	const upcoming: DeliveryView[] = [];
	while (upcoming.length < limit) {
		const item = ahead.next(time);
		if (!item) break;
		upcoming.push(deliveryView(kv, item.id, member));
	}
	const heldCount = readScope(kv, inboxScope(member))?.gauges.held ?? 0;
	const held = scanBack(new KvList<Hex>(kv, queueKeys.received(member)), heldCount, (id) => ['held', 'waiting'].includes(getDelivery(kv, id, member)!.status)).reverse();
	return { inFlight: inFlight(kv, member), upcoming, held: held.map((id) => deliveryView(kv, id, member)) };
}

/** Messages addressed to a member (directly or through a topic), newest first. */
export function received(kv: KV, member: Hex, limit = 50, before?: number): DeliveryView[] {
	const log = new KvList<Hex>(kv, queueKeys.received(member));
	const out: DeliveryView[] = [];
	for (let i = Math.min(before ?? log.end, log.end) - 1; i >= log.first && out.length < limit; i--) out.push(deliveryView(kv, log.at(i)!, member));
	return out;
}

/** Messages a member sent, newest first. */
export function sent(kv: KV, member: Hex, limit = 50, before?: number): MessageView[] {
	const log = new KvList<Hex>(kv, queueKeys.sent(member));
	const out: MessageView[] = [];
	for (let i = Math.min(before ?? log.end, log.end) - 1; i >= log.first && out.length < limit; i--) out.push(messageView(kv, log.at(i)!)!);
	return out;
}

/** Dead letters a member can see (as sender or recipient) that are still dead, newest first. */
export function deadLetters(kv: KV, member: Hex, limit = 100): DeliveryView[] {
	const log = new KvList<[Hex, Hex]>(kv, queueKeys.deadLetters(member));
	const out: DeliveryView[] = [];
	const seen = new Set<string>();
	for (let i = log.end - 1; i >= log.first && out.length < limit; i--) {
		const [id, recipient] = log.at(i)!;
		if (seen.has(`${id}/${recipient}`)) continue;
		seen.add(`${id}/${recipient}`);
		const d = deliveryView(kv, id, recipient);
		if (d.status === 'dead') out.push(d);
	}
	return out;
}

/**
 * The fee a message from `sender` must offer if it goes into a block at `time` (the UI shows it before sending),
 * after `waiting` messages of the sender's that are not in a block yet and will go before it.
 */
export function quoteFee(kv: KV, sender: Hex, body: Pick<SendBody, 'to' | 'topic' | 'priority' | 'guarantee' | 'payload'>, time: number, waiting = 0): number {
	const recipients = body.to !== null ? 1 : audience(kv, sender, body.topic!).length;
	return quote(kv, sender, { bytes: body.payload.length, priority: body.priority, guarantee: body.guarantee, recipients }, time, waiting);
}

/** The fee re-driving message `m` must offer if it goes into a block at `time` (as quoteFee, for one recipient). */
export function quoteRedrive(kv: KV, sender: Hex, m: MessageRecord, time: number, waiting = 0): number {
	return quote(kv, sender, { bytes: m.bytes, priority: m.priority, guarantee: m.guarantee, recipients: 1 }, time, waiting);
}

function quote(kv: KV, sender: Hex, fields: Omit<FeeInput, 'sentInWindow'>, time: number, waiting: number): number {
	const policies = readPolicies(kv);
	const message: FeeInput = { ...fields, sentInWindow: sentInWindow(kv, sender, time, policies.priority) + waiting };
	// A fee policy the DAO has already scheduled may be in force by the block the message reaches: quote the higher.
	const next = pendingPolicy(kv, 'fee');
	return Math.max(requiredFee(policies.fee, message), next ? requiredFee(next.value, message) : 0);
}

/** Metrics of a scope: `all`, `in:<member key>` or `t:<topic>`. */
export function queueMetrics(kv: KV, scope: string): MetricsView | undefined {
	return metricsView(kv, scope, readPolicies(kv).delivery.metricsPeriodMs);
}

export interface QueueSummary {
	readonly messages: number;
	readonly byGuarantee: Readonly<Record<Guarantee, number>>;
	readonly deliveries: number;
	readonly acked: number;
	readonly nacked: number;
	/** Deliveries ever dead-lettered, and those still dead now. */
	readonly deadLettered: number;
	readonly deadLetters: number;
	readonly expired: number;
	readonly redriven: number;
	readonly pending: number;
	readonly inFlight: number;
	readonly held: number;
	readonly feesCollected: number;
	readonly latencyP50Ms: CountersView['latencyP50Ms'];
	readonly latencyP95Ms: CountersView['latencyP95Ms'];
	readonly latencyP99Ms: CountersView['latencyP99Ms'];
	readonly slaCompliancePpm: CountersView['slaCompliancePpm'];
}

/** The whole queue in one object, from running totals (no scan): the queue section of `agora verify --json`. */
export function queueSummary(kv: KV): QueueSummary {
	const all = readScope(kv, ALL_SCOPE);
	const t = countersView(all?.total ?? zeroCounters());
	const g = all?.gauges;
	return {
		messages: t.sent,
		byGuarantee: t.byGuarantee,
		deliveries: t.deliveries,
		acked: t.acked,
		nacked: t.nacked,
		deadLettered: t.dead,
		deadLetters: g?.dead ?? 0,
		expired: t.expired,
		redriven: t.redriven,
		pending: g ? g.depth.reduce((a, b) => a + b, 0) : 0,
		inFlight: g?.inflight ?? 0,
		held: g?.held ?? 0,
		feesCollected: t.fees,
		latencyP50Ms: t.latencyP50Ms,
		latencyP95Ms: t.latencyP95Ms,
		latencyP99Ms: t.latencyP99Ms,
		slaCompliancePpm: t.slaCompliancePpm
	};
}
