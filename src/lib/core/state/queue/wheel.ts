/**
 * A timing wheel in state: every deadline of the queue (visibility windows,
 * expiries, idempotency windows, ordering gaps) is filed under the second it
 * falls in, and the end of each block fires the deadlines that passed since
 * the last block, in time order. Above the seconds sit counts of timers per
 * 64 seconds, per 64 × 64 seconds (about 68 minutes) and per 64³ seconds
 * (about 3 days), so finding the next second that holds a timer reads at
 * most a few hundred keys however far away it is: firing after a long pause
 * and `nextDue` (when a quiet chain needs its next block) are never a scan of
 * the messages or of the seconds between. A timer is never removed early; its
 * owner checks when it fires whether it still applies (a message
 * acknowledged before its deadline simply ignores it). Every stored timer is
 * still to fire, and while none is stored the wheel writes nothing, so a
 * block without queue traffic leaves the state as it found it.
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
/** Each level of counts covers this many units of the level below. */
const SPAN = 64;
const LEVELS = 3;

type Entry = [due: number, ...timer: Timer];
/** The time fired up to, how many timers are stored, and the latest due among them (which bounds every search). */
type WheelRecord = [last: number, stored: number, latest: number];

function record(kv: KV): WheelRecord | undefined {
	return kv.get(queueKeys.wheel) as WheelRecord | undefined;
}

const slotList = (kv: KV, slot: number): KvList<Entry> => new KvList<Entry>(kv, queueKeys.wheelSlot(slot));
const slotOf = (time: number): number => Math.floor(time / SLOT_MS);

/** Whether unit `index` of `level` (0: a second, 1..LEVELS: a count over SPAN^level seconds) holds a timer. */
function occupied(kv: KV, level: number, index: number): boolean {
	return level === 0 ? slotList(kv, index).size > 0 : kv.get(queueKeys.wheelCount(level, index)) !== undefined;
}

/** Adds `delta` to the counts over `slot` at every level. */
function recount(kv: KV, slot: number, delta: number): void {
	let index = slot;
	for (let level = 1; level <= LEVELS; level++) {
		index = Math.floor(index / SPAN);
		const key = queueKeys.wheelCount(level, index);
		const n = ((kv.get(key) as number | undefined) ?? 0) + delta;
		kv.put(key, n === 0 ? undefined : n);
	}
}

/**
 * The first unit of `level` in [from, to] that holds a timer, or null: the
 * rest of `from`'s block at this level first, then the level above finds the
 * next block that holds one, whose units are read. At most 2 × SPAN reads per
 * level, and a linear walk only at the top, over spans of 64³ seconds.
 */
function firstOccupied(kv: KV, level: number, from: number, to: number): number | null {
	const blockEnd = level === LEVELS ? to : Math.min(to, (Math.floor(from / SPAN) + 1) * SPAN - 1);
	for (let i = from; i <= blockEnd; i++) if (occupied(kv, level, i)) return i;
	if (level === LEVELS || blockEnd === to) return null;
	const parent = firstOccupied(kv, level + 1, Math.floor(from / SPAN) + 1, Math.floor(to / SPAN));
	return parent === null ? null : firstOccupied(kv, level, parent * SPAN, to);
}

/** Files a timer; `now` is the current block time (the wheel's clock starts there when it was empty). */
export function addTimer(kv: KV, now: number, due: number, timer: Timer): void {
	const [last, stored, latest] = record(kv) ?? [now, 0, due];
	const slot = slotOf(due);
	slotList(kv, slot).push([due, ...timer] as Entry);
	recount(kv, slot, 1);
	kv.put(queueKeys.wheel, [stored === 0 ? now : last, stored + 1, Math.max(latest, due)]);
}

/** Takes the timers due after the last call and at or before `now`, oldest first (ties in the order they were filed). */
export function takeDue(kv: KV, now: number): Fired[] {
	const wheel = record(kv);
	if (!wheel || now <= wheel[0]) return [];
	const [last, , latest] = wheel;
	let stored = wheel[1];
	const fired: Fired[] = [];
	const end = Math.min(slotOf(now), slotOf(latest));
	for (let slot = firstOccupied(kv, 0, slotOf(last), end); slot !== null; slot = slot < end ? firstOccupied(kv, 0, slot + 1, end) : null) {
		const list = slotList(kv, slot);
		const entries = Array.from({ length: list.size }, (_, i) => list.at(list.first + i)!);
		const due = entries.filter((e) => e[0] <= now);
		if (due.length === 0) continue;
		for (const [at, ...timer] of due) fired.push({ due: at, timer: timer as unknown as Timer });
		// The second `now` falls inside keeps the timers still to come, in their filing order.
		list.clear();
		for (const e of entries) if (e[0] > now) list.push(e);
		recount(kv, slot, -due.length);
		stored -= due.length;
	}
	kv.put(queueKeys.wheel, stored === 0 ? undefined : [now, stored, latest]);
	// Slots were read in time order; within a slot entries are by filing order, so sort by due time, stably.
	return fired.map((f, i) => [f, i] as const).sort((a, b) => a[0].due - b[0].due || a[1] - b[1]).map(([f]) => f);
}

/** The earliest deadline still to fire, or null when none is stored: a block at or after it has work to do. */
export function nextDue(kv: KV): number | null {
	const wheel = record(kv);
	if (!wheel) return null;
	const slot = firstOccupied(kv, 0, slotOf(wheel[0]), slotOf(wheel[2]));
	if (slot === null) return null;
	const list = slotList(kv, slot);
	let min = Infinity;
	for (let i = list.first; i < list.end; i++) min = Math.min(min, list.at(i)![0]);
	return min;
}
