/** The indexed binary heap against a sorted-array model: push, pop, delete of any item, peek. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Heap } from '../../../src/lib/core/heap.js';

interface Item {
	readonly key: number;
	readonly id: number;
}
/** Ascending key, then id: a strict total order over distinct items. */
const before = (a: Item, b: Item): boolean => a.key < b.key || (a.key === b.key && a.id < b.id);
const sorted = (items: readonly Item[]): Item[] => [...items].sort((a, b) => (before(a, b) ? -1 : 1));

describe('heap', () => {
	it('property: after any sequence of push, pop and delete, peek and pop agree with a sorted model', () => {
		const opArb = fc.oneof(
			fc.record({ op: fc.constant('push' as const), key: fc.integer({ min: 0, max: 5 }) }),
			fc.record({ op: fc.constant('pop' as const) }),
			fc.record({ op: fc.constant('delete' as const), pick: fc.nat() })
		);
		fc.assert(
			fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
				const heap = new Heap<Item>(before);
				let model: Item[] = [];
				let next = 0;
				for (const o of ops) {
					if (o.op === 'push') {
						const item = { key: o.key, id: next++ };
						heap.push(item);
						model.push(item);
					} else if (o.op === 'pop') {
						const expected = sorted(model)[0];
						expect(heap.pop()).toBe(expected);
						model = model.filter((x) => x !== expected);
					} else if (model.length > 0) {
						const victim = model[o.pick % model.length]!;
						expect(heap.delete(victim)).toBe(true);
						expect(heap.delete(victim)).toBe(false);
						model = model.filter((x) => x !== victim);
					}
					expect(heap.size).toBe(model.length);
					expect(heap.peek()).toBe(sorted(model)[0]);
				}
				const drained: Item[] = [];
				for (let x = heap.pop(); x; x = heap.pop()) drained.push(x);
				expect(drained).toEqual(sorted(model));
			}),
			{ numRuns: 300 }
		);
	});

	it('builds from an iterable, knows what it holds, and refuses an item twice', () => {
		const [a, b] = [{ key: 2, id: 0 }, { key: 1, id: 1 }];
		const heap = new Heap<Item>(before, [a, b]);
		expect(heap.peek()).toBe(b);
		expect(heap.has(a)).toBe(true);
		expect(heap.has({ ...a })).toBe(false);
		expect(() => heap.push(a)).toThrow(RangeError);
	});
});
