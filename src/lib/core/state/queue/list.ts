/**
 * A list in the KV store: items under `<prefix>/<n>` for consecutive n, and
 * `[first, end]` under the prefix itself. Appending, taking the first item
 * and reading item n each touch O(1) keys, whatever the length, which is what
 * a queue, a log and a timer bucket need (a state value holding the whole
 * array would be rewritten and re-hashed on every change).
 */
import type { Encodable } from '../../codec.js';
import type { KV } from './kv.js';

export class KvList<T extends Encodable> {
	constructor(
		private readonly kv: KV,
		private readonly prefix: string
	) {}

	private bounds(): [first: number, end: number] {
		return (this.kv.get(this.prefix) as [number, number] | undefined) ?? [0, 0];
	}

	private setBounds(first: number, end: number): void {
		this.kv.put(this.prefix, [first, end]);
	}

	/** Items ever appended; the next append gets this index. */
	get end(): number {
		return this.bounds()[1];
	}

	get first(): number {
		return this.bounds()[0];
	}

	get size(): number {
		const [first, end] = this.bounds();
		return end - first;
	}

	/** Appends and returns the item's index. */
	push(item: T): number {
		const [first, end] = this.bounds();
		this.kv.put(`${this.prefix}/${end}`, item);
		this.setBounds(first, end + 1);
		return end;
	}

	at(index: number): T | undefined {
		return this.kv.get(`${this.prefix}/${index}`) as T | undefined;
	}

	peek(): T | undefined {
		const [first, end] = this.bounds();
		return first < end ? this.at(first) : undefined;
	}

	/** Removes and returns the first item. */
	shift(): T | undefined {
		const [first, end] = this.bounds();
		if (first >= end) return undefined;
		const item = this.at(first);
		this.kv.put(`${this.prefix}/${first}`, undefined);
		// An emptied list leaves no key behind (and numbers from 0 again).
		if (first + 1 === end) this.kv.put(this.prefix, undefined);
		else this.setBounds(first + 1, end);
		return item;
	}

	/** Deletes every item and the list itself. */
	clear(): void {
		const [first, end] = this.bounds();
		for (let i = first; i < end; i++) this.kv.put(`${this.prefix}/${i}`, undefined);
		this.kv.put(this.prefix, undefined);
	}
}
