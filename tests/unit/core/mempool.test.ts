/**
 * The mempool: dedup by id, fee replacement, per-sender cap, lowest-fee
 * eviction, pruning, and the invariants of `select` as properties.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AgoraError } from '../../../src/lib/core/errors.js';
import { Mempool, DEFAULT_MEMPOOL_LIMITS, type MempoolLimits } from '../../../src/lib/core/mempool.js';
import { compareBytes, toHex, type Hex } from '../../../src/lib/core/bytes.js';
import { txId, txIdHex, type Tx } from '../../../src/lib/core/tx/tx.js';
import { expectAgoraError, T0 } from '../../helpers/community.js';

/** A sender's public key: any 32 bytes will do, the mempool trusts that signatures were checked. */
const senderKey = (n: number): Uint8Array => new Uint8Array(32).fill(n + 1);
const senderHex = (n: number): Hex => toHex(senderKey(n));
const CHAIN = new Uint8Array(32).fill(0xcc);
const NOW = T0 + 10_000;

function ptx(sender: number, nonce: number, fee: number, over: Partial<Tx> = {}): Tx {
	return { chain: CHAIN, from: senderKey(sender), nonce, fee, created: T0, expires: T0 + 3_600_000, kind: 'post', body: { text: `${sender}/${nonce}/${fee}` }, sig: new Uint8Array(64), ...over };
}

const zero = (): number => 0;
const ids = (txs: readonly Tx[]): Hex[] => txs.map(txIdHex).sort();

function pool(limits: Partial<MempoolLimits> = {}): Mempool {
	return new Mempool({ ...DEFAULT_MEMPOOL_LIMITS, ...limits });
}

describe('mempool: adding', () => {
	it('adds, finds by id, counts', () => {
		const m = pool();
		const t = ptx(0, 0, 5);
		expect(m.add(t, NOW, 0)).toBe('added');
		expect(m.size).toBe(1);
		expect(m.has(txIdHex(t))).toBe(true);
		expect(m.get(txIdHex(t))).toBe(t);
		expect(m.all()).toEqual([t]);
	});

	it('deduplicates by id, not by object: an equal copy is a duplicate', () => {
		const m = pool();
		const t = ptx(0, 0, 5);
		m.add(t, NOW, 0);
		expectAgoraError(() => m.add(t, NOW, 0), 'E_TX_DUPLICATE', 'id');
		expectAgoraError(() => m.add({ ...t }, NOW, 0), 'E_TX_DUPLICATE', 'id');
		expect(m.size).toBe(1);
	});

	it('refuses a transaction that has expired (expires at or before now)', () => {
		const m = pool();
		expectAgoraError(() => m.add(ptx(0, 0, 5, { expires: NOW }), NOW, 0), 'E_TX_EXPIRED', 'expires');
		expectAgoraError(() => m.add(ptx(0, 0, 5, { expires: NOW - 1 }), NOW, 0), 'E_TX_EXPIRED', 'expires');
		expect(m.add(ptx(0, 0, 5, { expires: NOW + 1 }), NOW, 0)).toBe('added');
	});

	it('refuses a nonce the chain has already used', () => {
		const m = pool();
		expectAgoraError(() => m.add(ptx(0, 2, 5), NOW, 3), 'E_TX_NONCE', 'nonce');
		expect(m.add(ptx(0, 3, 5), NOW, 3)).toBe('added');
		// A nonce ahead of the next one may wait in the pool.
		expect(m.add(ptx(0, 9, 5), NOW, 3)).toBe('added');
	});
});

describe('mempool: replacement', () => {
	it('a higher fee for the same sender and nonce replaces the pending transaction', () => {
		const m = pool();
		const old = ptx(0, 0, 5);
		const better = ptx(0, 0, 6);
		m.add(old, NOW, 0);
		expect(m.add(better, NOW, 0)).toBe('replaced');
		expect(m.size).toBe(1);
		expect(m.has(txIdHex(old))).toBe(false);
		expect(m.has(txIdHex(better))).toBe(true);
	});

	it.each([
		['an equal fee', 5],
		['a lower fee', 4]
	])('%s does not replace it', (_name, fee) => {
		const m = pool();
		const old = ptx(0, 0, 5);
		m.add(old, NOW, 0);
		expectAgoraError(() => m.add(ptx(0, 0, fee, { body: { text: 'other' } }), NOW, 0), 'E_TX_FEE', 'fee');
		expect(m.all()).toEqual([old]);
	});

	it('replacement is allowed at the per-sender cap and when the pool is full', () => {
		const m = pool({ capacity: 2, perSender: 2 });
		m.add(ptx(0, 0, 1), NOW, 0);
		m.add(ptx(0, 1, 1), NOW, 0);
		expect(m.add(ptx(0, 1, 2), NOW, 0)).toBe('replaced');
		expect(m.size).toBe(2);
	});
});

describe('mempool: limits', () => {
	it('caps the transactions one sender may hold', () => {
		const m = pool({ perSender: 3 });
		for (let n = 0; n < 3; n++) m.add(ptx(0, n, 1), NOW, 0);
		expectAgoraError(() => m.add(ptx(0, 3, 100), NOW, 0), 'E_TX_NOT_ALLOWED', 'from');
		// Other senders are not affected.
		expect(m.add(ptx(1, 0, 1), NOW, 0)).toBe('added');
	});

	it('when full, a higher fee evicts the lowest fee', () => {
		const m = pool({ capacity: 3 });
		const [a, b, c] = [ptx(0, 0, 5), ptx(1, 0, 1), ptx(2, 0, 3)];
		for (const t of [a, b, c]) m.add(t, NOW, 0);
		const d = ptx(3, 0, 2);
		expect(m.add(d, NOW, 0)).toBe('added');
		expect(ids(m.all())).toEqual(ids([a, c, d]));
	});

	it('when full, a fee below the lowest is refused and nothing is evicted', () => {
		const m = pool({ capacity: 3 });
		const all = [ptx(0, 0, 5), ptx(1, 0, 2), ptx(2, 0, 3)];
		for (const t of all) m.add(t, NOW, 0);
		expectAgoraError(() => m.add(ptx(3, 0, 1), NOW, 0), 'E_TX_FEE', 'fee');
		expect(ids(m.all())).toEqual(ids(all));
	});

	it('when full, a fee equal to the lowest gets in only if it ranks higher (lower id)', () => {
		const m = pool({ capacity: 1 });
		const x = ptx(0, 0, 2);
		const y = ptx(1, 0, 2);
		const [low, high] = compareBytes(txId(x), txId(y)) < 0 ? [x, y] : [y, x];
		m.add(high, NOW, 0);
		expect(m.add(low, NOW, 0)).toBe('added');
		expect(m.all()).toEqual([low]);
		const m2 = pool({ capacity: 1 });
		m2.add(low, NOW, 0);
		expectAgoraError(() => m2.add(high, NOW, 0), 'E_TX_FEE', 'fee');
	});

	it('eviction among equal lowest fees takes a sender\'s last nonce, never one that strands a later nonce, whatever the insertion order', () => {
		// Sender 0 has nonces 0 and 1 at fee 1, sender 1 one transaction at fee 1, sender 2 a high fee.
		// The bodies vary so that the ids, which break ties, come in every order.
		const setArb = fc.tuple(fc.string(), fc.string(), fc.string()).map(([x, y, z]) => {
			const low = [ptx(0, 0, 1, { body: { text: x } }), ptx(0, 1, 1, { body: { text: y } }), ptx(1, 0, 1, { body: { text: z } })];
			return { low, high: ptx(2, 0, 9) };
		});
		fc.assert(
			fc.property(setArb.chain((set) => fc.tuple(fc.constant(set), fc.shuffledSubarray([...set.low, set.high], { minLength: 4, maxLength: 4 }))), ([{ low, high }, order]) => {
				const m = pool({ capacity: 4 });
				for (const t of order) m.add(t, NOW, 0);
				m.add(ptx(3, 0, 5), NOW, 0);
				const left = m.all();
				expect(left).toHaveLength(4);
				// Sender 0's nonce 0 must still be there if its nonce 1 is.
				const has = (t: Tx): boolean => left.includes(t);
				if (has(low[1]!)) expect(has(low[0]!)).toBe(true);
				expect(has(high)).toBe(true);
			}),
			{ numRuns: 300 }
		);
	});

	it('when full, a sender\'s last nonce is evicted, never an earlier one, even when the earlier one has the lowest fee', () => {
		const m = pool({ capacity: 3 });
		const [a0, a1, b0] = [ptx(0, 0, 1), ptx(0, 1, 9), ptx(1, 0, 5)];
		for (const t of [a0, a1, b0]) m.add(t, NOW, 0);
		const c0 = ptx(2, 0, 6);
		expect(m.add(c0, NOW, 0)).toBe('added');
		expect(ids(m.all())).toEqual(ids([a0, a1, c0]));
		// a0's fee of 1 is not what a newcomer must beat: it must beat the lowest last nonce, c0's 6.
		expectAgoraError(() => m.add(ptx(3, 0, 5), NOW, 0), 'E_TX_FEE', 'fee');
		expect(m.add(ptx(3, 0, 7), NOW, 0)).toBe('added');
		expect(m.has(txIdHex(c0))).toBe(false);
	});

	it('when full, a newcomer never evicts its own sender\'s earlier nonce: the next lowest tail goes, or the newcomer is refused', () => {
		const m = pool({ capacity: 2 });
		const [a0, b0] = [ptx(0, 0, 1), ptx(1, 0, 5)];
		m.add(a0, NOW, 0);
		m.add(b0, NOW, 0);
		const a1 = ptx(0, 1, 9);
		expect(m.add(a1, NOW, 0)).toBe('added');
		expect(ids(m.all())).toEqual(ids([a0, a1]));

		const m2 = pool({ capacity: 2 });
		m2.add(a0, NOW, 0);
		m2.add(ptx(1, 0, 10), NOW, 0);
		expectAgoraError(() => m2.add(a1, NOW, 0), 'E_TX_FEE', 'fee');
		expect(m2.has(txIdHex(a0))).toBe(true);
		// With no other sender to evict, the pool refuses.
		const m3 = pool({ capacity: 1 });
		m3.add(a0, NOW, 0);
		expectAgoraError(() => m3.add(a1, NOW, 0), 'E_TX_FEE', 'fee');
	});

	it('when full, a newcomer that fills a gap below its sender\'s last nonce may evict that last nonce', () => {
		const m = pool({ capacity: 2 });
		const [a0, a2] = [ptx(0, 0, 5), ptx(0, 2, 1)];
		m.add(a0, NOW, 0);
		m.add(a2, NOW, 0);
		const a1 = ptx(0, 1, 3);
		expect(m.add(a1, NOW, 0)).toBe('added');
		expect(ids(m.all())).toEqual(ids([a0, a1]));
	});

	it('removing an equal copy of a pending transaction leaves nothing behind for eviction to find', () => {
		const m = pool({ capacity: 2 });
		const [a, b] = [ptx(0, 0, 1), ptx(1, 0, 5)];
		m.add(a, NOW, 0);
		m.add(b, NOW, 0);
		m.remove({ ...a });
		expect(m.size).toBe(1);
		const c = ptx(2, 0, 2);
		m.add(c, NOW, 0);
		expect(m.add(ptx(3, 0, 3), NOW, 0)).toBe('added');
		expect(m.has(txIdHex(c))).toBe(false);
		expect(m.size).toBe(2);
	});

	/** Each sender's highest pending nonce in a pool's contents. */
	function tailsOf(txs: readonly Tx[]): Tx[] {
		const last = new Map<Hex, Tx>();
		for (const x of txs) {
			const s = toHex(x.from);
			if ((last.get(s)?.nonce ?? -1) < x.nonce) last.set(s, x);
		}
		return [...last.values()];
	}
	const ranksAbove = (a: Tx, b: Tx): boolean => a.fee > b.fee || (a.fee === b.fee && compareBytes(txId(a), txId(b)) < 0);

	it('property: after any sequence of adds the pool respects its capacity and per-sender cap; eviction takes the lowest-ranked last nonce that strands nobody', () => {
		const addArb = fc.record({ sender: fc.integer({ min: 0, max: 5 }), nonce: fc.integer({ min: 0, max: 5 }), fee: fc.integer({ min: 0, max: 9 }) });
		fc.assert(
			fc.property(fc.array(addArb, { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), (adds, capacity, perSender) => {
				const m = pool({ capacity, perSender });
				for (const a of adds) {
					const before = m.all();
					const t = ptx(a.sender, a.nonce, a.fee);
					let result: string | undefined;
					try {
						result = m.add(t, NOW, 0);
					} catch (e) {
						// A refusal is an AgoraError and leaves the pool as it was; anything else is a bug.
						if (!(e instanceof AgoraError)) throw e;
						expect(ids(m.all())).toEqual(ids(before));
						continue;
					}
					const after = m.all();
					const gone = before.filter((x) => !after.includes(x));
					if (result === 'replaced') {
						expect(gone).toHaveLength(1);
						expect(gone[0]!.nonce).toBe(t.nonce);
						expect(gone[0]!.fee).toBeLessThan(t.fee);
					} else if (gone.length > 0) {
						expect(gone).toHaveLength(1);
						const victim = gone[0]!;
						expect(before).toHaveLength(capacity);
						// An independent model: the candidates are every sender's last nonce, except the newcomer's own below it.
						const candidates = tailsOf(before).filter((x) => !(toHex(x.from) === toHex(t.from) && x.nonce < t.nonce));
						for (const other of candidates) if (other !== victim) expect(ranksAbove(other, victim)).toBe(true);
						expect(candidates).toContain(victim);
						expect(ranksAbove(t, victim)).toBe(true);
						// Nothing of the victim's sender is left above it.
						expect(after.filter((x) => toHex(x.from) === toHex(victim.from) && x.nonce > victim.nonce)).toEqual([]);
					}
					expect(m.size).toBeLessThanOrEqual(capacity);
					const perSenderCount = new Map<Hex, number>();
					for (const x of after) perSenderCount.set(toHex(x.from), (perSenderCount.get(toHex(x.from)) ?? 0) + 1);
					for (const n of perSenderCount.values()) expect(n).toBeLessThanOrEqual(perSender);
				}
			}),
			{ numRuns: 300 }
		);
	});

	it('property: a full pool admits exactly when the model says so, whatever mix of adds, removals and prunes came before', () => {
		const opArb = fc.oneof(
			fc.record({ op: fc.constant('add' as const), sender: fc.integer({ min: 0, max: 4 }), nonce: fc.integer({ min: 0, max: 4 }), fee: fc.integer({ min: 0, max: 6 }) }),
			fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
			fc.record({ op: fc.constant('prune' as const), sender: fc.integer({ min: 0, max: 4 }), next: fc.integer({ min: 0, max: 3 }) })
		);
		fc.assert(
			fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 6 }), (ops, capacity) => {
				const m = pool({ capacity, perSender: 4 });
				for (const o of ops) {
					if (o.op === 'remove') {
						const all = m.all();
						// An equal copy, as the node removes what a block carried.
						if (all.length) m.remove({ ...all[o.pick % all.length]! });
						continue;
					}
					if (o.op === 'prune') {
						m.prune(NOW, (s) => (s === senderHex(o.sender) ? o.next : 0));
						continue;
					}
					const before = m.all();
					const t = ptx(o.sender, o.nonce, o.fee);
					const mine = before.filter((x) => toHex(x.from) === toHex(t.from));
					const full = before.length >= capacity && !mine.some((x) => x.nonce === t.nonce);
					const candidates = tailsOf(before).filter((x) => !(toHex(x.from) === toHex(t.from) && x.nonce < t.nonce));
					const worst = candidates.reduce<Tx | undefined>((w, x) => (!w || ranksAbove(w, x) ? x : w), undefined);
					let ok = true;
					try {
						m.add(t, NOW, 0);
					} catch (e) {
						if (!(e instanceof AgoraError)) throw e;
						ok = false;
					}
					if (full && mine.length < 4) expect(ok).toBe(worst !== undefined && ranksAbove(t, worst));
					expect(m.size).toBeLessThanOrEqual(capacity);
				}
			}),
			{ numRuns: 300 }
		);
	});
});

describe('mempool: pruning and removal', () => {
	it('prune drops what expired and what the chain has used, and returns it', () => {
		const m = pool();
		const expired = ptx(0, 5, 1, { expires: NOW + 100 });
		const used = ptx(1, 0, 1);
		const keep = [ptx(1, 1, 1), ptx(2, 0, 1)];
		for (const t of [expired, used, ...keep]) m.add(t, NOW, 0);
		const next = new Map([[senderHex(1), 1]]);
		const dropped = m.prune(NOW + 100, (s) => next.get(s) ?? 0);
		expect(ids(dropped)).toEqual(ids([expired, used]));
		expect(ids(m.all())).toEqual(ids(keep));
		expect(m.prune(NOW + 100, (s) => next.get(s) ?? 0)).toEqual([]);
	});

	it('remove takes out one transaction and ignores one that is not there', () => {
		const m = pool();
		const t = ptx(0, 0, 1);
		m.add(t, NOW, 0);
		m.remove(ptx(0, 0, 2));
		expect(m.size).toBe(1);
		m.remove(t);
		expect(m.size).toBe(0);
		// The nonce is free again.
		expect(m.add(ptx(0, 0, 1, { body: { text: 'again' } }), NOW, 0)).toBe('added');
	});
});

describe('mempool: select', () => {
	it('orders across senders by fee and within a sender by nonce, starting at the next nonce', () => {
		const m = pool();
		const a0 = ptx(0, 0, 1);
		const a1 = ptx(0, 1, 9);
		const b0 = ptx(1, 0, 5);
		const c3 = ptx(2, 3, 100); // gap: sender 2's next nonce is 2
		const c5 = ptx(2, 5, 100);
		for (const t of [a1, c3, b0, a0, c5]) m.add(t, NOW, 0);
		const next = (s: Hex): number => (s === senderHex(2) ? 2 : 0);
		expect(m.select(next)).toEqual([b0, a0, a1]);
		expect(m.select(next, 2)).toEqual([b0, a0]);
		expect(m.select(next, 0)).toEqual([]);
		// Once sender 2's nonce 2 is used, its 3 is offered first; 5 still waits behind the gap at 4.
		expect(m.select((s) => (s === senderHex(2) ? 3 : 0))).toEqual([c3, b0, a0, a1]);
	});

	it('ties on fee go to the lower id', () => {
		const m = pool();
		const x = ptx(0, 0, 3);
		const y = ptx(1, 0, 3);
		m.add(x, NOW, 0);
		m.add(y, NOW, 0);
		const expected = compareBytes(txId(x), txId(y)) < 0 ? [x, y] : [y, x];
		expect(m.select(zero)).toEqual(expected);
	});

	/** A pool of distinct (sender, nonce) pairs, each with a fee, and each sender's next nonce. */
	const poolArb = fc
		.record({
			entries: fc.uniqueArray(fc.record({ sender: fc.integer({ min: 0, max: 4 }), nonce: fc.integer({ min: 0, max: 6 }), fee: fc.integer({ min: 0, max: 5 }) }), {
				maxLength: 30,
				selector: (e) => `${e.sender}/${e.nonce}`
			}),
			next: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 })
		})
		.map(({ entries, next }) => ({ txs: entries.map((e) => ptx(e.sender, e.nonce, e.fee)), next }));

	function build(txs: readonly Tx[]): Mempool {
		const m = pool();
		for (const t of txs) m.add(t, NOW, 0);
		return m;
	}
	const nextOf = (next: readonly number[]) => (s: Hex): number => next[new Uint8Array(Buffer.from(s, 'hex'))[0]! - 1]!;

	it('property: within a sender, nonces are emitted consecutively from the next nonce; everything reachable is emitted, nothing else', () => {
		fc.assert(
			fc.property(poolArb, ({ txs, next }) => {
				const out = build(txs).select(nextOf(next));
				for (let s = 0; s < 5; s++) {
					const mine = out.filter((t) => toHex(t.from) === senderHex(s)).map((t) => t.nonce);
					const have = new Set(txs.filter((t) => toHex(t.from) === senderHex(s)).map((t) => t.nonce));
					const reachable: number[] = [];
					for (let n = next[s]!; have.has(n); n++) reachable.push(n);
					expect(mine).toEqual(reachable);
				}
				expect(new Set(out.map(txIdHex)).size).toBe(out.length);
			}),
			{ numRuns: 300 }
		);
	});

	it('property: across senders, no transaction comes before one with a higher fee that was available at the same time', () => {
		fc.assert(
			fc.property(poolArb, ({ txs, next }) => {
				const out = build(txs).select(nextOf(next));
				// Replay the emission: available = each sender's next unemitted nonce.
				const cursor = next.slice();
				const bySender = (s: number, n: number): Tx | undefined => txs.find((t) => toHex(t.from) === senderHex(s) && t.nonce === n);
				for (const t of out) {
					const available = [0, 1, 2, 3, 4].map((s) => bySender(s, cursor[s]!)).filter((x): x is Tx => x !== undefined);
					expect(available).toContain(t);
					for (const other of available) {
						expect(t.fee).toBeGreaterThanOrEqual(other.fee);
						if (other.fee === t.fee && other !== t) expect(compareBytes(txId(t), txId(other))).toBeLessThan(0);
					}
					const s = t.from[0]! - 1;
					cursor[s]!++;
				}
			}),
			{ numRuns: 300 }
		);
	});

	it('property: select is deterministic, independent of insertion order, and max gives a prefix', () => {
		fc.assert(
			fc.property(
				poolArb.chain((p) => fc.tuple(fc.constant(p), fc.shuffledSubarray(p.txs, { minLength: p.txs.length, maxLength: p.txs.length }), fc.nat({ max: 30 }))),
				([{ txs, next }, shuffled, max]) => {
					const a = build(txs);
					const full = a.select(nextOf(next));
					expect(a.select(nextOf(next))).toEqual(full);
					expect(build(shuffled).select(nextOf(next)).map(txIdHex)).toEqual(full.map(txIdHex));
					expect(a.select(nextOf(next), max)).toEqual(full.slice(0, max));
				}
			),
			{ numRuns: 200 }
		);
	});

	it('select does not change the pool', () => {
		const m = build([ptx(0, 0, 1), ptx(0, 1, 2), ptx(1, 0, 3)]);
		const before = ids(m.all());
		m.select(zero);
		expect(ids(m.all())).toEqual(before);
	});
});
