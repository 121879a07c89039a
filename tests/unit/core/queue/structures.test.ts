/**
 * The queue's KV data structures on their own: the list (queue, log, timer
 * bucket) and the heap, against plain-array models.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryKV, overlay } from '../../../../src/lib/core/state/queue/kv.js';
import { KvList } from '../../../../src/lib/core/state/queue/list.js';
import { KvHeap, entryBefore, type HeapEntry } from '../../../../src/lib/core/state/queue/schedule/heap.js';
import { KvSet } from '../../../../src/lib/core/state/queue/set.js';
import { addTimer, nextDue, takeDue } from '../../../../src/lib/core/state/queue/wheel.js';
import { subscribe, subscribersOf, unsubscribe } from '../../../../src/lib/core/state/queue/subscriptions.js';

describe('KvList', () => {
	it('behaves as an array queue under any mix of push and shift, and an emptied list leaves no keys', () => {
		fc.assert(
			fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 99 }), fc.constant(-1)), { maxLength: 60 }), (ops) => {
				const kv = new MemoryKV();
				const list = new KvList<number>(kv, 'l');
				const model: number[] = [];
				for (const op of ops) {
					if (op < 0) expect(list.shift()).toBe(model.shift());
					else {
						list.push(op);
						model.push(op);
					}
					expect(list.size).toBe(model.length);
					expect(list.peek()).toBe(model[0]);
				}
				for (let i = 0; i < model.length; i++) expect(list.at(list.first + i)).toBe(model[i]);
				list.clear();
				expect(kv.map.size).toBe(0);
			})
		);
	});

	it('a log keeps its indexes', () => {
		const list = new KvList<string>(new MemoryKV(), 'log');
		expect([list.push('a'), list.push('b'), list.push('c')]).toEqual([0, 1, 2]);
		expect([list.at(1), list.end]).toEqual(['b', 3]);
	});

	it('an overlay sees its own writes and leaves the base untouched', () => {
		const base = new MemoryKV();
		new KvList<number>(base, 'l').push(1);
		const o = overlay(base);
		const view = new KvList<number>(o, 'l');
		view.push(2);
		expect(view.shift()).toBe(1);
		expect(view.shift()).toBe(2);
		expect(view.size).toBe(0);
		expect(new KvList<number>(base, 'l').size).toBe(1);
		expect(base.map.size).toBe(2);
	});
});

type Op = { push: number } | { remove: number } | { replace: [number, number] };

describe('KvHeap', () => {
	const opArb: fc.Arbitrary<Op> = fc.oneof(
		fc.record({ push: fc.integer({ min: 0, max: 50 }) }),
		fc.record({ remove: fc.nat(40) }),
		fc.record({ replace: fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 50 })) })
	);

	it('keeps the heap order and the same entries as a model, under push, remove and replace anywhere', () => {
		fc.assert(
			fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
				const kv = new MemoryKV();
				const heap = new KvHeap(kv, 'h', 0);
				const model: HeapEntry[] = [];
				let order = 0;
				for (const op of ops) {
					if ('push' in op) {
						const e: HeapEntry = [op.push, order++, `n${order}`];
						heap.push(e);
						model.push(e);
					} else if ('remove' in op) {
						if (heap.size === 0) continue;
						const i = op.remove % heap.size;
						const gone = heap.at(i)!;
						heap.remove(i);
						model.splice(model.findIndex((e) => e[1] === gone[1]), 1);
					} else {
						if (heap.size === 0) continue;
						const i = op.replace[0] % heap.size;
						const old = heap.at(i)!;
						const e: HeapEntry = [op.replace[1], order++, old[2]];
						heap.replace(i, e);
						model.splice(model.findIndex((x) => x[1] === old[1]), 1, e);
					}
					expect(heap.size).toBe(model.length);
					for (let i = 1; i < heap.size; i++) expect(entryBefore(heap.at(i)!, heap.at((i - 1) >> 1)!)).toBe(false);
				}
				const sorted = [...model].sort((a, b) => (entryBefore(a, b) ? -1 : 1));
				const drained: HeapEntry[] = [];
				while (heap.size > 0) {
					drained.push(heap.at(0)!);
					heap.remove(0);
				}
				expect(drained).toEqual(sorted);
				// Slots beyond the size are deleted, so the heap leaves nothing behind.
				expect(kv.map.size).toBe(0);
			})
		);
	});
});

describe('KvSet', () => {
	it('behaves as a Set under any mix of add and delete, and an emptied set leaves no keys', () => {
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')), { maxLength: 60 }), (ops) => {
				const kv = new MemoryKV();
				const set = new KvSet(kv, 's');
				const model = new Set<string>();
				for (const [add, item] of ops) {
					if (add) {
						set.add(item);
						model.add(item);
					} else {
						set.delete(item);
						model.delete(item);
					}
					expect(set.size).toBe(model.size);
					expect([...set.values()].sort()).toEqual([...model].sort());
					for (const x of ['a', 'b', 'c', 'd', 'e', 'f']) expect(set.has(x)).toBe(model.has(x));
				}
				for (const x of model) set.delete(x);
				expect(kv.map.size).toBe(0);
			})
		);
	});
});

/** AMQP topic matching, by its definition: `*` is one segment, `#` zero or more. */
function matches(pattern: string[], topic: string[]): boolean {
	if (pattern.length === 0) return topic.length === 0;
	const [p, ...rest] = pattern;
	// `#` matches nothing more, or takes one segment and stays.
	if (p === '#') return matches(rest, topic) || (topic.length > 0 && matches(pattern, topic.slice(1)));
	if (topic.length === 0) return false;
	return (p === '*' || p === topic[0]) && matches(rest, topic.slice(1));
}

describe('subscription trie', () => {
	const seg = fc.constantFrom('a', 'b', 'c');
	const patternArb = fc.array(fc.oneof(seg, fc.constantFrom('*', '#')), { minLength: 1, maxLength: 4 }).map((x) => x.join('.'));
	const topicArb = fc.array(seg, { minLength: 1, maxLength: 4 }).map((x) => x.join('.'));

	it('finds exactly the members whose patterns match, as the AMQP definition says, after any subscribes and unsubscribes', () => {
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('m1', 'm2', 'm3'), patternArb), { maxLength: 30 }), fc.array(topicArb, { minLength: 1, maxLength: 5 }), (ops, topics) => {
				const kv = new MemoryKV();
				const model = new Map<string, Set<string>>();
				for (const [add, member, pattern] of ops) {
					const set = model.get(member) ?? new Set<string>();
					if (add && !set.has(pattern)) {
						subscribe(kv, pattern, member);
						set.add(pattern);
					} else if (!add && set.has(pattern)) {
						unsubscribe(kv, pattern, member);
						set.delete(pattern);
					}
					model.set(member, set);
				}
				for (const topic of topics) {
					const expected = [...model].filter(([, ps]) => [...ps].some((p) => matches(p.split('.'), topic.split('.')))).map(([m]) => m).sort();
					expect(subscribersOf(kv, topic)).toEqual(expected);
				}
				// Unsubscribing everything prunes the trie to nothing.
				for (const [member, ps] of model) for (const p of ps) unsubscribe(kv, p, member);
				expect(kv.map.size).toBe(0);
			}),
			{ numRuns: 300 }
		);
	});

	it('the definition itself: a few fixed cases', () => {
		const m = (p: string, t: string): boolean => matches(p.split('.'), t.split('.'));
		expect([m('a.*', 'a.b'), m('a.*', 'a'), m('a.#', 'a'), m('a.#', 'a.b.c'), m('#.c', 'c'), m('#.c', 'a.b.c'), m('*.#.c', 'c'), m('#', 'a.b')]).toEqual([true, false, true, true, true, true, false, true]);
	});
});

describe('timing wheel', () => {
	class Counting extends MemoryKV {
		reads = 0;
		writes = 0;
		override get(key: string) {
			this.reads++;
			return super.get(key);
		}
		override put(key: string, value: Parameters<MemoryKV['put']>[1]) {
			this.writes++;
			super.put(key, value);
		}
	}

	it('fires every timer once, at the first call at or after its time, oldest first (ties in filing order), and then leaves nothing', () => {
		fc.assert(
			fc.property(
				fc.array(fc.oneof(fc.record({ add: fc.integer({ min: 1, max: 200_000 }) }), fc.record({ advance: fc.integer({ min: 1, max: 90_000 }) })), { maxLength: 60 }),
				(ops) => {
					const kv = new MemoryKV();
					let now = 1_000_000;
					const filed: Array<{ due: number; n: number }> = [];
					const fired: Array<{ due: number; n: number; at: number }> = [];
					const take = (): void => {
						for (const f of takeDue(kv, now)) fired.push({ due: f.due, n: f.timer[1] as unknown as number, at: now });
					};
					for (const op of ops) {
						if ('add' in op) {
							const n = filed.length;
							filed.push({ due: now + op.add, n });
							addTimer(kv, now, now + op.add, ['expiry', n as unknown as string]);
						} else {
							now += op.advance;
							take();
						}
					}
					now += 400_000;
					take();
					expect(fired.map((f) => f.n).sort((a, b) => a - b)).toEqual(filed.map((f) => f.n));
					for (const f of fired) expect(f.due).toBeLessThanOrEqual(f.at);
					// Fired by the first call that reached its time: no call in between had passed it.
					for (let i = 1; i < fired.length; i++) {
						const [p, q] = [fired[i - 1]!, fired[i]!];
						if (p.at === q.at) expect(p.due < q.due || (p.due === q.due && p.n < q.n)).toBe(true);
						else expect(p.at).toBeLessThan(q.at);
					}
					expect(kv.map.size).toBe(0);
				}
			)
		);
	});

	it('a week without blocks costs about one read per minute of it, not per second', () => {
		const kv = new Counting();
		addTimer(kv, 0, 7 * 24 * 3_600_000, ['expiry', 'x']);
		kv.reads = 0;
		expect(takeDue(kv, 7 * 24 * 3_600_000 - 1)).toEqual([]);
		expect(kv.reads).toBeLessThanOrEqual((7 * 24 * 3600) / 64 + 70);
	});

	it('nextDue is always the earliest deadline still to fire (null when none is)', () => {
		fc.assert(
			fc.property(
				fc.array(fc.oneof(fc.record({ add: fc.integer({ min: 0, max: 40 * 24 * 3_600_000 }) }), fc.record({ advance: fc.integer({ min: 1, max: 9 * 24 * 3_600_000 }) })), { maxLength: 40 }),
				(ops) => {
					const kv = new MemoryKV();
					let now = 1_000_000;
					let waiting: number[] = [];
					for (const op of ops) {
						if ('add' in op) {
							waiting.push(now + op.add);
							addTimer(kv, now, now + op.add, ['expiry', 'x']);
						} else {
							now += op.advance;
							takeDue(kv, now);
							waiting = waiting.filter((due) => due > now);
						}
						expect(nextDue(kv)).toBe(waiting.length === 0 ? null : Math.min(...waiting));
					}
				}
			)
		);
	});

	it('finds a deadline a month away in a few hundred reads, not one per second or minute', () => {
		const kv = new Counting();
		const month = 30 * 24 * 3_600_000;
		addTimer(kv, 0, 5_000, ['expiry', 'soon']);
		addTimer(kv, 0, month, ['expiry', 'later']);
		takeDue(kv, 6_000);
		kv.reads = 0;
		expect(nextDue(kv)).toBe(month);
		expect(kv.reads).toBeLessThanOrEqual(4 * 2 * 64 + 20);
	});

	it('an empty wheel writes nothing, so a block without queue traffic keeps its state root', () => {
		const kv = new Counting();
		expect(takeDue(kv, 5_000_000)).toEqual([]);
		expect(kv.writes).toBe(0);
	});
});
