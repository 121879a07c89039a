/**
 * What changed between two versions of a text, as one splice (what a
 * keystroke, a paste or a cut does); where a cursor goes when someone else's
 * splice lands in the text it is in; and a splice made against an older
 * version carried over to the text as it is now.
 */
export interface Splice {
	readonly index: number;
	readonly remove: number;
	readonly insert: string;
}

/** The single splice that turns `before` into `after`: their common start and end are kept. */
export function spliceBetween(before: string, after: string): Splice {
	let start = 0;
	const shorter = Math.min(before.length, after.length);
	while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
	let end = 0;
	while (end < shorter - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
	return { index: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) };
}

/** A cursor at `at` in `before`, moved by the splice that made `after`. */
export function moveCursor(at: number, before: string, after: string): number {
	const { index, remove, insert } = spliceBetween(before, after);
	if (at <= index) return at;
	if (at >= index + remove) return at + insert.length - remove;
	return index + insert.length;
}

/**
 * A splice made against `base`, carried over to `current` (what others made
 * of `base` meanwhile): its start and end move as cursors do, so text typed
 * next to someone else's lands where it was typed.
 */
export function rebaseSplice(splice: Splice, base: string, current: string): Splice {
	if (base === current) return splice;
	const start = moveCursor(splice.index, base, current);
	const end = Math.max(start, moveCursor(splice.index + splice.remove, base, current));
	return { index: start, remove: end - start, insert: splice.insert };
}
