/**
 * A binary min-heap stored in a KV store, one key per slot (`<prefix>/<i>`),
 * its size kept by the caller. Every operation reads and writes O(log n)
 * slots. Entries are `[tag, order, name]`: ordered by tag, then by `order`
 * (a counter the caller never repeats), so the order is total and the heap's
 * answers never depend on how it was built.
 */
import type { KV } from '../kv.js';

export type HeapEntry = readonly [tag: number, order: number, name: string];

export function entryBefore(a: HeapEntry, b: HeapEntry): boolean {
	return a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1];
}

export class KvHeap {
	constructor(
		private readonly kv: KV,
		private readonly prefix: string,
		/** The number of entries; the owner stores it and hands it back next time. */
		public size: number
	) {}

	at(i: number): HeapEntry | undefined {
		return i < this.size ? (this.kv.get(`${this.prefix}/${i}`) as HeapEntry | undefined) : undefined;
	}

	private set(i: number, entry: HeapEntry | undefined): void {
		this.kv.put(`${this.prefix}/${i}`, entry === undefined ? undefined : [...entry]);
	}

	push(entry: HeapEntry): void {
		this.size++;
		this.up(this.size - 1, entry);
	}

	/** Replaces the entry at `i` (its tag may go either way) and restores the order. */
	replace(i: number, entry: HeapEntry): void {
		const parent = i > 0 ? this.at((i - 1) >> 1)! : undefined;
		if (parent && entryBefore(entry, parent)) this.up(i, entry);
		else this.down(i, entry);
	}

	/** Removes the entry at `i`. */
	remove(i: number): void {
		const last = this.at(this.size - 1)!;
		this.set(this.size - 1, undefined);
		this.size--;
		if (i < this.size) this.replace(i, last);
	}

	/** Places `entry` at `i` or above it, moving parents down. */
	private up(i: number, entry: HeapEntry): void {
		while (i > 0) {
			const p = (i - 1) >> 1;
			const parent = this.at(p)!;
			if (!entryBefore(entry, parent)) break;
			this.set(i, parent);
			i = p;
		}
		this.set(i, entry);
	}

	/** Places `entry` at `i` or below it, moving children up. */
	private down(i: number, entry: HeapEntry): void {
		for (;;) {
			const l = 2 * i + 1;
			if (l >= this.size) break;
			const left = this.at(l)!;
			const right = l + 1 < this.size ? this.at(l + 1)! : undefined;
			const [c, child] = right && entryBefore(right, left) ? [l + 1, right] : [l, left];
			if (!entryBefore(child, entry)) break;
			this.set(i, child);
			i = c;
		}
		this.set(i, entry);
	}
}
