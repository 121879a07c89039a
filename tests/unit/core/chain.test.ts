/**
 * The chain: one test per validation rule of Chain.add (each leaving the
 * chain usable), fork choice and reorganisation with a three-authority
 * proof-of-authority genesis, finality, the recent-signer rule, and sync
 * helpers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Chain, type AddResult } from '../../../src/lib/core/chain.js';
import { blockHash, blockHashHex, signHeader, txMerkleTree, type Block, type UnsignedHeader } from '../../../src/lib/core/block/block.js';
import { AgoraError, type ErrorCode } from '../../../src/lib/core/errors.js';
import { compareBytes, toHex, type Hex } from '../../../src/lib/core/bytes.js';
import { encode, type Encodable } from '../../../src/lib/core/codec.js';
import { verifyInclusion } from '../../../src/lib/core/merkle.js';
import { encodeTx, signTx, txIdHex, type Tx } from '../../../src/lib/core/tx/tx.js';
import { getAccount } from '../../../src/lib/core/state/accounts.js';
import { isMember } from '../../../src/lib/core/state/members.js';
import { DEFAULT_PARAMS } from '../../../src/lib/core/params.js';
import type { KeyPair } from '../../../src/lib/core/keys.js';
import {
	emptyChild,
	expectAgoraError,
	expectAgoraErrorAsync,
	genesisFor,
	key,
	keys,
	makeTx,
	openChain,
	poaGenesis,
	proposeAt,
	resign,
	T0,
	verified
} from '../../helpers/community.js';

/** Late enough that no block here is in the future. */
const LATER = T0 + 10_000_000;

/** Three authorities, sorted the way the engine sorts them: s[h % 3] is in turn at height h. */
const AUTHS = keys(3, 20);
const S = [...AUTHS].sort((x, y) => compareBytes(x.publicKey, y.publicKey)) as [KeyPair, KeyPair, KeyPair];
const AUTH_HEX = S.map((k) => toHex(k.publicKey));
const dave = key(30);
const erin = key(31);
const outsider = key(39);
const hex = (k: KeyPair): Hex => toHex(k.publicKey);

const G3 = poaGenesis(AUTHS, {
	params: { maxBlockTxs: 2, maxBlockBytes: 1024 },
	allocations: [
		{ key: dave.publicKey, amount: 1000 },
		{ key: erin.publicKey, amount: 1000 }
	]
});

interface Snapshot {
	readonly head: Hex;
	readonly height: number;
	readonly root: Hex;
	readonly entries: Hex;
}
function snapshot(chain: Chain): Snapshot {
	return { head: chain.head.hash, height: chain.height, root: toHex(chain.state.root()), entries: toHex(encode(chain.state.entriesSorted() as unknown as Encodable)) };
}

async function add(chain: Chain, block: Block, now = LATER): Promise<AddResult> {
	return chain.add(await verified(block), now);
}

/** The same block with other transactions, the txRoot recomputed and the header signed again. */
function withTxs(block: Block, txs: Tx[], signer: KeyPair, changes: Partial<UnsignedHeader> = {}): Block {
	return { ...resign({ ...block, txs }, signer, { txRoot: txMerkleTree(txs).root, ...changes }) };
}

/** A fresh chain that has seen only these blocks (in order): the reference for "state after a reorg". */
async function replay(genesis: Block, blocks: readonly Block[]): Promise<Chain> {
	const chain = await openChain(genesis);
	for (const b of blocks) {
		const r = await add(chain, b);
		expect(r.status).toBe('head');
		expect(toHex(chain.state.root())).toBe(toHex(b.header.stateRoot));
	}
	return chain;
}

/* ------------------------------------------------------------------ */
/* Validation rules                                                    */
/* ------------------------------------------------------------------ */

describe('chain: validation rules of Chain.add', () => {
	interface Ctx {
		readonly chain: Chain;
		/** A valid height-1 block by the in-turn authority S[1], with two transactions. */
		readonly good: Block;
		readonly txs: Tx[];
	}
	interface Rule {
		readonly make: (c: Ctx) => Block;
		readonly code: ErrorCode;
		readonly field: string;
		/** Rejected by verifyBlock, before the chain sees it. */
		readonly signature?: true;
		/** Whether the chain remembers the block hash as invalid (undefined: either is fine). */
		readonly remembered?: boolean;
		readonly now?: number;
	}

	async function setup(): Promise<Ctx> {
		const chain = await openChain(G3);
		const txs = [makeTx(chain, dave, 0, 'member.join', { name: 'dave' }, { fee: 5 }), makeTx(chain, dave, 1, 'post', { text: 'hello' }, { fee: 2 })];
		const good = proposeAt(chain, S[1], txs, T0 + 2000).block;
		return { chain, good, txs };
	}

	const other32 = new Uint8Array(32).fill(0x5a);
	const rules: Array<[string, Rule]> = [
		['wrong chain id', { make: ({ good }) => resign(good, S[1], { chain: other32 }), code: 'E_BLOCK_CHAIN', field: 'header.chain', remembered: true }],
		['height 2 on the genesis block', { make: ({ good }) => resign(good, S[1], { height: 2 }), code: 'E_BLOCK_HEIGHT', field: 'header.height', remembered: true }],
		['height 0 on the genesis block', { make: ({ good }) => resign(good, S[1], { height: 0 }), code: 'E_BLOCK_HEIGHT', field: 'header.height', remembered: true }],
		['txRoot in the header that does not match', { make: ({ good }) => resign(good, S[1], { txRoot: other32 }), code: 'E_BLOCK_TX_ROOT', field: 'header.txRoot', remembered: false }],
		// The header is the good one: its hash must not be blacklisted because of a body someone else attached.
		['a transaction dropped from the body', { make: ({ good }) => ({ ...good, txs: good.txs.slice(0, 1) }), code: 'E_BLOCK_TX_ROOT', field: 'header.txRoot', remembered: false }],
		['transactions reordered', { make: ({ good }) => ({ ...good, txs: [...good.txs].reverse() }), code: 'E_BLOCK_TX_ROOT', field: 'header.txRoot', remembered: false }],
		['a genesis field in a non-genesis block', { make: ({ good }) => ({ ...good, genesis: { name: 'x' } }), code: 'E_SCHEMA', field: 'genesis', remembered: false }],
		['bad state root', { make: ({ good }) => resign(good, S[1], { stateRoot: other32 }), code: 'E_BLOCK_STATE_ROOT', field: 'header.stateRoot', remembered: true }],
		['bad proposer signature', { make: ({ good }) => ({ ...good, header: { ...good.header, sig: resign(good, S[0], {}).header.sig } }), code: 'E_BLOCK_SIGNATURE', field: 'header.sig', signature: true }],
		['a header field changed after signing', { make: ({ good }) => ({ ...good, header: { ...good.header, time: good.header.time + 1 } }), code: 'E_BLOCK_SIGNATURE', field: 'header.sig', signature: true }],
		[
			'a forged transaction signature',
			{
				make: ({ good }) => {
					const t = good.txs[1]!;
					const { sig: _sig, ...unsigned } = t;
					return { ...good, txs: [good.txs[0]!, { ...t, sig: signTx(unsigned, erin).sig }] };
				},
				code: 'E_TX_SIGNATURE',
				field: 'txs[1].sig',
				signature: true
			}
		],
		[
			'a proposer that is not an authority',
			{
				make: ({ good }) => resign(good, outsider, { proposer: outsider.publicKey, clock: { [hex(outsider)]: 1 }, seal: { difficulty: 1 } }),
				code: 'E_BLOCK_PROPOSER',
				field: 'header.proposer',
				remembered: true
			}
		],
		['the in-turn authority claiming difficulty 1', { make: ({ good }) => resign(good, S[1], { seal: { difficulty: 1 } }), code: 'E_BLOCK_SEAL', field: 'header.seal.difficulty', remembered: true }],
		[
			'an out-of-turn authority claiming difficulty 2',
			{ make: ({ good }) => resign(good, S[0], { proposer: S[0].publicKey, clock: { [hex(S[0])]: 1 }, seal: { difficulty: 2 } }), code: 'E_BLOCK_SEAL', field: 'header.seal.difficulty', remembered: true }
		],
		['difficulty 3', { make: ({ good }) => resign(good, S[1], { seal: { difficulty: 3 } }), code: 'E_SCHEMA', field: 'header.seal.difficulty', remembered: true }],
		['a seal with an extra field', { make: ({ good }) => resign(good, S[1], { seal: { difficulty: 2, nonce: 7 } }), code: 'E_SCHEMA', field: 'header.seal.nonce', remembered: true }],
		['time not after the median of recent blocks', { make: ({ good }) => resign(good, S[1], { time: T0 }), code: 'E_BLOCK_TIME', field: 'header.time' }],
		[
			'time too far in the future',
			{ make: ({ good }) => resign(good, S[1], { time: LATER + DEFAULT_PARAMS.maxFutureDriftMs + 1 }), code: 'E_BLOCK_TIME', field: 'header.time', remembered: false }
		],
		['a clock not advanced', { make: ({ good }) => resign(good, S[1], { clock: {} }), code: 'E_BLOCK_CLOCK', field: 'header.clock', remembered: true }],
		['a clock advanced twice', { make: ({ good }) => resign(good, S[1], { clock: { [AUTH_HEX[1]!]: 2 } }), code: 'E_BLOCK_CLOCK', field: 'header.clock', remembered: true }],
		['a clock advanced for another node', { make: ({ good }) => resign(good, S[1], { clock: { [AUTH_HEX[0]!]: 1 } }), code: 'E_BLOCK_CLOCK', field: 'header.clock', remembered: true }],
		[
			'a clock with an extra entry',
			{ make: ({ good }) => resign(good, S[1], { clock: { [AUTH_HEX[1]!]: 1, [AUTH_HEX[0]!]: 1 } }), code: 'E_BLOCK_CLOCK', field: 'header.clock', remembered: true }
		],
		// Equal as a clock, but not canonical: no other node could decode this header.
		[
			'a clock with a zero entry',
			{ make: ({ good }) => resign(good, S[1], { clock: { [AUTH_HEX[1]!]: 1, [AUTH_HEX[0]!]: 0 } }), code: 'E_BLOCK_CLOCK', field: 'header.clock', remembered: true }
		],
		['more transactions than maxBlockTxs', { make: ({ good, txs, chain }) => withTxs(good, [...txs, makeTx(chain, dave, 2, 'post', { text: 'three' })], S[1]), code: 'E_BLOCK_SIZE', field: 'txs', remembered: true }],
		[
			'more bytes than maxBlockBytes',
			{ make: ({ good, chain }) => withTxs(good, [makeTx(chain, dave, 0, 'member.join', { name: 'dave' }), makeTx(chain, dave, 1, 'post', { text: 'x'.repeat(900) })], S[1]), code: 'E_BLOCK_SIZE', field: 'txs', remembered: true }
		],
		['the same transaction twice', { make: ({ good, txs }) => withTxs(good, [txs[0]!, txs[0]!], S[1]), code: 'E_TX_NONCE', field: 'txs[1].nonce', remembered: true }],
		['a transaction from a non-member', { make: ({ good, chain }) => withTxs(good, [makeTx(chain, outsider, 0, 'post', { text: 'spam' })], S[1]), code: 'E_TX_NOT_ALLOWED', field: 'txs[0].from', remembered: true }],
		['a transaction for another chain', { make: ({ good }) => withTxs(good, [makeTx(other32, dave, 0, 'member.join', { name: 'dave' })], S[1]), code: 'E_TX_CHAIN', field: 'txs[0].chain', remembered: true }],
		['an expired transaction', { make: ({ good, chain }) => withTxs(good, [makeTx(chain, dave, 0, 'member.join', { name: 'dave' }, { expires: T0 + 1500 })], S[1]), code: 'E_TX_EXPIRED', field: 'txs[0].expires', remembered: true }]
	];

	it.each(rules)('%s', async (_name, rule) => {
		const ctx = await setup();
		const { chain, good } = ctx;
		const bad = rule.make(ctx);
		const before = snapshot(chain);
		if (rule.signature) {
			await expectAgoraErrorAsync(() => verified(bad), rule.code, rule.field);
		} else {
			const vb = await verified(bad);
			const first = expectAgoraError(() => chain.add(vb, rule.now ?? LATER), rule.code, rule.field);
			expect(snapshot(chain)).toEqual(before);
			// Adding it again: a remembered block fails at once with the same error.
			let second: unknown;
			try {
				chain.add(vb, rule.now ?? LATER);
			} catch (e) {
				second = e;
			}
			expect(second).toBeInstanceOf(AgoraError);
			expect((second as AgoraError).code).toBe(rule.code);
			if (rule.remembered === true) expect(second).toBe(first);
			if (rule.remembered === false) expect(second).not.toBe(first);
			expect(snapshot(chain)).toEqual(before);
		}
		// The chain is still usable: the good block (same header, in some cases) goes in.
		const r = await add(chain, good);
		expect(r.status).toBe('head');
		expect(chain.height).toBe(1);
		expect(isMember(chain.state, hex(dave))).toBe(true);
	});

	it('a block whose parent is unknown is an orphan: not an error, not remembered, and accepted once its parent is', async () => {
		const { chain, good } = await setup();
		await add(chain, good);
		const child = proposeAt(chain, S[2], [], T0 + 3000).block;
		const fresh = await openChain(G3);
		const before = snapshot(fresh);
		const r = await add(fresh, child);
		expect(r).toEqual({ status: 'orphan', parent: blockHashHex(good.header) });
		expect(snapshot(fresh)).toEqual(before);
		expect((await add(fresh, child)).status).toBe('orphan');
		expect((await add(fresh, good)).status).toBe('head');
		expect((await add(fresh, child)).status).toBe('head');
		expect(fresh.height).toBe(2);
	});

	it('a block too far in the future is accepted later, when the clock has caught up', async () => {
		const { chain, good } = await setup();
		const future = good.header.time + DEFAULT_PARAMS.maxFutureDriftMs + 1;
		const early = good.header.time;
		const vb = await verified(good);
		expectAgoraError(() => chain.add(vb, early - DEFAULT_PARAMS.maxFutureDriftMs - 1), 'E_BLOCK_TIME', 'header.time');
		expect(chain.add(vb, future).status).toBe('head');
	});

	it('a known block is reported as known', async () => {
		const { chain, good } = await setup();
		const r1 = await add(chain, good);
		const r2 = await add(chain, good);
		expect(r2.status).toBe('known');
		expect(r2.status === 'known' && r1.status === 'head' && r2.node === r1.node).toBe(true);
	});

	it('a transaction included in block 1 cannot be included again in block 2', async () => {
		const { chain, good, txs } = await setup();
		await add(chain, good);
		const next = proposeAt(chain, S[2], [], T0 + 3000).block;
		const replayed = withTxs(next, [txs[0]!], S[2]);
		const before = snapshot(chain);
		await expectAgoraErrorAsync(async () => chain.add(await verified(replayed), LATER), 'E_TX_NONCE', 'txs[0].nonce');
		expect(snapshot(chain)).toEqual(before);
	});

	it('propose includes a transaction once and reports the second copy as rejected', async () => {
		const { chain, txs } = await setup();
		const p = chain.propose(S[1], [txs[0]!, txs[0]!, txs[1]!], T0 + 2000);
		expect(p && !('wait' in p)).toBe(true);
		if (!p || 'wait' in p) return;
		expect(p.block.txs).toEqual([txs[0], txs[1]]);
		expect(p.rejected.map((r) => r.error.code)).toEqual(['E_TX_NONCE']);
		// Proposing does not change the chain.
		expect(chain.height).toBe(0);
		expect((await add(chain, p.block)).status).toBe('head');
	});
});

/* ------------------------------------------------------------------ */
/* Proposing                                                           */
/* ------------------------------------------------------------------ */

describe('chain: proposing with several authorities', () => {
	it('the in-turn authority may seal at once', async () => {
		const chain = await openChain(G3);
		const p = chain.propose(S[1], [], T0 + 2000);
		expect(p && !('wait' in p)).toBe(true);
	});

	it('an out-of-turn authority waits, then may seal once the wait is over', async () => {
		const chain = await openChain(G3);
		// S[2]'s own turn is next after this one, so it waits longest (see poa.ts plan).
		const p = chain.propose(S[2], [], T0 + 2000);
		expect(p && 'wait' in p).toBe(true);
		const wait = (p as { wait: number }).wait;
		expect(wait).toBeGreaterThan(T0 + 2000);
		const q = chain.propose(S[2], [], wait);
		expect(q !== null && !('wait' in q)).toBe(true);
		if (!q || 'wait' in q) return;
		expect(q.block.header.seal).toEqual({ difficulty: 1 });
		expect((await add(chain, q.block)).status).toBe('head');
	});

	it('a non-authority may not seal, nor an authority that sealed the previous block', async () => {
		const chain = await openChain(G3);
		expect(chain.propose(outsider, [], T0 + 2000)).toBeNull();
		await add(chain, proposeAt(chain, S[1], [], T0 + 2000).block);
		expect(chain.propose(S[1], [], T0 + 3000)).toBeNull();
	});
});

/* ------------------------------------------------------------------ */
/* Fork choice, reorganisation, finality                               */
/* ------------------------------------------------------------------ */

describe('chain: fork choice and reorganisation (three authorities)', () => {
	it('a heavier branch wins: reorg to it and back, with state, index and proofs following, equal to a fresh replay', async () => {
		const chain = await openChain(G3);
		const bx = await openChain(G3);
		const by = await openChain(G3);
		// Branch X: S[0] out of turn at height 1 (weight 1), then S[2] in turn at height 2 (weight 2).
		const joinDave = makeTx(chain, dave, 0, 'member.join', { name: 'dave' }, { fee: 7 });
		const shared = makeTx(chain, erin, 0, 'member.join', { name: 'erin' }, { fee: 1 });
		const x1 = proposeAt(bx, S[0], [joinDave, shared], T0 + 2000).block;
		await add(bx, x1);
		const davePost = makeTx(chain, dave, 1, 'post', { text: 'on x' }, { fee: 3 });
		const x2 = proposeAt(bx, S[2], [davePost], x1.header.time + 1000).block;
		// Branch Y: S[1] in turn at height 1 (weight 2), with erin's join in another position.
		const erinPost = makeTx(chain, erin, 1, 'post', { text: 'on y' }, { fee: 4 });
		const y1 = proposeAt(by, S[1], [shared, erinPost], T0 + 2000).block;

		const r1 = await add(chain, x1);
		expect(r1.status).toBe('head');
		expect(chain.findTx(txIdHex(joinDave))?.block.hash).toBe(blockHashHex(x1.header));

		// Y1 outweighs X1 (2 > 1): reorganise.
		const r2 = await add(chain, y1);
		expect(r2.status).toBe('head');
		if (r2.status !== 'head') return;
		expect(r2.undone.map((n) => n.hash)).toEqual([blockHashHex(x1.header)]);
		expect(r2.applied.map((n) => n.hash)).toEqual([blockHashHex(y1.header)]);
		expect(chain.head.hash).toBe(blockHashHex(y1.header));
		expect(snapshot(chain)).toEqual(snapshot(await replay(G3, [y1])));
		expect(chain.findTx(txIdHex(joinDave))).toBeUndefined();
		expect(isMember(chain.state, hex(dave))).toBe(false);
		expect(chain.findTx(txIdHex(shared))).toMatchObject({ index: 0 });
		expect(chain.findTx(txIdHex(erinPost))?.block.hash).toBe(blockHashHex(y1.header));
		expect(getAccount(chain.state, AUTH_HEX[1]!).balance).toBe(5);

		// X2 makes X heavier again (1 + 2 > 2): back to X.
		const r3 = await add(chain, x2);
		expect(r3.status).toBe('head');
		if (r3.status !== 'head') return;
		expect(r3.undone.map((n) => n.hash)).toEqual([blockHashHex(y1.header)]);
		expect(r3.applied.map((n) => n.hash)).toEqual([blockHashHex(x1.header), blockHashHex(x2.header)]);
		expect(snapshot(chain)).toEqual(snapshot(await replay(G3, [x1, x2])));
		expect(chain.findTx(txIdHex(erinPost))).toBeUndefined();
		// The transaction in both branches now points into X1, at its position there.
		const loc = chain.findTx(txIdHex(shared));
		expect(loc?.block.hash).toBe(blockHashHex(x1.header));
		expect(loc?.index).toBe(1);
		const proof = chain.txProof(txIdHex(shared));
		expect(proof && verifyInclusion(encodeTx(shared), proof.proof, x1.header.txRoot)).toBe(true);
		expect(proof && verifyInclusion(encodeTx(shared), proof.proof, y1.header.txRoot)).toBe(false);
		expect(getAccount(chain.state, AUTH_HEX[0]!).balance).toBe(8);
		expect(getAccount(chain.state, AUTH_HEX[2]!).balance).toBe(3);
		expect(getAccount(chain.state, AUTH_HEX[1]!).balance).toBe(0);
		expect(chain.blockAt(1)?.hash).toBe(blockHashHex(x1.header));
		// X1 is now final (sealed by S[0], with S[2] on top), so Y1, which split below it, is forgotten.
		expect(chain.finalized.hash).toBe(blockHashHex(x1.header));
		expect(chain.node(blockHashHex(y1.header))).toBeUndefined();
	});

	it('a side block that does not outweigh the head leaves everything as it was', async () => {
		const chain = await openChain(G3);
		const heavy = emptyChild(chain.chainId, G3.header, S[1], { authorities: AUTH_HEX });
		await add(chain, heavy);
		const before = snapshot(chain);
		const light = emptyChild(chain.chainId, G3.header, S[0], { authorities: AUTH_HEX });
		const r = await add(chain, light);
		expect(r.status).toBe('side');
		expect(snapshot(chain)).toEqual(before);
		expect(chain.node(blockHashHex(light.header))).toBeDefined();
	});

	it('property: equal weights go to the lower block hash, whatever the arrival order; a heavier block beats both', async () => {
		const chain0 = await openChain(G3);
		const id = chain0.chainId;
		// Weight-1 candidates at height 1 (S[0] and S[2] are out of turn), in several versions each.
		const light: Block[] = [];
		for (const k of [S[0], S[2]]) for (const dt of [1000, 1500, 2000]) light.push(emptyChild(id, G3.header, k, { authorities: AUTH_HEX, time: T0 + dt }));
		const heavy = emptyChild(id, G3.header, S[1], { authorities: AUTH_HEX, time: T0 + 1200 });
		const verifiedBlocks = new Map<Block, Awaited<ReturnType<typeof verified>>>();
		for (const b of [...light, heavy]) verifiedBlocks.set(b, await verified(b));
		const lowest = (bs: Block[]): Hex => bs.map((b) => blockHash(b.header)).sort(compareBytes).map(toHex)[0]!;
		const genesis = await verified(G3);

		await fc.assert(
			fc.asyncProperty(fc.shuffledSubarray(light, { minLength: 2 }), fc.boolean(), fc.nat(), async (subset, withHeavy, at) => {
				const order = [...subset];
				if (withHeavy) order.splice(at % (order.length + 1), 0, heavy);
				const chain = Chain.open(genesis);
				for (const b of order) chain.add(verifiedBlocks.get(b)!, LATER);
				expect(chain.head.hash).toBe(withHeavy ? blockHashHex(heavy.header) : lowest(subset));
				expect(chain.height).toBe(1);
			}),
			{ numRuns: 60 }
		);
	});

	it('a tie between branches of different lengths also goes to the lower hash', async () => {
		const chain = await openChain(G3);
		const id = chain.chainId;
		const p1 = emptyChild(id, G3.header, S[1], { authorities: AUTH_HEX }); // weight 2
		const q1 = emptyChild(id, G3.header, S[0], { authorities: AUTH_HEX }); // weight 1
		const q2 = emptyChild(id, q1.header, S[1], { authorities: AUTH_HEX }); // out of turn at 2: weight 1, total 2
		expect(q2.header.seal).toEqual({ difficulty: 1 });
		await add(chain, p1);
		expect((await add(chain, q1)).status).toBe('side');
		const r = await add(chain, q2);
		const winner = compareBytes(blockHash(p1.header), blockHash(q2.header)) < 0 ? p1 : q2;
		expect(chain.head.hash).toBe(blockHashHex(winner.header));
		expect(r.status).toBe(winner === q2 ? 'head' : 'side');
	});

	it('a deeper reorganisation (five authorities) undoes two blocks and equals a fresh replay of the winner', async () => {
		const five = keys(5, 40);
		const T = [...five].sort((x, y) => compareBytes(x.publicKey, y.publicKey)) as KeyPair[];
		const G5 = poaGenesis(five, { allocations: [{ key: dave.publicKey, amount: 100 }, { key: erin.publicKey, amount: 100 }] });
		const chain = await openChain(G5);
		const bm = await openChain(G5);
		const bs = await openChain(G5);
		// Main: T0 out of turn at 1 (weight 1), T2 in turn at 2 (weight 2): total 3.
		const m1 = proposeAt(bm, T[0]!, [makeTx(chain, dave, 0, 'member.join', { name: 'dave' }, { fee: 10 })], T0 + 2000).block;
		await add(bm, m1);
		const m2 = proposeAt(bm, T[2]!, [makeTx(chain, dave, 1, 'post', { text: 'main' }, { fee: 10 })], m1.header.time + 1000).block;
		// Side: T1 in turn at 1, T2 in turn at 2: total 4.
		const s1 = proposeAt(bs, T[1]!, [makeTx(chain, erin, 0, 'member.join', { name: 'erin' }, { fee: 20 })], T0 + 2000).block;
		await add(bs, s1);
		const s2 = proposeAt(bs, T[2]!, [makeTx(chain, erin, 1, 'post', { text: 'side' }, { fee: 20 })], s1.header.time + 1000).block;
		await add(bs, s2);
		const s3 = proposeAt(bs, T[3]!, [], s2.header.time + 1000).block;

		await add(chain, m1);
		await add(chain, m2);
		expect(chain.finalized.height).toBe(0);
		expect((await add(chain, s1)).status).toBe('side');
		const r = await add(chain, s2);
		expect(r.status).toBe('head');
		if (r.status !== 'head') return;
		expect(r.undone.map((n) => n.height)).toEqual([1, 2]);
		expect(r.applied.map((n) => n.height)).toEqual([1, 2]);
		expect(snapshot(chain)).toEqual(snapshot(await replay(G5, [s1, s2])));
		expect(isMember(chain.state, hex(dave))).toBe(false);
		expect(getAccount(chain.state, hex(dave)).balance).toBe(100);
		// Finality with five authorities needs three distinct signers.
		expect(chain.finalized.height).toBe(0);
		await add(chain, s3);
		expect(chain.finalized.height).toBe(1);
		expect(chain.finalized.hash).toBe(blockHashHex(s1.header));
		// The losing branch split below the finalized block and is forgotten.
		expect(chain.node(blockHashHex(m1.header))).toBeUndefined();
		expect(snapshot(chain)).toEqual(snapshot(await replay(G5, [s1, s2, s3])));
	});

	it('replaying the canonical blocks into a fresh chain reproduces every state root', async () => {
		const chain = await openChain(G3);
		let now = T0 + 2000;
		const blocks: Block[] = [];
		for (let h = 1; h <= 6; h++) {
			const proposer = S[h % 3]!;
			const txs = h === 1 ? [makeTx(chain, dave, 0, 'member.join', { name: 'dave' }, { fee: 3 })] : [makeTx(chain, dave, h - 1, 'post', { text: `post ${h}` }, { fee: h })];
			const { block, now: t } = proposeAt(chain, proposer, txs, now);
			await add(chain, block);
			blocks.push(block);
			now = t + 1000;
		}
		const fresh = await replay(G3, blocks);
		expect(snapshot(fresh)).toEqual(snapshot(chain));
	});
});

describe('chain: finality', () => {
	it('with three authorities, a block is final once two distinct authorities sealed it or blocks on top of it', async () => {
		const chain = await openChain(G3);
		const id = chain.chainId;
		const x1 = emptyChild(id, G3.header, S[1], { authorities: AUTH_HEX });
		const side = emptyChild(id, G3.header, S[0], { authorities: AUTH_HEX });
		await add(chain, x1);
		await add(chain, side);
		expect(chain.finalized.height).toBe(0);
		const x2 = emptyChild(id, x1.header, S[2], { authorities: AUTH_HEX });
		await add(chain, x2);
		expect(chain.finalized.height).toBe(1);
		expect(chain.finalized.hash).toBe(blockHashHex(x1.header));
		// The side block split below the finalized block: forgotten, and cannot come back.
		expect(chain.node(blockHashHex(side.header))).toBeUndefined();
		const before = snapshot(chain);
		await expectAgoraErrorAsync(() => add(chain, side), 'E_BLOCK_FINALITY', 'header.parent');
		// Nor can any new block below the finalized one.
		const below = emptyChild(id, G3.header, S[2], { authorities: AUTH_HEX, time: T0 + 5000 });
		await expectAgoraErrorAsync(() => add(chain, below), 'E_BLOCK_FINALITY', 'header.parent');
		expect(snapshot(chain)).toEqual(before);
		// A block on the finalized block itself is still allowed (a sibling of the head).
		const sibling = emptyChild(id, x1.header, S[0], { authorities: AUTH_HEX });
		expect((await add(chain, sibling)).status).toBe('side');
		// And the chain goes on.
		const x3 = emptyChild(id, x2.header, S[0], { authorities: AUTH_HEX });
		expect((await add(chain, x3)).status).toBe('head');
		expect(chain.finalized.height).toBe(2);
	});

	it('with one authority every block is final at once', async () => {
		const founder = key(0);
		const chain = await openChain(genesisFor(founder));
		const b1 = emptyChild(chain.chainId, chain.genesis.header, founder);
		await add(chain, b1);
		expect(chain.finalized.height).toBe(1);
	});

	it('property: the recent-signer rule and finality follow the Clique rules for 1 to 5 authorities', async () => {
		const geneses = new Map<number, { genesis: Block; sorted: KeyPair[] }>();
		for (let n = 1; n <= 5; n++) {
			const ks = keys(n, 50);
			geneses.set(n, { genesis: poaGenesis(ks), sorted: [...ks].sort((x, y) => compareBytes(x.publicKey, y.publicKey)) });
		}
		await fc.assert(
			fc.asyncProperty(fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.nat({ max: n - 1 }), { minLength: 1, maxLength: 8 }))), async ([n, picks]) => {
				const { genesis, sorted } = geneses.get(n)!;
				const auths = sorted.map((k) => toHex(k.publicKey));
				const chain = Chain.open(await verified(genesis));
				const limit = Math.floor(n / 2);
				const need = limit + 1;
				const sealers: number[] = [];
				let finalized = 0;
				for (const pick of picks) {
					const block = emptyChild(chain.chainId, chain.head.header, sorted[pick]!, { authorities: auths });
					const recent = sealers.slice(Math.max(0, sealers.length - limit));
					const vb = await verified(block);
					if (recent.includes(pick)) {
						expectAgoraError(() => chain.add(vb, LATER), 'E_BLOCK_SEAL', 'header.proposer');
						continue;
					}
					expect(chain.add(vb, LATER).status).toBe('head');
					sealers.push(pick);
					// Final: the highest height whose block and the blocks above it have `need` distinct sealers.
					const seen = new Set<number>();
					for (let i = sealers.length - 1; i >= 0; i--) {
						seen.add(sealers[i]!);
						if (seen.size >= need) {
							finalized = Math.max(finalized, i + 1);
							break;
						}
					}
					expect(chain.finalized.height).toBe(finalized);
				}
				expect(chain.height).toBe(sealers.length);
			}),
			{ numRuns: 60 }
		);
	});

	it('an authority may not seal two of any floor(n/2)+1 consecutive blocks: n = 3 rejects a repeat at once', async () => {
		const chain = await openChain(G3);
		const b1 = emptyChild(chain.chainId, G3.header, S[1], { authorities: AUTH_HEX });
		await add(chain, b1);
		const again = emptyChild(chain.chainId, b1.header, S[1], { authorities: AUTH_HEX });
		await expectAgoraErrorAsync(() => add(chain, again), 'E_BLOCK_SEAL', 'header.proposer');
		const other = emptyChild(chain.chainId, b1.header, S[0], { authorities: AUTH_HEX });
		expect((await add(chain, other)).status).toBe('head');
		const back = emptyChild(chain.chainId, other.header, S[1], { authorities: AUTH_HEX });
		expect((await add(chain, back)).status).toBe('head');
	});
});

/* ------------------------------------------------------------------ */
/* Sync helpers                                                        */
/* ------------------------------------------------------------------ */

describe('chain: locator and blocksAfter', () => {
	const founder = key(0);
	async function longChain(n: number): Promise<{ chain: Chain; blocks: Block[] }> {
		const chain = await openChain(genesisFor(founder));
		const blocks: Block[] = [chain.genesis.block];
		for (let h = 1; h <= n; h++) {
			const b = emptyChild(chain.chainId, chain.head.header, founder);
			await add(chain, b);
			blocks.push(b);
		}
		return { chain, blocks };
	}

	it('the locator lists the head, the ten before it, then doubling steps back, ending at genesis', async () => {
		const { chain, blocks } = await longChain(15);
		const heights = chain.locator().map((h) => blocks.findIndex((b) => blockHashHex(b.header) === h));
		expect(heights).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 0]);
	});

	it('the locator of a chain at genesis is the genesis hash alone', async () => {
		const chain = await openChain(genesisFor(founder));
		expect(chain.locator()).toEqual([chain.genesis.hash]);
	});

	it('blocksAfter returns the canonical blocks after the first shared hash, oldest first, at most max', async () => {
		const { chain, blocks } = await longChain(15);
		const hashOf = (h: number): Hex => blockHashHex(blocks[h]!.header);
		expect(chain.blocksAfter([hashOf(7)], 3)).toEqual(blocks.slice(8, 11));
		expect(chain.blocksAfter([hashOf(15)], 3)).toEqual([]);
		// Unknown hashes are skipped; the first known one counts.
		expect(chain.blocksAfter(['00'.repeat(32), hashOf(12), hashOf(3)], 10)).toEqual(blocks.slice(13));
		// A peer with nothing in common gets everything from genesis.
		expect(chain.blocksAfter(['ff'.repeat(32)], 2)).toEqual(blocks.slice(0, 2));
		expect(chain.blocksAfter([], 100)).toEqual(blocks);
	});

	it('a peer that is behind gets exactly the blocks it misses, from its own locator', async () => {
		const { chain, blocks } = await longChain(15);
		const peer = await openChain(genesisFor(founder));
		for (const b of blocks.slice(1, 6)) await add(peer, b);
		const missing = chain.blocksAfter(peer.locator(), 100);
		expect(missing).toEqual(blocks.slice(6));
		for (const b of missing) expect((await add(peer, b)).status).toBe('head');
		expect(peer.head.hash).toBe(chain.head.hash);
	});

	it('a hash on a side branch is not a shared point', async () => {
		const chain = await openChain(G3);
		const id = chain.chainId;
		const a1 = emptyChild(id, G3.header, S[1], { authorities: AUTH_HEX });
		const b1 = emptyChild(id, G3.header, S[0], { authorities: AUTH_HEX });
		await add(chain, a1);
		await add(chain, b1);
		expect(chain.isCanonical(chain.node(blockHashHex(b1.header))!)).toBe(false);
		expect(chain.blocksAfter([blockHashHex(b1.header)], 10)).toEqual([G3, a1]);
	});
});

describe('chain: opening', () => {
	it('Chain.open takes a verified genesis; the chain id is its hash and the head is genesis', async () => {
		const chain = await openChain(G3);
		expect(chain.chainIdHex).toBe(blockHashHex(G3.header));
		expect(chain.head).toBe(chain.genesis);
		expect(chain.finalized).toBe(chain.genesis);
		expect(chain.blockAt(0)).toBe(chain.genesis);
		expect(chain.params).toEqual({ ...DEFAULT_PARAMS, maxBlockTxs: 2, maxBlockBytes: 1024 });
	});

	it('a genesis block with a bad signature does not verify', async () => {
		const bad = { ...G3, header: signHeader({ ...G3.header }, outsider) };
		const forged = { ...G3, header: { ...G3.header, sig: bad.header.sig } };
		await expectAgoraErrorAsync(() => verified(forged), 'E_BLOCK_SIGNATURE', 'header.sig');
	});
});
