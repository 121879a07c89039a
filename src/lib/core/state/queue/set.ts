/**
 * A set of strings in the KV store with O(1) keys touched per add, delete and
 * membership test, and enumeration in a deterministic order: items sit at
 * `<prefix>/<n>` for n below the size kept at `<prefix>`, each item's slot is
 * kept at `<prefix>/@<item>`, and a delete moves the last item into the gap.
 * A sorted array in one value would be rewritten whole on every change.
 */
import type { KV } from './kv.js';

export class KvSet {
	constructor(
		private readonly kv: KV,
		private readonly prefix: string
	) {}

	get size(): number {
		return (this.kv.get(this.prefix) as number | undefined) ?? 0;
	}

	private slotOf(item: string): number | undefined {
		return this.kv.get(`${this.prefix}/@${item}`) as number | undefined;
	}

	has(item: string): boolean {
		return this.slotOf(item) !== undefined;
	}

	add(item: string): void {
		if (this.has(item)) return;
		const n = this.size;
		this.kv.put(`${this.prefix}/${n}`, item);
		this.kv.put(`${this.prefix}/@${item}`, n);
		this.kv.put(this.prefix, n + 1);
	}

	delete(item: string): void {
		const slot = this.slotOf(item);
		if (slot === undefined) return;
		const last = this.size - 1;
		if (slot !== last) {
			const moved = this.kv.get(`${this.prefix}/${last}`) as string;
			this.kv.put(`${this.prefix}/${slot}`, moved);
			this.kv.put(`${this.prefix}/@${moved}`, slot);
		}
		this.kv.put(`${this.prefix}/${last}`, undefined);
		this.kv.put(`${this.prefix}/@${item}`, undefined);
		this.kv.put(this.prefix, last === 0 ? undefined : last);
	}

	values(): string[] {
		return Array.from({ length: this.size }, (_, i) => this.kv.get(`${this.prefix}/${i}`) as string);
	}
}
