/**
 * The queue's records in state. A message is the `msg.send` transaction that
 * carried it (its id is the transaction id; its payload stays in the block,
 * where an inclusion proof reaches it); state keeps what the queue decides
 * by: one MessageRecord per message and one DeliveryRecord per recipient.
 *
 * A delivery moves through these statuses:
 *
 *   held ──(its gap is filled or times out)──▶ waiting ──(the message before it settles)──▶ pending
 *     (an ordered message skips either step when nothing is ahead of it)
 *   pending ──(the scheduler picks it and an in-flight slot is free)──▶ inflight
 *   inflight ──(ack)──▶ acked
 *   inflight ──(nack with requeue)──▶ retry ──(its window ends)──▶ inflight (next attempt)
 *   inflight ──(window ends, attempts left)──▶ inflight (next attempt, longer window)
 *   inflight ──(window ends, none left; or nack without requeue)──▶ dead ──(re-drive)──▶ pending
 *   inflight ──(window ends, at most once)──▶ delivered
 *   any open status ──(message expires)──▶ expired
 *
 * A receipt is taken from pending (processed before its turn), inflight,
 * retry, delivered and dead alike, until the message expires. `held` and
 * `waiting` exist only for ordered messages. acked, delivered and expired are
 * final; dead is final unless re-driven or acknowledged late.
 */
import type { Hex } from '../../bytes.js';
import type { Guarantee, Priority } from '../policy.js';

/** After the seed's MessageCategory, plus `social` for members writing to each other. */
export const CATEGORIES = ['system', 'consensus', 'economic', 'security', 'data', 'governance', 'monitoring', 'external', 'social'] as const;
export type Category = (typeof CATEGORIES)[number];

export const DELIVERY_STATUSES = ['held', 'waiting', 'pending', 'inflight', 'retry', 'acked', 'delivered', 'dead', 'expired'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Statuses that still hold an in-flight slot of the recipient. */
export const IN_FLIGHT: readonly DeliveryStatus[] = ['inflight', 'retry'];
/** Statuses from which the message can still be delivered (it expires from these). */
export const OPEN: readonly DeliveryStatus[] = ['held', 'waiting', 'pending', 'inflight', 'retry'];

export type DeadReason = 'maxDeliveries' | 'rejected';

/** The route the queue chose for a message sent towards a hub (id null: none met the bounds). */
export interface RouteDecision {
	readonly hub: string;
	readonly id: string | null;
	/** The winning route's score in parts per million (0 when none). */
	readonly score: number;
}

export interface MessageRecord {
	readonly from: Hex;
	/** The recipient of a direct message, or the topic of a topic message (the other is null). */
	readonly to: Hex | null;
	readonly topic: string | null;
	readonly priority: Priority;
	readonly guarantee: Guarantee;
	readonly category: Category;
	readonly type: string;
	readonly contentType: string;
	readonly correlation: Hex | null;
	readonly parent: Hex | null;
	readonly idempotencyKey: Hex | null;
	readonly seq: number | null;
	/** Payload bytes (what the fee counts) and the whole transaction's bytes (what deficit round robin counts). */
	readonly bytes: number;
	readonly size: number;
	/** The fee paid, the fee the policy required, and the priority bonus the difference bought. */
	readonly fee: number;
	readonly required: number;
	readonly bonusPpm: number;
	/** Block time and height of the block that carried it. */
	readonly sent: number;
	readonly height: number;
	readonly expires: number;
	readonly maxDeliveries: number;
	readonly recipients: number;
	readonly route: RouteDecision | null;
}

/** One step of a delivery's history: the status it entered, when, and a detail (attempt, reason, ack id). */
export type HistoryEntry = readonly [status: DeliveryStatus, time: number, detail: string | number | null];

export interface DeliveryRecord {
	readonly status: DeliveryStatus;
	/** Delivery attempts made since it was sent or last re-driven. */
	readonly attempts: number;
	/** When the current status began. */
	readonly since: number;
	/** When the current attempt's window ends (in flight or retry); 0 otherwise. */
	readonly due: number;
	/** The acknowledgement's transaction id. */
	readonly ack: Hex | null;
	readonly nacks: number;
	readonly lastNack: string | null;
	readonly deadReason: DeadReason | null;
	readonly redriven: number;
	/** The last MAX_HISTORY status changes, oldest first. */
	readonly history: readonly HistoryEntry[];
}

export const MAX_HISTORY = 64;
