/** Reading and writing message and delivery records (types.ts), and a delivery's status changes. */
import type { Encodable } from '../../codec.js';
import type { Hex } from '../../bytes.js';
import type { KV } from './kv.js';
import { queueKeys } from './keys.js';
import { MAX_HISTORY, type DeliveryRecord, type DeliveryStatus, type MessageRecord } from './types.js';

export function getMessage(kv: KV, id: Hex): MessageRecord | undefined {
	return kv.get(queueKeys.message(id)) as MessageRecord | undefined;
}

export function putMessage(kv: KV, id: Hex, m: MessageRecord): void {
	kv.put(queueKeys.message(id), m as unknown as Encodable);
}

/** Who a message went to: its recipient, or the subscribers it fanned out to. */
export function recipientsOf(kv: KV, id: Hex, m: MessageRecord): readonly Hex[] {
	return m.to !== null ? [m.to] : ((kv.get(queueKeys.recipients(id)) as Hex[] | undefined) ?? []);
}

export function getDelivery(kv: KV, id: Hex, recipient: Hex): DeliveryRecord | undefined {
	return kv.get(queueKeys.delivery(id, recipient)) as DeliveryRecord | undefined;
}

export function putDelivery(kv: KV, id: Hex, recipient: Hex, d: DeliveryRecord): void {
	kv.put(queueKeys.delivery(id, recipient), d as unknown as Encodable);
}

export function newDelivery(status: DeliveryStatus, time: number, detail: string | number | null): DeliveryRecord {
	return { status, attempts: 0, since: time, due: 0, ack: null, nacks: 0, lastNack: null, deadReason: null, redriven: 0, history: [[status, time, detail]] };
}

/** The record with a new status entered at `time` (and other changes), its history extended. */
export function moved(d: DeliveryRecord, status: DeliveryStatus, time: number, detail: string | number | null, changes: Partial<DeliveryRecord> = {}): DeliveryRecord {
	return { ...d, ...changes, status, since: time, history: [...d.history, [status, time, detail] as const].slice(-MAX_HISTORY) };
}
