/**
 * A binary heap over distinct items that can also remove any item it holds,
 * in O(log n): it remembers where each item sits. The top is the item that
 * comes `before` every other; `before` must be a strict total order over the
 * items held, so the heap's answers never depend on insertion order.
 */
export class Heap<T> {
	private readonly items: T[] = [];
	private readonly at = new Map<T, number>();

	constructor(
		private readonly before: (a: T, b: T) => boolean,
		items: Iterable<T> = []
	) {
		for (const item of items) this.push(item);
	}

	get size(): number {
		return this.items.length;
	}

	has(item: T): boolean {
		return this.at.has(item);
	}

	peek(): T | undefined {
		return this.items[0];
	}

	push(item: T): void {
		if (this.at.has(item)) throw new RangeError('the heap already holds this item');
		this.items.push(item);
		this.at.set(item, this.items.length - 1);
		this.up(this.items.length - 1);
	}

	pop(): T | undefined {
		const top = this.items[0];
		if (top !== undefined) this.delete(top);
		return top;
	}

	/** Removes `item`; false when the heap does not hold it. */
	delete(item: T): boolean {
		const i = this.at.get(item);
		if (i === undefined) return false;
		this.at.delete(item);
		const last = this.items.pop()!;
		if (i < this.items.length) {
			this.place(last, i);
			this.down(i);
			this.up(i);
		}
		return true;
	}

	private place(item: T, i: number): void {
		this.items[i] = item;
		this.at.set(item, i);
	}

	private up(i: number): void {
		const item = this.items[i]!;
		while (i > 0) {
			const p = (i - 1) >> 1;
			const parent = this.items[p]!;
			if (!this.before(item, parent)) break;
			this.place(parent, i);
			i = p;
		}
		this.place(item, i);
	}

	private down(i: number): void {
		const a = this.items;
		const item = a[i]!;
		for (;;) {
			const l = 2 * i + 1;
			if (l >= a.length) break;
			const r = l + 1;
			const c = r < a.length && this.before(a[r]!, a[l]!) ? r : l;
			if (!this.before(a[c]!, item)) break;
			this.place(a[c]!, i);
			i = c;
		}
		this.place(item, i);
	}
}
