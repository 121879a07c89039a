/** Vector clocks: normalisation, the merge semilattice, and compare agreeing with merge. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compare, increment, isNormalized, merge, normalize, type Ordering, type VectorClock } from '../../../src/lib/core/vclock.js';
import { encode } from '../../../src/lib/core/codec.js';
import { toHex } from '../../../src/lib/core/bytes.js';

const node = fc.constantFrom('a', 'b', 'c', 'd', 'e');
/** Raw clocks, zero entries included, over a small set of nodes so that clocks overlap. */
const rawClock = fc.dictionary(node, fc.nat({ max: 4 }), { maxKeys: 5 });
const clock: fc.Arbitrary<VectorClock> = rawClock.map(normalize);

const enc = (c: VectorClock): string => toHex(encode(c));

describe('vclock: normalisation', () => {
	it('{} and {a: 0} are the same clock', () => {
		expect(normalize({ a: 0 })).toEqual({});
		expect(compare({}, { a: 0 })).toBe('equal');
		expect(enc(normalize({ a: 0 }))).toBe(enc({}));
	});

	it('normalize drops zero entries, sorts keys and keeps the rest', () => {
		const n = normalize({ c: 2, a: 0, b: 1 });
		expect(n).toEqual({ b: 1, c: 2 });
		expect(Object.keys(n)).toEqual(['b', 'c']);
	});

	it.each([-1, 1.5, NaN, Infinity, 2 ** 53])('normalize rejects the entry %s', (n) => {
		expect(() => normalize({ a: n })).toThrow(RangeError);
	});

	it('normalized clocks pass isNormalized; clocks with zero, negative or fractional entries, and non-maps, do not', () => {
		fc.assert(
			fc.property(clock, (c) => {
				expect(isNormalized(c)).toBe(true);
			})
		);
		for (const bad of [{ a: 0 }, { a: -1 }, { a: 1.5 }, { a: '1' }, null, [], new Uint8Array(1), 'clock', 3]) {
			expect(isNormalized(bad)).toBe(false);
		}
	});

	it('normalisation is idempotent and equal clocks encode identically', () => {
		fc.assert(
			fc.property(rawClock, (raw) => {
				const n = normalize(raw);
				expect(normalize(n)).toEqual(n);
				expect(compare(n, raw)).toBe('equal');
				expect(enc(normalize({ ...raw }))).toBe(enc(n));
			})
		);
	});
});

describe('vclock: fixed comparisons', () => {
	const cases: Array<[string, VectorClock, VectorClock, Ordering]> = [
		['empty clocks', {}, {}, 'equal'],
		['one step ahead', { a: 1 }, {}, 'after'],
		['one step behind', {}, { a: 1 }, 'before'],
		['same entries', { a: 2, b: 1 }, { a: 2, b: 1 }, 'equal'],
		['dominated in every entry', { a: 1, b: 1 }, { a: 2, b: 3 }, 'before'],
		['ahead on one node, behind on another', { a: 2, b: 1 }, { a: 1, b: 2 }, 'concurrent'],
		['disjoint nodes', { a: 1 }, { b: 1 }, 'concurrent']
	];
	it.each(cases)('%s', (_name, x, y, expected) => {
		expect(compare(x, y)).toBe(expected);
	});
});

describe('vclock: algebra', () => {
	it('merge is commutative', () => {
		fc.assert(
			fc.property(clock, clock, (x, y) => {
				expect(merge(x, y)).toEqual(merge(y, x));
			})
		);
	});

	it('merge is associative', () => {
		fc.assert(
			fc.property(clock, clock, clock, (x, y, z) => {
				expect(merge(merge(x, y), z)).toEqual(merge(x, merge(y, z)));
			})
		);
	});

	it('merge is idempotent', () => {
		fc.assert(
			fc.property(clock, (x) => {
				expect(merge(x, x)).toEqual(x);
			})
		);
	});

	it('{} is the identity of merge', () => {
		fc.assert(
			fc.property(clock, (x) => {
				expect(merge(x, {})).toEqual(x);
			})
		);
	});

	it('merge gives a normalised clock that encodes the same whichever way round', () => {
		fc.assert(
			fc.property(clock, clock, (x, y) => {
				expect(isNormalized(merge(x, y))).toBe(true);
				expect(enc(merge(x, y))).toBe(enc(merge(y, x)));
			})
		);
	});

	it('each clock is at or before the merge (a ≤ merge(a, b)), and the merge is the least such clock', () => {
		fc.assert(
			fc.property(clock, clock, clock, (x, y, z) => {
				const m = merge(x, y);
				expect(['before', 'equal']).toContain(compare(x, m));
				expect(['before', 'equal']).toContain(compare(y, m));
				// Any upper bound of both is an upper bound of the merge.
				const xz = compare(x, z);
				const yz = compare(y, z);
				if ((xz === 'before' || xz === 'equal') && (yz === 'before' || yz === 'equal')) {
					expect(['before', 'equal']).toContain(compare(m, z));
				}
			}),
			{ numRuns: 300 }
		);
	});

	it('compare agrees with merge: x ≤ y exactly when merge(x, y) equals y', () => {
		fc.assert(
			fc.property(clock, clock, (x, y) => {
				const o = compare(x, y);
				expect(o === 'before' || o === 'equal').toBe(compare(merge(x, y), y) === 'equal');
				expect(o === 'equal').toBe(enc(x) === enc(y));
			}),
			{ numRuns: 300 }
		);
	});

	it('compare is antisymmetric', () => {
		const flip: Record<Ordering, Ordering> = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' };
		fc.assert(
			fc.property(clock, clock, (x, y) => {
				expect(compare(y, x)).toBe(flip[compare(x, y)]);
			})
		);
	});

	it('increment is after the clock it came from, and only that node moves', () => {
		fc.assert(
			fc.property(clock, node, (x, n) => {
				const y = increment(x, n);
				expect(compare(y, x)).toBe('after');
				expect(compare(x, y)).toBe('before');
				expect(y[n]).toBe((x[n] ?? 0) + 1);
				for (const k of Object.keys(x)) if (k !== n) expect(y[k]).toBe(x[k]);
				expect(isNormalized(y)).toBe(true);
			})
		);
	});

	it('increments on two different nodes from one clock are concurrent, and their merge is after both', () => {
		fc.assert(
			fc.property(clock, node, node, (x, m, n) => {
				fc.pre(m !== n);
				const a = increment(x, m);
				const b = increment(x, n);
				expect(compare(a, b)).toBe('concurrent');
				expect(compare(merge(a, b), a)).toBe('after');
				expect(compare(merge(a, b), b)).toBe('after');
			})
		);
	});

	it('merge does not modify its arguments', () => {
		const x = { a: 1 };
		const y = { a: 2, b: 1 };
		merge(x, y);
		increment(x, 'a');
		expect(x).toEqual({ a: 1 });
		expect(y).toEqual({ a: 2, b: 1 });
	});
});
