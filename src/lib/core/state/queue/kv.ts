/**
 * The key-value view the queue's data structures work on. The state tree is
 * one (journaled, hashed); an in-memory map is another (tests, benchmarks);
 * an overlay is a third: it reads through to a base and keeps its own writes,
 * so a query can run the scheduler forward ("what comes next?") without
 * touching the state.
 */
import type { Encodable } from '../../codec.js';

export interface KV {
	get(key: string): Encodable | undefined;
	/** Writes a value; `undefined` deletes the key. */
	put(key: string, value: Encodable | undefined): void;
}

export class MemoryKV implements KV {
	readonly map = new Map<string, Encodable>();
	get(key: string): Encodable | undefined {
		return this.map.get(key);
	}
	put(key: string, value: Encodable | undefined): void {
		if (value === undefined) this.map.delete(key);
		else this.map.set(key, value);
	}
}

/** Writes stay in the overlay (a deletion is remembered as such); reads fall through to `base`. */
export function overlay(base: KV): KV {
	const writes = new Map<string, Encodable | undefined>();
	return {
		get: (key) => (writes.has(key) ? writes.get(key) : base.get(key)),
		put: (key, value) => void writes.set(key, value)
	};
}
