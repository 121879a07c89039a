/**
 * Equivocation evidence: a double vote becomes valid evidence, recorded once
 * per offender and height, with the penalty of each engine; one test per
 * way evidence can fail to prove anything.
 */
import { describe, expect, it } from 'vitest';
import type { Chain } from '../../../../src/lib/core/chain.js';
import { compareBytes } from '../../../../src/lib/core/bytes.js';
import type { ErrorCode } from '../../../../src/lib/core/errors.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import type { Block } from '../../../../src/lib/core/block/block.js';
import { fbaVoting, getValidators } from '../../../../src/lib/core/consensus/fba.js';
import { posVoting } from '../../../../src/lib/core/consensus/pos.js';
import { EVIDENCE_KIND, getEvidence, listEvidence } from '../../../../src/lib/core/state/consensus.js';
import { getAccount, getStakers, totalStake, TREASURY } from '../../../../src/lib/core/state/accounts.js';
import { signTx, txIdHex, txToTuple, type Tx } from '../../../../src/lib/core/tx/tx.js';
import { expectAgoraError, expectAgoraErrorAsync, key, keys, makeTx, openChain, poaGenesis, T0, verified } from '../../../helpers/community.js';
import { evidenceTx, fbaGenesis, hexOf, keyOf, posGenesis, proposeNext, rejection, roundChild, roundProposer, sealNext, voteTx } from '../../../helpers/engines.js';

const LATER = T0 + 10_000_000;
const V = keys(4, 90).sort((a, b) => compareBytes(a.publicKey, b.publicKey)) as [KeyPair, KeyPair, KeyPair, KeyPair];
const outsider = key(99);

interface Setup {
	readonly chain: Chain;
	readonly validators: readonly KeyPair[];
	/** Block 1 on the head's branch and a competing block 1. */
	readonly b1: Block;
	readonly side: Block;
	/** The offender's votes for each of them. */
	readonly a: Tx;
	readonly b: Tx;
	now: number;
}

/** Block 1, a rival block 1 (round 1), and V[0]'s votes for both: a double vote. */
async function doubleVote(chain: Chain, validators: readonly KeyPair[]): Promise<Setup> {
	const { block: b1, now } = await sealNext(chain, validators, [], T0);
	const parent = chain.genesis.header;
	const side = roundChild(chain.chainId, parent, keyOf(validators, roundProposer(chain.engine.name as 'pos' | 'fba', chain.state, parent, 1)), 1, { time: T0 + 1000 });
	expect(chain.add(await verified(side), LATER).status).toBe('side');
	const offender = validators[0]!;
	return { chain, validators, b1, side, a: voteTx(chain, offender, 0, 1, b1.header), b: voteTx(chain, offender, 0, 1, side.header), now };
}

/** Four FBA validators and a member that is not one. */
async function fbaSetup(): Promise<Setup> {
	return doubleVote(await openChain(fbaGenesis(V, { members: [...V, outsider].map((k, i) => ({ key: k.publicKey, name: `m${i}` })) })), V);
}

async function record(s: Setup, tx: Tx): Promise<Block> {
	const { block, now } = await sealNext(s.chain, s.validators, [tx], s.now);
	s.now = now;
	return block;
}

describe('evidence: a double vote', () => {
	it('under FBA is recorded once and removes the offender from the validator set from the next block', async () => {
		const s = await fbaSetup();
		const offender = hexOf(V[0]);
		const block = await record(s, evidenceTx(s.chain, V[1], 0, s.a, s.b));
		expect(getEvidence(s.chain.state, offender, 1)).toEqual({ offender, height: 1, a: txIdHex(s.a), b: txIdHex(s.b), recorded: block.header.height, penalized: true });
		expect(listEvidence(s.chain.state)).toHaveLength(1);
		expect(getValidators(s.chain.state)).toEqual(V.slice(1).map(hexOf));
		expect(s.chain.canSeal(offender)).toBe(false);
		expect(s.chain.propose(V[0], [], LATER)).toBeNull();
		// A block it seals is refused, whatever the round.
		const forged = await verified(roundChild(s.chain.chainId, s.chain.head.header, V[0], 0, { time: s.chain.head.header.time + 1 }));
		expectAgoraError(() => s.chain.add(forged, LATER), 'E_BLOCK_PROPOSER', 'header.proposer');
		// Nor may it vote any more.
		const vote = rejection(s.chain, s.validators.slice(1), voteTx(s.chain, V[0], 0, 1, s.b1.header), s.now);
		expect({ code: vote.code, field: vote.field }).toEqual({ code: 'E_TX_NOT_ALLOWED', field: 'from' });
	});

	it('under PoS costs the offender its whole stake, which goes to the treasury, and its place among the stakers', async () => {
		const stakes = [100, 200, 300, 400];
		const chain = await openChain(posGenesis(V.map((k, i) => [k, stakes[i]!] as const), 50));
		const s = await doubleVote(chain, V);
		const offender = hexOf(V[0]);
		const before = { total: totalStake(chain.state), treasury: getAccount(chain.state, TREASURY).balance };
		await record(s, evidenceTx(chain, V[2], 0, s.a, s.b));
		expect(getAccount(chain.state, offender).stake).toBe(0);
		expect(getAccount(chain.state, TREASURY).balance).toBe(before.treasury + 100);
		expect(totalStake(chain.state)).toBe(before.total - 100);
		expect(getStakers(chain.state)).not.toContain(offender);
		expect(posVoting.validators(chain.state).map((v) => v.key)).not.toContain(offender);
		expect(chain.canSeal(offender)).toBe(false);
		expect(getEvidence(chain.state, offender, 1)?.penalized).toBe(true);
	});

	it('the same double vote, in either order, is recorded only once', async () => {
		const s = await fbaSetup();
		await record(s, evidenceTx(s.chain, V[1], 0, s.a, s.b));
		for (const [x, y] of [
			[s.a, s.b],
			[s.b, s.a]
		] as const) {
			const e = rejection(s.chain, s.validators.slice(1), evidenceTx(s.chain, V[2], 0, x, y), s.now);
			expect({ code: e.code, field: e.field }).toEqual({ code: 'E_TX_DUPLICATE', field: 'body' });
		}
	});

	it('against the last validator it is recorded but takes nothing away: removing it would stop the chain for good', async () => {
		const chain = await openChain(fbaGenesis([V[0]]));
		const { block: b1, now } = await sealNext(chain, [V[0]], [], T0);
		const a = voteTx(chain, V[0], 0, 1, b1.header);
		const b = voteTx(chain, V[0], 0, 1, new Uint8Array(32).fill(3));
		await sealNext(chain, [V[0]], [evidenceTx(chain, V[0], 0, a, b)], now);
		expect(getEvidence(chain.state, hexOf(V[0]), 1)?.penalized).toBe(false);
		expect(fbaVoting.isValidator(chain.state, hexOf(V[0]))).toBe(true);
	});
});

describe('evidence: what does not prove a double vote', () => {
	const other = new Uint8Array(32).fill(0x42);
	type Make = (s: Setup) => Tx;
	const ev = (s: Setup, a: Tx | unknown, b: Tx | unknown): Tx =>
		makeTx(s.chain, V[1], 0, EVIDENCE_KIND, { a: isTx(a) ? txToTuple(a) : (a as never), b: isTx(b) ? txToTuple(b) : (b as never) });
	const isTx = (x: unknown): x is Tx => typeof x === 'object' && x !== null && 'sig' in x;

	const rules: Array<[string, Make, ErrorCode, string]> = [
		['votes from two validators', (s) => ev(s, s.a, voteTx(s.chain, V[2], 0, 1, s.side.header)), 'E_TX_EVIDENCE', 'body.b.from'],
		['votes for two heights', (s) => ev(s, s.a, voteTx(s.chain, V[0], 0, 2, s.side.header)), 'E_TX_EVIDENCE', 'body.b.body.height'],
		['two votes for the same block', (s) => ev(s, s.a, voteTx(s.chain, V[0], 5, 1, s.b1.header)), 'E_TX_EVIDENCE', 'body.b.body.block'],
		['one vote twice', (s) => ev(s, s.a, s.a), 'E_TX_EVIDENCE', 'body.b.body.block'],
		['a transaction that is not a vote', (s) => ev(s, s.a, makeTx(s.chain, V[0], 0, 'post', { text: 'hi' })), 'E_TX_EVIDENCE', 'body.b.kind'],
		['something that is not a transaction', (s) => ev(s, s.a, [1, 2, 3]), 'E_SCHEMA', 'body.b'],
		['a vote with a malformed body', (s) => ev(s, makeTx(s.chain, V[0], 0, 'consensus.vote', { height: 1 }), s.b), 'E_SCHEMA', 'body.a.body.block'],
		['a first vote signed for another chain', (s) => ev(s, voteTx(other, V[0], 0, 1, s.b1.header), s.b), 'E_TX_CHAIN', 'body.a.chain'],
		['a second vote signed for another chain', (s) => ev(s, s.a, voteTx(other, V[0], 0, 1, s.side.header)), 'E_TX_CHAIN', 'body.b.chain'],
		['a double vote by a key that is no validator', (s) => ev(s, voteTx(s.chain, outsider, 0, 1, s.b1.header), voteTx(s.chain, outsider, 0, 1, s.side.header)), 'E_TX_EVIDENCE', 'body.a.from'],
		['a body with a third field', (s) => makeTx(s.chain, V[1], 0, EVIDENCE_KIND, { a: txToTuple(s.a), b: txToTuple(s.b), c: 1 }), 'E_SCHEMA', 'body.c']
	];

	it.each(rules)('%s is rejected', async (_name, make, code, field) => {
		const s = await fbaSetup();
		const e = rejection(s.chain, s.validators, make(s), s.now);
		expect({ code: e.code, field: e.field }, e.message).toEqual({ code, field });
	});

	it('a forged vote inside the evidence fails the block in the signature batch', async () => {
		const s = await fbaSetup();
		const { sig: _sig, ...unsigned } = s.b;
		const forged = { ...s.b, sig: signTx(unsigned, V[1]).sig };
		const { proposal } = proposeNext(s.chain, s.validators, [evidenceTx(s.chain, V[1], 0, s.a, forged)], s.now);
		expect(proposal.block.txs).toHaveLength(1);
		const e = await expectAgoraErrorAsync(() => verified(proposal.block), 'E_TX_SIGNATURE', 'txs[0].body');
		expect(e.value).toBe(1);
	});

	it('proof of authority takes no evidence: it has no votes', async () => {
		const chain = await openChain(poaGenesis([V[0], V[1]]));
		const { block: b1, now } = await sealNext(chain, [V[0], V[1]], [], T0);
		const a = voteTx(chain, V[0], 0, 1, b1.header);
		const b = voteTx(chain, V[0], 0, 1, new Uint8Array(32).fill(3));
		const e = rejection(chain, [V[0], V[1]], evidenceTx(chain, V[1], 0, a, b), now);
		expect({ code: e.code, field: e.field }).toEqual({ code: 'E_TX_NOT_ALLOWED', field: 'kind' });
	});
});
