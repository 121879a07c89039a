/**
 * A validator's own duties under an engine that counts votes (FBA here, two
 * validators): one vote per new head, never two at one height, dead votes
 * let go so their nonce is reused, a double vote reported once; and the
 * rules by which any node tells a vote or evidence that can no longer be
 * recorded.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { compareBytes, fromHex, toHex } from '../../../src/lib/core/bytes.js';
import type { Chain } from '../../../src/lib/core/chain.js';
import type { KeyPair } from '../../../src/lib/core/keys.js';
import type { Block } from '../../../src/lib/core/block/block.js';
import { EVIDENCE_KIND, listEvidence, readVote, VOTE_KIND } from '../../../src/lib/core/state/consensus.js';
import { signTx, txId, txToTuple, type Tx } from '../../../src/lib/core/tx/tx.js';
import { isDeadConsensusTx, ValidatorDuties } from '../../../src/worker/validator.js';
import { genesisFor, key, openChain, T0, verified } from '../../helpers/community.js';

/** Sorted by public key, as the engine sorts them: the proposer of round r at height h is VALIDATORS[(h + r) % 2]. */
const VALIDATORS = [key(40), key(41)].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
const [A, B] = VALIDATORS as [KeyPair, KeyPair];
const MEMBER = key(42);
/** The receiving node's clock: late enough that no block here is in its future. */
const LATER = T0 + 1_000_000;
/** When the validator acts: the head's time, so what it signs fits the next block. */
const now = (): number => chain.head.header.time;

let chain: Chain;
let published: Tx[];

function duties(keys: KeyPair, outbox: number[] = []): ValidatorDuties {
	return new ValidatorDuties({ chain: () => chain, keys: () => keys, now, outboxNonces: () => outbox, publish: (tx) => published.push(tx), log: () => {} });
}

function fbaGenesis(): Block {
	return genesisFor(A, {
		engine: { name: 'fba', validators: VALIDATORS.map((k) => k.publicKey) },
		members: [...VALIDATORS, MEMBER].map((k, i) => ({ key: k.publicKey, name: `m${i}` }))
	});
}

/**
 * Seals the next block on `on`'s head in `round` (0: its first proposer; 1: the other validator, a lighter
 * block) and adds it to the chain under test.
 */
async function seal(txs: Tx[] = [], round = 0, on: Chain = chain): Promise<Block> {
	const parent = on.head;
	const proposer = VALIDATORS[(parent.height + 1 + round) % 2]!;
	const p = on.propose(proposer, txs, parent.header.time + 1_000 * round + 1);
	if (!p || 'wait' in p) throw new Error(`cannot seal: ${JSON.stringify(p)}`);
	expect(p.rejected).toEqual([]);
	const block = await verified(p.block);
	if (on !== chain) on.add(block, LATER);
	chain.add(block, LATER);
	return p.block;
}

function vote(from: KeyPair, height: number, block: Uint8Array, nonce: number): Tx {
	return signTx({ chain: chain.chainId, from: from.publicKey, nonce, fee: 0, created: now(), expires: now() + 60_000, kind: VOTE_KIND, body: { height, block } }, from);
}

beforeEach(async () => {
	chain = await openChain(fbaGenesis());
	published = [];
});

describe('ValidatorDuties', () => {
	it('votes once for each new head', async () => {
		const d = duties(A);
		await seal();
		d.headChanged();
		d.headChanged();
		expect(published.map((tx) => [tx.kind, readVote(tx.body).height, toHex(readVote(tx.body).block), tx.nonce])).toEqual([[VOTE_KIND, 1, chain.head.hash, 0]]);
		await seal();
		d.headChanged();
		expect(published.map((tx) => [readVote(tx.body).height, tx.nonce])).toEqual([
			[1, 0],
			[2, 1]
		]);
		expect(d.pending()).toHaveLength(2);
	});

	it('takes a nonce none of the member\'s waiting transactions uses', async () => {
		const d = duties(A, [0, 2]);
		await seal();
		d.headChanged();
		expect(published[0]!.nonce).toBe(1);
	});

	it('never votes twice at one height, and lets go of a vote whose block lost, reusing its nonce', async () => {
		const d = duties(A);
		const lighter = await seal([], 1);
		d.headChanged();
		expect(toHex(readVote(published[0]!.body).block)).toBe(toHex(fromHex(chain.head.hash)));
		// The round-0 block at the same height, sealed on another node, weighs more and takes over.
		await seal([], 0, await openChain(fbaGenesis()));
		expect(chain.head.block).not.toBe(lighter);
		d.headChanged();
		expect(published).toHaveLength(1);
		expect(d.pending()).toEqual([]);
		await seal();
		d.headChanged();
		expect(published.map((tx) => [readVote(tx.body).height, tx.nonce])).toEqual([
			[1, 0],
			[2, 0]
		]);
	});

	it('lets go of its votes once they are recorded', async () => {
		const d = duties(A);
		await seal();
		d.headChanged();
		await seal(published.slice());
		d.headChanged();
		expect(d.pending().map((tx) => readVote(tx.body).height)).toEqual([2]);
	});

	it('does not vote as a member who is not a validator, nor under an engine without votes', async () => {
		await seal();
		duties(MEMBER).headChanged();
		expect(published).toEqual([]);
		chain = await openChain(genesisFor(A));
		const proposal = chain.propose(A, [signTx({ chain: chain.chainId, from: A.publicKey, nonce: 0, fee: 0, created: T0 + 1, expires: T0 + 60_000, kind: 'post', body: { text: 'hi' } }, A)], T0 + 1_000);
		chain.add(await verified((proposal as { block: Block }).block), LATER);
		duties(A).headChanged();
		expect(published).toEqual([]);
	});

	it('reports a validator that voted for two blocks at one height, once, with evidence the chain records', async () => {
		await seal();
		const d = duties(A);
		const x = vote(B, 1, fromHex(chain.head.hash), 0);
		const y = vote(B, 1, new Uint8Array(32).fill(7), 5);
		d.observe([x]);
		expect(published).toEqual([]);
		d.observe([y]);
		d.observe([vote(B, 1, new Uint8Array(32).fill(8), 6)]);
		expect(published.map((tx) => tx.kind)).toEqual([EVIDENCE_KIND]);
		// The two votes in id order, so every reporter makes the same evidence.
		const [a, b] = compareBytes(txId(x), txId(y)) < 0 ? [x, y] : [y, x];
		expect(published[0]!.body).toEqual({ a: txToTuple(a), b: txToTuple(b) });
		await seal(published.slice());
		expect(listEvidence(chain.state).map((e) => e.offender)).toEqual([toHex(B.publicKey)]);
	});

	it('does not report its own votes, nor as a member who is not a validator', async () => {
		await seal();
		duties(A).observe([vote(A, 1, fromHex(chain.head.hash), 0), vote(A, 1, new Uint8Array(32).fill(7), 1)]);
		duties(MEMBER).observe([vote(B, 1, fromHex(chain.head.hash), 0), vote(B, 1, new Uint8Array(32).fill(7), 1)]);
		expect(published).toEqual([]);
	});
});

describe('isDeadConsensusTx', () => {
	it('a vote for the canonical block at a height not yet final lives', async () => {
		await seal();
		expect(isDeadConsensusTx(chain, vote(A, 1, fromHex(chain.head.hash), 0))).toBe(false);
	});

	it('a vote for another block than the canonical one is dead', async () => {
		await seal();
		expect(isDeadConsensusTx(chain, vote(A, 1, new Uint8Array(32).fill(7), 0))).toBe(true);
	});

	it('a vote by someone who is not a validator is dead', async () => {
		await seal();
		expect(isDeadConsensusTx(chain, vote(MEMBER, 1, fromHex(chain.head.hash), 0))).toBe(true);
	});

	it('a vote by a validator already counted at that height on this branch is dead', async () => {
		await seal();
		const first = vote(A, 1, fromHex(chain.head.hash), 0);
		await seal([first]);
		expect(isDeadConsensusTx(chain, vote(A, 1, fromHex(chain.blockAt(1)!.hash), 1))).toBe(true);
	});

	it('a vote for a height that is final is dead', async () => {
		await seal();
		const h1 = fromHex(chain.head.hash);
		await seal([vote(A, 1, h1, 0), vote(B, 1, h1, 0)]);
		expect(chain.finalized.height).toBe(1);
		expect(isDeadConsensusTx(chain, vote(B, 1, h1, 1))).toBe(true);
	});

	it('evidence against a validator lives; once it is recorded, more evidence against that validator is dead', async () => {
		await seal();
		const body = { a: txToTuple(vote(B, 1, fromHex(chain.head.hash), 0)), b: txToTuple(vote(B, 1, new Uint8Array(32).fill(7), 1)) };
		const evidence = signTx({ chain: chain.chainId, from: A.publicKey, nonce: 0, fee: 0, created: now(), expires: now() + 60_000, kind: EVIDENCE_KIND, body }, A);
		expect(isDeadConsensusTx(chain, evidence)).toBe(false);
		await seal([evidence]);
		expect(isDeadConsensusTx(chain, { ...evidence, nonce: 1 })).toBe(true);
	});

	it('other transactions are never judged dead here', async () => {
		await seal();
		expect(isDeadConsensusTx(chain, signTx({ chain: chain.chainId, from: A.publicKey, nonce: 0, fee: 0, created: now(), expires: now() + 1, kind: 'post', body: { text: 'x' } }, A))).toBe(false);
	});
});
