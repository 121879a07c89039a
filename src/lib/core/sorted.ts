/**
 * Sorted lists of strings kept as immutable arrays (state values are
 * replaced, never mutated): a binary search finds the place, the copy is the
 * new value. Used for indexes in state such as the staker set.
 */

/** The index of `item` in the sorted list, or where it would be inserted. */
export function sortedIndex(list: readonly string[], item: string): number {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (list[mid]! < item) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** A copy with `item` added in order (unchanged copy when it is already there). */
export function withItem(list: readonly string[], item: string): string[] {
	const i = sortedIndex(list, item);
	return list[i] === item ? [...list] : [...list.slice(0, i), item, ...list.slice(i)];
}

/** A copy without `item`. */
export function withoutItem(list: readonly string[], item: string): string[] {
	const i = sortedIndex(list, item);
	return list[i] === item ? [...list.slice(0, i), ...list.slice(i + 1)] : [...list];
}
