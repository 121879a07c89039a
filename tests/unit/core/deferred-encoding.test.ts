/**
 * State entries are encoded when the root is computed, not at each write
 * (state/tree.ts). What that must keep: a value that cannot be encoded is
 * still caught (at the root, or at once with hashWritesSince, which is how a
 * proposer leaves the transaction that wrote it out of its block) and a tree
 * that caught one stays usable after a revert; hashing early or late gives
 * the same root. And the per-transaction fee split (ppmOf), now computed
 * without BigInt, is exactly floor(amount × ppm / 10^6).
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { StateTree } from '../../../src/lib/core/state/tree.js';
import type { Encodable } from '../../../src/lib/core/codec.js';
import { ppmOf, PPM } from '../../../src/lib/core/params.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { expectAgoraError, genesisFor, key, makeTx, openChain, T0 } from '../../helpers/community.js';
import { KINDS } from '../../../src/lib/core/state/registry.js';
import type { TxContext } from '../../../src/lib/core/state/kind.js';

const UNENCODABLE = { amount: 1.5 } as unknown as Encodable;

describe('state tree: deferred encoding', () => {
	it('a value that cannot be encoded is accepted by put and rejected by the root', () => {
		const s = new StateTree([['a', 1]]);
		const root = toHex(s.root());
		const cp = s.checkpoint();
		s.put('b', UNENCODABLE);
		expect(s.get('b')).toBe(UNENCODABLE);
		expectAgoraError(() => s.root(), 'E_ENCODE', 'number');
		// The failed root left the tree consistent: reverting the write gives the old root, and it keeps working.
		s.revert(cp);
		expect(toHex(s.root())).toBe(root);
		s.put('c', 2);
		expect(toHex(s.root())).toBe(toHex(new StateTree([['a', 1], ['c', 2]]).root()));
	});

	it('a failed root leaves no half-updated node behind: fixing the value gives the right root', () => {
		const s = new StateTree([['a', 1]]);
		s.put('x', 5);
		s.put('b', UNENCODABLE);
		expectAgoraError(() => s.root(), 'E_ENCODE');
		s.put('b', 7);
		expect(toHex(s.root())).toBe(toHex(new StateTree([['a', 1], ['b', 7], ['x', 5]]).root()));
	});

	it('hashWritesSince names the writes made since a checkpoint, and only those', () => {
		const s = new StateTree();
		s.put('early', UNENCODABLE);
		const cp = s.checkpoint();
		s.put('late', 3);
		s.put('late', 4);
		s.put('gone', 1);
		s.put('gone', undefined);
		expect(() => s.hashWritesSince(cp)).not.toThrow();
		expectAgoraError(() => s.hashWritesSince(0), 'E_ENCODE');
		s.put('bad', UNENCODABLE);
		expectAgoraError(() => s.hashWritesSince(cp), 'E_ENCODE');
	});

	it('hashing writes early gives the same root as hashing them at the root', () => {
		const entry = fc.tuple(fc.constantFrom('a/1', 'a/2', 'm/1', 'q/x', 'z'), fc.option(fc.oneof(fc.nat(), fc.string({ maxLength: 5 }), fc.record({ n: fc.nat() })), { nil: undefined }));
		fc.assert(
			fc.property(fc.array(fc.array(entry, { maxLength: 6 }), { maxLength: 6 }), (txs) => {
				const late = new StateTree();
				const early = new StateTree();
				for (const writes of txs) {
					const cp = early.checkpoint();
					for (const [k, v] of writes) {
						late.put(k, v as Encodable | undefined);
						early.put(k, v as Encodable | undefined);
					}
					early.hashWritesSince(cp);
				}
				expect(toHex(early.root())).toBe(toHex(late.root()));
			}),
			{ numRuns: 200 }
		);
	});
});

describe('ppmOf', () => {
	const reference = (amount: number, ppm: number): number => Number((BigInt(amount) * BigInt(ppm)) / BigInt(PPM));
	const int = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, 1, PPM - 1, PPM, 2 * PPM, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER));

	it('is floor(amount × ppm / 10^6), truncated toward zero, for any safe integers (products past 2^53 included)', () => {
		fc.assert(
			fc.property(int, int, (amount, ppm) => {
				expect(Object.is(ppmOf(amount, ppm), reference(amount, ppm))).toBe(true);
			}),
			{ numRuns: 5000 }
		);
	});

	it('still refuses what is not an integer', () => {
		expect(() => ppmOf(1.5, 2)).toThrow(RangeError);
	});
});

describe('proposing: a transaction that writes what cannot be encoded', () => {
	it('is left out of the block, rejected with E_ENCODE, and the others are sealed', async () => {
		const founder = key(0);
		const chain = await openChain(genesisFor(founder, { time: T0 }));
		// A kind with a bug: the post whose text is "bad" also writes a value the codec refuses.
		const post = KINDS.get('post')!;
		const original = post.apply.bind(post);
		const apply = vi.spyOn(post, 'apply').mockImplementation((ctx: TxContext, body: unknown) => {
			original(ctx, body);
			if ((body as { text: string }).text === 'bad') ctx.state.put('x/bad', UNENCODABLE);
		});
		try {
			const txs = ['one', 'two', 'bad'].map((text, nonce) => makeTx(chain, founder, nonce, 'post', { text }, { created: T0 + 500 }));
			const p = chain.propose(founder, txs, T0 + 1000);
			if (!p || 'wait' in p) throw new Error('the founder could not seal');
			expect(p.block.txs).toEqual(txs.slice(0, 2));
			expect(p.rejected.map((r) => [r.tx, r.error.code])).toEqual([[txs[2], 'E_ENCODE']]);
		} finally {
			apply.mockRestore();
		}
	});
});
