/**
 * The proposals' next deadlines (voting opens, voting closes, a passed
 * proposal expires), as a binary min-heap in state ordered by block time,
 * then proposal id. The end-of-block hook reads only the top entry when
 * nothing is due, and each push or pop writes O(log n) entries, so the cost
 * per block does not grow with the number of proposals.
 *
 * The top is also what a sealer reads to know when the next block has
 * governance work to do (BlockHook.nextDeadline).
 *
 * A proposal has at most one deadline waiting at a time. One that stops
 * mattering (a cancelled proposal's, an executed one's expiry) is not
 * removed: it is popped in its turn and found to have nothing left to do.
 */
import type { Hex } from '../../bytes.js';
import type { StateTree } from '../tree.js';

type Deadline = readonly [time: number, proposal: Hex];

const SIZE_KEY = 'd/t#';
const entryKey = (i: number): string => `d/t/${i}`;

const size = (state: StateTree): number => (state.get(SIZE_KEY) as number | undefined) ?? 0;
const entry = (state: StateTree, i: number): Deadline => state.get(entryKey(i)) as unknown as Deadline;
const before = (a: Deadline, b: Deadline): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

export function scheduleDeadline(state: StateTree, time: number, proposal: Hex): void {
	let i = size(state);
	state.put(SIZE_KEY, i + 1);
	const item: Deadline = [time, proposal];
	while (i > 0) {
		const p = (i - 1) >> 1;
		const parent = entry(state, p);
		if (!before(item, parent)) break;
		state.put(entryKey(i), parent);
		i = p;
	}
	state.put(entryKey(i), item);
}

/** The time of the earliest deadline waiting, or null: one read, the heap's top. */
export function earliestDeadline(state: StateTree): number | null {
	return size(state) === 0 ? null : entry(state, 0)[0];
}

/** Removes and returns the earliest deadline if it is at or before `time`. */
export function takeDue(state: StateTree, time: number): Hex | undefined {
	const n = size(state);
	if (n === 0) return undefined;
	const top = entry(state, 0);
	if (top[0] > time) return undefined;
	const last = entry(state, n - 1);
	state.put(entryKey(n - 1), undefined);
	state.put(SIZE_KEY, n - 1 === 0 ? undefined : n - 1);
	if (n - 1 > 0) {
		let i = 0;
		for (;;) {
			const l = 2 * i + 1;
			if (l >= n - 1) break;
			const r = l + 1;
			const c = r < n - 1 && before(entry(state, r), entry(state, l)) ? r : l;
			const child = entry(state, c);
			if (!before(child, last)) break;
			state.put(entryKey(i), child);
			i = c;
		}
		state.put(entryKey(i), last);
	}
	return top[1];
}

/** The deadlines waiting, earliest first (for queries and tests; linear). */
export function pendingDeadlines(state: StateTree): Deadline[] {
	return Array.from({ length: size(state) }, (_, i) => entry(state, i)).sort((a, b) => (before(a, b) ? -1 : 1));
}
