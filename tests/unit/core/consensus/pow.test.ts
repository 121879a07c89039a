/**
 * Proof of work: one test per seal rule, the retarget rule (a table, then a
 * fixture chain), fork choice by verified work, depth finality, mining.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Chain } from '../../../../src/lib/core/chain.js';
import { toHex } from '../../../../src/lib/core/bytes.js';
import type { ErrorCode } from '../../../../src/lib/core/errors.js';
import { headerSigningPayload, type Block, type UnsignedHeader } from '../../../../src/lib/core/block/block.js';
import { meetsTarget, mine, retarget, target, workHash } from '../../../../src/lib/core/consensus/pow.js';
import { emptyChild, expectAgoraError, key, keys, openChain, resign, T0, verified } from '../../../helpers/community.js';
import { minedChild, powGenesis, sealNext, type PowSettings } from '../../../helpers/engines.js';

const LATER = T0 + 10_000_000;
const MINERS = keys(2, 40);
const [M0, M1] = MINERS as [(typeof MINERS)[0], (typeof MINERS)[0]];
const outsider = key(49);
const SETTINGS: PowSettings = { difficulty: 8, retargetBlocks: 4, finalityDepth: 3 };

async function powChain(settings: PowSettings = SETTINGS): Promise<Chain> {
	return openChain(powGenesis(MINERS, settings));
}

/** Seals `n` blocks, the i-th at T0 + (i + 1) × spacing; returns the blocks. */
async function grow(chain: Chain, n: number, spacing: number, from = 0): Promise<Block[]> {
	const out: Block[] = [];
	for (let i = 0; i < n; i++) out.push((await sealNext(chain, [M0], [], T0 + (from + i + 1) * spacing)).block);
	return out;
}

const difficultyOf = (b: Block): number => (b.header.seal as { difficulty: number }).difficulty;

describe('pow: the work hash and the target', () => {
	it('the work hash is the seal-domain SHA-256 of the header signing payload (fixed vector against node:crypto)', () => {
		const header = emptyChild(new Uint8Array(32), powGenesis(MINERS, SETTINGS).header, M0, { seal: { difficulty: 8, nonce: 5 } }).header;
		const reference = createHash('sha256').update('agora/v1/seal\0').update(headerSigningPayload(header)).digest('hex');
		expect(toHex(workHash(header))).toBe(reference);
	});

	it('the target is floor(2^256 / difficulty)', () => {
		expect(target(1)).toBe(1n << 256n);
		expect(target(3)).toBe((1n << 256n) / 3n);
		expect(target(2 ** 40)).toBe(1n << 216n);
	});

	it('a header meets its target exactly when its work hash is below it', () => {
		const header = emptyChild(new Uint8Array(32), powGenesis(MINERS, SETTINGS).header, M0, { seal: { difficulty: 1, nonce: 0 } }).header;
		const work = BigInt('0x' + toHex(workHash(header)));
		// The difficulty whose target is just above the work hash passes; one whose target is at or below it fails.
		const passing = Number((1n << 256n) / (work + 1n));
		expect(meetsTarget(header, Math.max(1, passing))).toBe(true);
		const failing = Number((1n << 256n) / work) + 1;
		expect(meetsTarget(header, failing)).toBe(false);
	});
});

describe('pow: every seal rule is checked on arrival', () => {
	const rules: Array<[string, (chain: Chain, good: Block) => Block, ErrorCode, string]> = [
		[
			'a block below its target (a nonce that does not do the work)',
			(_chain, good) => {
				const { sig: _sig, ...unsigned } = good.header;
				let nonce = 0;
				while (meetsTarget({ ...unsigned, seal: { difficulty: 8, nonce } }, 8)) nonce++;
				return resign(good, M0, { seal: { difficulty: 8, nonce } });
			},
			'E_BLOCK_SEAL',
			'header.seal.nonce'
		],
		['a higher difficulty than the rule, with the work done', (chain, good) => minedChild(chain.chainId, chain.head.header, M0, 9, { time: good.header.time }), 'E_BLOCK_SEAL', 'header.seal.difficulty'],
		['a lower difficulty than the rule, with the work done', (chain, good) => minedChild(chain.chainId, chain.head.header, M0, 1, { time: good.header.time }), 'E_BLOCK_SEAL', 'header.seal.difficulty'],
		['a huge claimed difficulty with no work', (_chain, good) => resign(good, M0, { seal: { difficulty: 2 ** 50, nonce: 0 } }), 'E_BLOCK_SEAL', 'header.seal.difficulty'],
		['a miner that is not a member', (chain, good) => minedChild(chain.chainId, chain.head.header, outsider, 8, { time: good.header.time }), 'E_BLOCK_PROPOSER', 'header.proposer'],
		['a seal without a nonce', (_chain, good) => resign(good, M0, { seal: { difficulty: 8 } }), 'E_SCHEMA', 'header.seal.nonce'],
		['difficulty 0', (_chain, good) => resign(good, M0, { seal: { difficulty: 0, nonce: 0 } }), 'E_SCHEMA', 'header.seal.difficulty'],
		['a seal with an extra field', (_chain, good) => resign(good, M0, { seal: { difficulty: 8, nonce: 0, round: 0 } }), 'E_SCHEMA', 'header.seal.round']
	];

	it.each(rules)('%s is rejected', async (_name, make, code, field) => {
		const chain = await powChain();
		const good = minedChild(chain.chainId, chain.head.header, M0, 8);
		const bad = await verified(make(chain, good));
		expectAgoraError(() => chain.add(bad, LATER), code, field);
		expect(chain.height).toBe(0);
		// The honest block still goes in: the chain stayed usable.
		expect(chain.add(await verified(good), LATER).status).toBe('head');
		expect(chain.head.weight).toBe(8n);
	});
});

describe('pow: the retarget rule', () => {
	const cases: Array<[string, number, number, number]> = [
		['on time: unchanged', 8, 4000, 8],
		['twice as fast: doubled', 8, 2000, 16],
		['four times as fast: ×4', 8, 1000, 32],
		['forty times as fast: clamped to ×4', 8, 100, 32],
		['no time at all: clamped to ×4', 8, 0, 32],
		['twice as slow: halved', 8, 8000, 4],
		['forty times as slow: clamped to ÷4', 8, 160_000, 2],
		['difficulty 1 never goes below 1', 1, 160_000, 1],
		['difficulty 2 ÷4 rounds up to 1', 2, 160_000, 1],
		['a third faster: scaled in integers', 9, 3000, 12]
	];
	it.each(cases)('%s', (_name, previous, actual, expected) => {
		expect(retarget(previous, actual, 4000)).toBe(expected);
	});

	it('never leaves the safe integers', () => {
		expect(retarget(Number.MAX_SAFE_INTEGER, 1, 4000)).toBe(Number.MAX_SAFE_INTEGER);
	});

	it.each([
		['blocks twice as fast as the block time', 500, 16],
		['blocks on time', 1000, 8],
		['blocks twice as slow', 2000, 4],
		['blocks ten times as fast', 100, 32]
	])('a fixture chain with %s moves difficulty toward the block time at height 5, and only there', async (_name, spacing, next) => {
		const chain = await powChain();
		const blocks = await grow(chain, 8, spacing);
		expect(blocks.map(difficultyOf)).toEqual([8, 8, 8, 8, next, next, next, next]);
		expect(chain.head.weight).toBe(BigInt(4 * 8 + 4 * next));
	});

	it('a block at the retarget height that keeps the old difficulty is rejected', async () => {
		const chain = await powChain();
		await grow(chain, 4, 500);
		const vb = await verified(minedChild(chain.chainId, chain.head.header, M0, 8, { time: T0 + 2500 }));
		expectAgoraError(() => chain.add(vb, LATER), 'E_BLOCK_SEAL', 'header.seal.difficulty');
	});
});

describe('pow: fork choice counts verified work only', () => {
	const SHORT_WINDOW: PowSettings = { difficulty: 4, retargetBlocks: 2, finalityDepth: 100 };

	it('a shorter branch with more work beats a longer one with less', async () => {
		const chain = await powChain(SHORT_WINDOW);
		const g = chain.genesis.header;
		// Slow branch: 4000 ms apart, difficulty 4, 4, then 1, 1, 1 (retargeted ÷4 at height 3 and kept at 5).
		const slow: Block[] = [];
		let parent = g;
		for (let i = 0; i < 5; i++) {
			const d = i < 2 ? 4 : 1;
			const b = minedChild(chain.chainId, parent, M1, d, { time: T0 + (i + 1) * 4000 });
			slow.push(b);
			expect(chain.add(await verified(b), LATER).status).toBe('head');
			parent = b.header;
		}
		expect(chain.head.weight).toBe(11n);
		// Fast branch: 250 ms apart, 4, 4, then 16 (×4 at height 3): three blocks outweigh five.
		const fast: Block[] = [];
		parent = g;
		for (let i = 0; i < 3; i++) {
			const b = minedChild(chain.chainId, parent, M0, i < 2 ? 4 : 16, { time: T0 + (i + 1) * 250 });
			fast.push(b);
			parent = b.header;
		}
		expect(chain.add(await verified(fast[0]!), LATER).status).toBe('side');
		expect(chain.add(await verified(fast[1]!), LATER).status).toBe('side');
		const r = chain.add(await verified(fast[2]!), LATER);
		expect(r.status).toBe('head');
		expect(chain.height).toBe(3);
		expect(chain.head.weight).toBe(24n);
	});

	it('equal work at equal length: the lower block hash wins, whichever arrives first', async () => {
		const a = await powChain();
		const b = await powChain();
		const x = minedChild(a.chainId, a.genesis.header, M0, 8, { time: T0 + 1000 });
		const y = minedChild(a.chainId, a.genesis.header, M1, 8, { time: T0 + 1000 });
		a.add(await verified(x), LATER);
		a.add(await verified(y), LATER);
		b.add(await verified(y), LATER);
		b.add(await verified(x), LATER);
		expect(a.head.hash).toBe(b.head.hash);
	});

	it('a claim of more work than was done adds nothing: the block is refused and the head and its weight stay', async () => {
		const chain = await powChain();
		await grow(chain, 2, 1000);
		const before = { head: chain.head.hash, weight: chain.head.weight };
		const vb = await verified(resign(minedChild(chain.chainId, chain.blockAt(1)!.header, M1, 8, { time: T0 + 1500 }), M1, { seal: { difficulty: 1_000_000, nonce: 0 } }));
		expectAgoraError(() => chain.add(vb, LATER), 'E_BLOCK_SEAL', 'header.seal.difficulty');
		expect({ head: chain.head.hash, weight: chain.head.weight }).toEqual(before);
	});
});

describe('pow: finality by depth', () => {
	it('blocks finalityDepth below the head are final, and no branch may split below them', async () => {
		const chain = await powChain();
		const blocks = await grow(chain, 5, 1000);
		expect(chain.finalized.height).toBe(2);
		expect(chain.finalized.hash).toBe(chain.blockAt(2)!.hash);
		// Refused before its work is looked at: no amount of work reverts a final block.
		const vb = await verified(minedChild(chain.chainId, blocks[0]!.header, M1, 8, { time: T0 + 1500 }));
		expectAgoraError(() => chain.add(vb, LATER), 'E_BLOCK_FINALITY', 'header.parent');
	});
});

describe('pow: sealing', () => {
	it('any member may seal and no one else', async () => {
		const chain = await powChain();
		expect(chain.canSeal(toHex(M1.publicKey))).toBe(true);
		expect(chain.canSeal(toHex(outsider.publicKey))).toBe(false);
		expect(chain.propose(outsider, [], T0 + 1000)).toBeNull();
	});

	it('mining is deterministic from nonce 0 and gives up after its budget', async () => {
		const chain = await powChain({ difficulty: 64, retargetBlocks: 4, finalityDepth: 3 });
		const draft = emptyChild(chain.chainId, chain.genesis.header, M0, { seal: { difficulty: 64, nonce: 0 } });
		const { sig: _sig, ...unsigned } = draft.header;
		const found = mine(unsigned, Infinity)!;
		const nonce = (found.seal as { nonce: number }).nonce;
		expect(mine(unsigned, Infinity)).toEqual(found);
		for (let n = 0; n < nonce; n++) expect(meetsTarget({ ...unsigned, seal: { difficulty: 64, nonce: n } } as UnsignedHeader, 64)).toBe(false);
		expect(mine(unsigned, nonce)).toBeNull();
		expect(mine(unsigned, nonce + 1)).toEqual(found);
	});

	it('propose mines with the difficulty the rule gives, or asks to come back when its budget runs out', async () => {
		const chain = await powChain();
		expect(chain.propose(M0, [], T0 + 1000, 0)).toEqual({ wait: T0 + 1000 });
		const p = chain.propose(M0, [], T0 + 1000);
		if (!p || 'wait' in p) throw new Error('expected a block');
		expect(difficultyOf(p.block)).toBe(8);
		expect(chain.add(await verified(p.block), LATER).status).toBe('head');
	});
});

describe('pow: genesis configuration', () => {
	it.each([
		['difficulty 0', { difficulty: 0, retargetBlocks: 4, finalityDepth: 3 }, 'genesis.engine.difficulty'],
		['retargetBlocks 0', { difficulty: 1, retargetBlocks: 0, finalityDepth: 3 }, 'genesis.engine.retargetBlocks'],
		['finalityDepth 0', { difficulty: 1, retargetBlocks: 4, finalityDepth: 0 }, 'genesis.engine.finalityDepth'],
		['no finalityDepth', { difficulty: 1, retargetBlocks: 4 }, 'genesis.engine.finalityDepth'],
		['an unknown setting', { difficulty: 1, retargetBlocks: 4, finalityDepth: 3, target: 5 }, 'genesis.engine.target']
	])('%s is rejected', (_name, settings, field) => {
		expectAgoraError(() => powGenesis(MINERS, settings as PowSettings), 'E_SCHEMA', field);
	});
});
