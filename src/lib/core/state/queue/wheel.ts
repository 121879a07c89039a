/**
 * A timing wheel in state: every deadline of the queue (visibility windows,
 * expiries, idempotency windows, ordering gaps) is filed under the second it
 * falls in, and the end of each block fires the deadlines that passed since
 * the last block, in time order. Firing reads only the seconds that hold
 * deadlines: a count per 64-second span lets it skip empty spans, so a block
 * after a long pause costs one read per minute of the pause, never a scan of
 * the messages. A timer is never removed early; its owner checks when it fires
 * whether it still applies (a message acknowledged before its deadline simply
 * ignores it). While no timer is stored the wheel writes nothing, so a block
 * without queue traffic leaves the state as it found it.
 */
import type { Hex } from '../../bytes.js';
import type { KV } from './kv.js';
import { KvList } from './list.js';
import { queueKeys } from './keys.js';

export type Timer =
	/** The window of delivery attempt `attempt` of message `id` to `recipient` ends. */
	| readonly ['visibility', id: Hex, recipient: Hex, attempt: number]
	| readonly ['expiry', id: Hex]
	| readonly ['idempotency', sender: Hex, key: Hex]
	| readonly ['gap', stream: string];

export interface Fired {
	readonly due: number;
	readonly timer: Timer;
}

export const SLOT_MS = 1000;
const SPAN = 64;

type Entry = [due: number, ...timer: Timer];
/** The time fired up to, and how many timers are stored. */
type WheelRecord = [last: number, stored: number];

function record(kv: KV): WheelRecord | undefined {
	return kv.get(queueKeys.wheel) as WheelRecord | undefined;
}

/** Files a timer; `now` is the current block time (the wheel's clock starts there when it was empty). */
export function addTimer(kv: KV, now: number, due: number, timer: Timer): void {
	const [last, stored] = record(kv) ?? [now, 0];
	const slot = Math.floor(due / SLOT_MS);
	new KvList<Entry>(kv, queueKeys.wheelSlot(slot)).push([due, ...timer] as Entry);
	const coarse = queueKeys.wheelCoarse(Math.floor(slot / SPAN));
	kv.put(coarse, ((kv.get(coarse) as number | undefined) ?? 0) + 1);
	kv.put(queueKeys.wheel, [stored === 0 ? now : last, stored + 1]);
}

/** Takes the timers due after the last call and at or before `now`, oldest first (ties in the order they were filed). */
export function takeDue(kv: KV, now: number): Fired[] {
	const wheel = record(kv);
	if (!wheel || now <= wheel[0]) return [];
	const [last] = wheel;
	let stored = wheel[1];
	const fired: Fired[] = [];
	const first = Math.floor((last + 1) / SLOT_MS);
	const end = Math.floor(now / SLOT_MS);
	for (let span = Math.floor(first / SPAN); span <= Math.floor(end / SPAN); span++) {
		const countKey = queueKeys.wheelCoarse(span);
		let count = (kv.get(countKey) as number | undefined) ?? 0;
		if (count === 0) continue;
		for (let slot = Math.max(first, span * SPAN); slot <= Math.min(end, span * SPAN + SPAN - 1); slot++) {
			const list = new KvList<Entry>(kv, queueKeys.wheelSlot(slot));
			const size = list.size;
			if (size === 0) continue;
			for (let i = list.first; i < list.end; i++) {
				const [due, ...timer] = list.at(i)!;
				if (due > last && due <= now) fired.push({ due, timer: timer as unknown as Timer });
			}
			// A second wholly in the past is done with; the one `now` falls inside is kept for the rest of it.
			if ((slot + 1) * SLOT_MS - 1 <= now) {
				list.clear();
				count -= size;
				stored -= size;
			}
		}
		kv.put(countKey, count === 0 ? undefined : count);
	}
	kv.put(queueKeys.wheel, stored === 0 ? undefined : [now, stored]);
	// Slots were read in time order; within a slot entries are by filing order, so sort by due time, stably.
	return fired.map((f, i) => [f, i] as const).sort((a, b) => a[0].due - b[0].due || a[1] - b[1]).map(([f]) => f);
}
