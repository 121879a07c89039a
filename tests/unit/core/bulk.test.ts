/**
 * Importing many blocks: signatures verified ahead in batches, blocks
 * applied in order. The outcome must be exactly that of adding the blocks
 * one by one: the same head and state, the same first error, with every
 * block before it added; and nothing may leak when an import stops early.
 */
import { until } from '../../helpers/nodes.js';
import { describe, expect, it } from 'vitest';
import { addBlocks, verifyAhead, type Verdict } from '../../../src/lib/core/bulk.js';
import { verifyBlock } from '../../../src/lib/core/chain.js';
import type { Block } from '../../../src/lib/core/block/block.js';
import { nobleVerifier, type Verifier } from '../../../src/lib/core/verify.js';
import { nodeVerifier } from '../../../src/lib/crypto/node.js';
import { ZERO_HASH } from '../../../src/lib/core/hash.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { expectAgoraErrorAsync, genesisFor, key, makeTx, openChain, resign, seal, T0 } from '../../helpers/community.js';

const founder = key(0);
const members = [key(1), key(2), key(3)];
const genesis = genesisFor(founder, { members: [founder, ...members].map((k, i) => ({ key: k.publicKey, name: `m${i}` })) });
const NOW = T0 + 10_000_000;

/** 40 blocks of three posts each, sealed on a chain of their own. */
const blocks: Block[] = await (async () => {
	const chain = await openChain(genesis);
	const out: Block[] = [];
	for (let h = 1; h <= 40; h++) {
		const txs = members.map((m) => makeTx(chain, m, h - 1, 'post', { text: `post ${h}` }, { created: T0 + h * 1000 - 500 }));
		out.push(await seal(chain, founder, txs, T0 + h * 1000));
	}
	return out;
})();
const head = await (async () => {
	const chain = await openChain(genesis);
	for (const b of blocks) chain.add(await verifyBlock(b, nobleVerifier), NOW);
	return { hash: chain.head.hash, root: toHex(chain.state.root()) };
})();

/** A verifier that records how many calls are in flight at once and how large each is. */
function watched(inner: Verifier = nodeVerifier): { verifier: Verifier; sizes: number[]; mostInFlight: () => number } {
	const sizes: number[] = [];
	let inFlight = 0;
	let most = 0;
	return {
		sizes,
		mostInFlight: () => most,
		verifier: async (checks) => {
			sizes.push(checks.length);
			most = Math.max(most, ++inFlight);
			try {
				await new Promise((r) => setTimeout(r, 1));
				return await inner(checks);
			} finally {
				inFlight--;
			}
		}
	};
}

/** Block `at` with transaction `tx`'s signature broken. */
function forged(at: number, tx: number): Block[] {
	const copy = [...blocks];
	const b = copy[at]!;
	const txs = [...b.txs];
	const sig = txs[tx]!.sig.slice();
	sig[0]! ^= 1;
	txs[tx] = { ...txs[tx]!, sig };
	copy[at] = { ...b, txs };
	return copy;
}

async function* slowly<T>(items: readonly T[], failAfter = Infinity): AsyncGenerator<T> {
	for (const [i, item] of items.entries()) {
		if (i === failAfter) throw new Error('the source broke');
		await Promise.resolve();
		yield item;
	}
}

describe('addBlocks', () => {
	it('ends on the same head and state as adding one by one, in batches that grow, several in flight', async () => {
		const chain = await openChain(genesis);
		const w = watched();
		const results = await addBlocks(chain, blocks, w.verifier, NOW, { firstBatch: 4, batch: 32, ahead: 2 });
		expect(results.map((r) => r.status)).toEqual(blocks.map(() => 'head'));
		expect({ hash: chain.head.hash, root: toHex(chain.state.root()) }).toEqual(head);
		// Batches of whole blocks (4 signatures each) of at least 4, 8, 16, then 32 signatures.
		expect(w.sizes.slice(0, 4)).toEqual([4, 8, 16, 32]);
		expect(w.sizes.reduce((a, b) => a + b, 0)).toBe(blocks.length * 4);
		expect(w.mostInFlight()).toBe(3);
	});

	it('takes an async source', async () => {
		const chain = await openChain(genesis);
		await addBlocks(chain, slowly(blocks), nodeVerifier, NOW, { firstBatch: 1, batch: 8 });
		expect(chain.head.hash).toBe(head.hash);
	});

	it('stops at a bad signature with the error verifyBlocks gives, the blocks before it added', async () => {
		const chain = await openChain(genesis);
		const e = await expectAgoraErrorAsync(() => addBlocks(chain, forged(22, 1), nodeVerifier, NOW, { firstBatch: 8, batch: 8 }), 'E_TX_SIGNATURE', 'txs[1].sig');
		expect(e.message).toContain('block 23');
		expect(chain.height).toBe(22);
	});

	it('stops at a block that breaks a rule, the blocks before it added', async () => {
		const chain = await openChain(genesis);
		const bad = [...blocks];
		bad[30] = resign(bad[30]!, founder, { stateRoot: ZERO_HASH });
		await expectAgoraErrorAsync(() => addBlocks(chain, bad, nodeVerifier, NOW), 'E_BLOCK_STATE_ROOT', 'header.stateRoot');
		expect(chain.height).toBe(30);
	});
});

describe('verifyAhead', () => {
	const collect = async <T>(gen: AsyncGenerator<Verdict<T>>): Promise<Verdict<T>[]> => {
		const out: Verdict<T>[] = [];
		for await (const v of gen) out.push(v);
		return out;
	};

	it('yields a verdict per item in order, and after the first bad one nothing more', async () => {
		const items = forged(9, 0).map((block, i) => ({ i, block }));
		const verdicts = await collect(verifyAhead(items, (x) => x.block, nodeVerifier, { firstBatch: 4, batch: 4 }));
		expect(verdicts.map((v) => v.item.i)).toEqual(Array.from({ length: 10 }, (_, i) => i));
		expect(verdicts.slice(0, 9).every((v) => 'verified' in v && v.verified.block === blocks[v.item.i])).toBe(true);
		const last = verdicts[9]!;
		expect('error' in last && last.error.code).toBe('E_TX_SIGNATURE');
	});

	it('gives every verdict of the items read before a source error, then throws it', async () => {
		const seen: number[] = [];
		await expect(
			(async () => {
				for await (const v of verifyAhead(slowly(blocks, 13), (b) => b, nodeVerifier, { firstBatch: 2, batch: 4 })) {
					if ('verified' in v) seen.push(v.verified.block.header.height);
				}
			})()
		).rejects.toThrow('the source broke');
		expect(seen).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
	});

	it('throws what the verifier throws', async () => {
		const broken: Verifier = async () => {
			throw new Error('the pool is closed');
		};
		await expect(collect(verifyAhead(blocks, (b) => b, broken))).rejects.toThrow('the pool is closed');
	});

	it('closes the source and leaves no rejection unhandled when the consumer stops early', async () => {
		let closed = false;
		const source = (async function* () {
			try {
				yield* blocks;
			} finally {
				closed = true;
			}
		})();
		let calls = 0;
		// Later batches fail: nobody reads them, and their rejections must not surface.
		const failing: Verifier = async (checks) => {
			if (++calls > 1) throw new Error('not read');
			return nodeVerifier(checks);
		};
		for await (const v of verifyAhead(source, (b) => b, failing, { firstBatch: 4, batch: 4, ahead: 3 })) {
			expect('verified' in v).toBe(true);
			break;
		}
		await until('the source is closed', () => closed);
		expect(calls).toBeGreaterThan(1);
	});
});
