/**
 * Votes and finality by votes (PoS and FBA): exactly the > 2/3 boundary, one
 * test per vote rule, weights from the set that judged the block, votes per
 * branch, finality that no branch crosses, and pruning once final.
 */
import { describe, expect, it } from 'vitest';
import type { Chain } from '../../../../src/lib/core/chain.js';
import { compareBytes, toHex } from '../../../../src/lib/core/bytes.js';
import type { ErrorCode } from '../../../../src/lib/core/errors.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import { blockHashHex, type Block } from '../../../../src/lib/core/block/block.js';
import { getTally, getVote, isSupermajority, validatorsAt, votedFinality } from '../../../../src/lib/core/consensus/votes.js';
import { VOTE_KIND } from '../../../../src/lib/core/state/consensus.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import type { Tx } from '../../../../src/lib/core/tx/tx.js';
import { expectAgoraError, key, keys, makeTx, openChain, poaGenesis, T0, verified } from '../../../helpers/community.js';
import { fbaGenesis, hexOf, posGenesis, powGenesis, rejection, roundChild, sealNext, voteTx } from '../../../helpers/engines.js';

const LATER = T0 + 10_000_000;
const sorted = (ks: KeyPair[]): KeyPair[] => ks.sort((a, b) => compareBytes(a.publicKey, b.publicKey));
const V = sorted(keys(6, 80));
const member = key(89);

/** A chain and its clock, sealing with `validators`. */
interface Run {
	readonly chain: Chain;
	readonly validators: readonly KeyPair[];
	now: number;
	seal(txs?: readonly Tx[]): Promise<Block>;
	/** Votes by these validators for the block at `height` on the head's branch (their next nonces). */
	votes(voters: readonly KeyPair[], height: number): Tx[];
}

async function run(genesis: Block, validators: readonly KeyPair[]): Promise<Run> {
	const chain = await openChain(genesis);
	const r: Run = {
		chain,
		validators,
		now: T0,
		async seal(txs = []) {
			const { block, now } = await sealNext(chain, validators, txs, r.now);
			r.now = now;
			return block;
		},
		votes(voters, height) {
			return voters.map((k) => voteTx(chain, k, getAccount(chain.state, hexOf(k)).nonce, height, chain.blockAt(height)!.header));
		}
	};
	return r;
}

const fba = (n: number, extra = {}): Promise<Run> => run(fbaGenesis(V.slice(0, n), extra), V.slice(0, n));

describe('votes: the > 2/3 threshold', () => {
	it.each([
		[2, 3, false],
		[3, 3, true],
		[2, 4, false],
		[3, 4, true],
		[4, 6, false],
		[5, 6, true],
		[200, 300, false],
		[201, 300, true],
		[0, 0, false],
		[2 ** 52, 3 * 2 ** 51, false],
		[2 ** 52 + 1, 3 * 2 ** 51, true]
	])('%i of %i is a supermajority: %s', (weight, total, expected) => {
		expect(isSupermajority(weight, total)).toBe(expected);
	});

	it.each([3, 4, 6])('FBA with %i validators: votes from exactly 2/3 or fewer do not finalize, one more does', async (n) => {
		const r = await fba(n);
		const b1 = await r.seal();
		const need = Math.floor((2 * n) / 3) + 1;
		await r.seal(r.votes(V.slice(0, need - 1), 1));
		expect(getTally(r.chain.state, 1)).toEqual({ block: blockHashHex(b1.header), weight: need - 1 });
		expect(r.chain.finalized.height).toBe(0);
		await r.seal(r.votes(V.slice(need - 1, need), 1));
		expect(r.chain.finalized.height).toBe(1);
		expect(r.chain.finalized.hash).toBe(blockHashHex(b1.header));
		expect(votedFinality(r.chain.state)).toEqual({ height: 1, block: blockHashHex(b1.header) });
	});

	it('PoS: votes carrying exactly 2/3 of the stake do not finalize; one unit more does', async () => {
		const [a, b] = V as [KeyPair, KeyPair];
		const exact = await run(posGenesis([[a, 200], [b, 100]], 1), [a, b]);
		await exact.seal();
		await exact.seal(exact.votes([a], 1));
		expect(exact.chain.finalized.height).toBe(0);
		await exact.seal(exact.votes([b], 1));
		expect(exact.chain.finalized.height).toBe(1);

		const over = await run(posGenesis([[a, 201], [b, 100]], 1), [a, b]);
		await over.seal();
		await over.seal(over.votes([a], 1));
		expect(over.chain.finalized.height).toBe(1);
	});

	it('a final block finalizes its ancestors, and finality never goes back', async () => {
		const r = await fba(3);
		for (let i = 0; i < 3; i++) await r.seal();
		await r.seal(r.votes(V.slice(0, 3), 3));
		expect(r.chain.finalized.height).toBe(3);
		// A late vote for a final height is taken (the voter's nonce moves on) but counts for nothing.
		const late = r.votes([V[0]!], 2);
		const root = toHex(r.chain.state.root());
		await r.seal(late);
		expect(getAccount(r.chain.state, hexOf(V[0]!)).nonce).toBe(2);
		expect(r.chain.state.keys('c/tally/')).toEqual([]);
		expect(r.chain.state.keys('c/vote/')).toEqual([]);
		expect(toHex(r.chain.state.root())).not.toBe(root);
		expect(r.chain.finalized.height).toBe(3);
	});
});

describe('votes: every vote rule', () => {
	interface Ctx {
		readonly r: Run;
		/** Block 1 on the head's branch and a competing block 1 on a side branch. */
		readonly b1: Block;
		readonly side: Block;
	}
	/** Four validators and a member; blocks 1 and 2, V[0]'s vote for height 1 recorded in block 2. */
	async function setup(): Promise<Ctx> {
		const validators = V.slice(0, 4);
		const r = await run(fbaGenesis(validators, { members: [...validators, member].map((k, i) => ({ key: k.publicKey, name: `m${i}` })) }), validators);
		const g = r.chain.genesis.header;
		const b1 = await r.seal();
		const side = roundChild(r.chain.chainId, g, V[2]!, 1, { time: T0 + 1000 });
		expect(r.chain.add(await verified(side), LATER).status).toBe('side');
		await r.seal(r.votes([V[0]!], 1));
		return { r, b1, side };
	}
	const vote = (c: Ctx, voter: KeyPair, body: unknown): Tx => makeTx(c.r.chain, voter, getAccount(c.r.chain.state, hexOf(voter)).nonce, VOTE_KIND, body as never);

	const rules: Array<[string, (c: Ctx) => Tx, ErrorCode, string]> = [
		['a vote for a block on another branch', (c) => voteTx(c.r.chain, V[1]!, 0, 1, c.side.header), 'E_TX_NOT_ALLOWED', 'body.block'],
		['a vote for a block that does not exist', (c) => voteTx(c.r.chain, V[1]!, 0, 1, new Uint8Array(32).fill(9)), 'E_TX_NOT_ALLOWED', 'body.block'],
		['a vote at the height of the block recording it', (c) => voteTx(c.r.chain, V[1]!, 0, 3, new Uint8Array(32).fill(9)), 'E_TX_NOT_ALLOWED', 'body.height'],
		['a vote above that height', (c) => voteTx(c.r.chain, V[1]!, 0, 7, c.b1.header), 'E_TX_NOT_ALLOWED', 'body.height'],
		['a second vote by one validator at one height', (c) => voteTx(c.r.chain, V[0]!, 1, 1, c.b1.header), 'E_TX_DUPLICATE', 'body.height'],
		['a vote by a member that is not a validator', (c) => voteTx(c.r.chain, member, 0, 1, c.b1.header), 'E_TX_NOT_ALLOWED', 'from'],
		['a vote for height 0', (c) => vote(c, V[1]!, { height: 0, block: c.r.chain.genesis.header.parent }), 'E_SCHEMA', 'body.height'],
		['a block hash of 31 bytes', (c) => vote(c, V[1]!, { height: 1, block: new Uint8Array(31) }), 'E_SCHEMA', 'body.block'],
		['a body with an extra field', (c) => vote(c, V[1]!, { height: 1, block: new Uint8Array(32), round: 0 }), 'E_SCHEMA', 'body.round'],
		['a body without the block', (c) => vote(c, V[1]!, { height: 1 }), 'E_SCHEMA', 'body.block']
	];

	it.each(rules)('%s is rejected', async (_name, make, code, field) => {
		const c = await setup();
		const error = rejection(c.r.chain, c.r.validators, make(c), c.r.now);
		expect({ code: error.code, field: error.field }, error.message).toEqual({ code, field });
	});

	it('a valid vote from another validator is taken (the control)', async () => {
		const c = await setup();
		await c.r.seal([voteTx(c.r.chain, V[1]!, 0, 1, c.b1.header)]);
		expect(getTally(c.r.chain.state, 1)?.weight).toBe(2);
		expect(getVote(c.r.chain.state, 1, hexOf(V[1]!))).toBe(1);
	});

	it.each([
		['proof of authority', () => poaGenesis([V[0]!])],
		['proof of work', () => powGenesis([V[0]!], { difficulty: 1, retargetBlocks: 10, finalityDepth: 5 })]
	])('%s takes no votes', async (_name, genesis) => {
		const r = await run(genesis(), [V[0]!]);
		const b1 = await r.seal();
		const error = rejection(r.chain, r.validators, voteTx(r.chain, V[0]!, 0, 1, b1.header), r.now);
		expect({ code: error.code, field: error.field }).toEqual({ code: 'E_TX_NOT_ALLOWED', field: 'kind' });
	});
});

describe('votes: weights come from the set that judged the block', () => {
	it('a validator that joins later cannot vote for earlier blocks; one that left cannot vote at all; weights are the old ones', async () => {
		const [a, b, c, d] = V as [KeyPair, KeyPair, KeyPair, KeyPair];
		const r = await run(
			posGenesis(
				[
					[a, 100],
					[b, 100],
					[c, 100]
				],
				50,
				{ members: [a, b, c, d].map((k, i) => ({ key: k.publicKey, name: `m${i}` })), allocations: [{ key: d.publicKey, amount: 1000 }] }
			),
			[a, b, c, d]
		);
		await r.seal();
		// d stakes in block 2: the set judging blocks from 3 on is a, b, c and d, 100 each.
		await r.seal([makeTx(r.chain, d, 0, 'stake', { amount: 100 })]);
		expect(validatorsAt(r.chain.state, 1)?.total).toBe(300);
		expect(validatorsAt(r.chain.state, 3)?.total).toBe(400);
		const error = rejection(r.chain, r.validators, r.votes([d], 1)[0]!, r.now);
		expect({ code: error.code, field: error.field }).toEqual({ code: 'E_TX_NOT_ALLOWED', field: 'from' });
		// a and b: 200 of the 300 that judged block 1, exactly 2/3: not final.
		await r.seal(r.votes([a, b], 1));
		expect(getTally(r.chain.state, 1)?.weight).toBe(200);
		expect(r.chain.finalized.height).toBe(0);
		// c unstakes everything: it may no longer vote, even for a block its stake judged.
		await r.seal([makeTx(r.chain, c, 0, 'unstake', { amount: 100 })]);
		const gone = rejection(r.chain, r.validators, r.votes([c], 1)[0]!, r.now);
		expect({ code: gone.code, field: gone.field }).toEqual({ code: 'E_TX_NOT_ALLOWED', field: 'from' });
		// Votes for block 3 are weighed by the set of 400, in which d counts.
		await r.seal(r.votes([a, b], 3));
		expect(getTally(r.chain.state, 3)?.weight).toBe(200);
		expect(r.chain.finalized.height).toBe(0);
		await r.seal(r.votes([d], 3));
		expect(r.chain.finalized.height).toBe(3);
	});
});

describe('votes: per branch', () => {
	it('votes recorded on a branch that loses do not count on the winner, where the same signed votes can be recorded again', async () => {
		const r = await fba(3);
		const b1 = await r.seal();
		const votes = r.votes(V.slice(0, 2), 1);
		await r.seal(votes);
		expect(getTally(r.chain.state, 1)?.weight).toBe(2);
		// A competing branch from block 1: a round-1 block and a round-0 block outweigh the one round-0 block.
		const y2 = roundChild(r.chain.chainId, b1.header, V[0]!, 1, { time: b1.header.time + 1000 });
		const y3 = roundChild(r.chain.chainId, y2.header, V[0]!, 0, { time: y2.header.time + 1 });
		expect(r.chain.add(await verified(y2), LATER).status).toBe('side');
		expect(r.chain.add(await verified(y3), LATER).status).toBe('head');
		expect(getTally(r.chain.state, 1)).toBeUndefined();
		r.now = y3.header.time;
		await r.seal([...votes, ...r.votes([V[2]!], 1)]);
		expect(r.chain.finalized.height).toBe(1);
	});

	it('no branch may split below a block final by votes, even one that would outweigh it', async () => {
		const r = await fba(3);
		const b1 = await r.seal();
		// Block 2 in round 2 (its round-0 and round-1 proposers offline), then votes for it in block 3.
		const b2 = roundChild(r.chain.chainId, b1.header, V[(2 + 2) % 3]!, 2, { time: b1.header.time + 2000 });
		expect(r.chain.add(await verified(b2), LATER).status).toBe('head');
		r.now = b2.header.time;
		await r.seal(r.votes(V.slice(0, 3), 2));
		expect(r.chain.finalized.height).toBe(2);
		// A round-0 block 2 would weigh more than the final round-2 block; it branches off below finality.
		const rival = await verified(roundChild(r.chain.chainId, b1.header, V[2]!, 0, { time: b1.header.time + 1 }));
		expectAgoraError(() => r.chain.add(rival, LATER), 'E_BLOCK_FINALITY', 'header.parent');
		expect(r.chain.finalized.height).toBe(2);
	});
});

describe('votes: state does not grow with the chain', () => {
	it('once a height is final its votes, its tally and the snapshots no one can ask for are gone', async () => {
		const r = await fba(3);
		for (let h = 1; h <= 3; h++) {
			await r.seal();
			await r.seal(r.votes(V.slice(0, 2), r.chain.height));
		}
		// Two votes at heights 1, 3, 5: nothing final, everything kept.
		expect(r.chain.state.keys('c/tally/')).toEqual(['c/tally/1', 'c/tally/3', 'c/tally/5']);
		expect(r.chain.state.keys('c/vote/')).toHaveLength(6);
		// The third validator's vote for height 5 finalizes 1–5 and clears them.
		await r.seal(r.votes([V[2]!], 5));
		expect(r.chain.finalized.height).toBe(5);
		expect(r.chain.state.keys('c/tally/')).toEqual([]);
		expect(r.chain.state.keys('c/vote/')).toEqual([]);
	});

	it('validator snapshots are written only when the set changes, and pruned once final', async () => {
		const [a, b, c] = V as [KeyPair, KeyPair, KeyPair];
		const r = await run(
			posGenesis(
				[
					[a, 100],
					[b, 100],
					[c, 100]
				],
				1,
				{ allocations: [{ key: a.publicKey, amount: 1000 }] }
			),
			[a, b, c]
		);
		await r.seal();
		await r.seal();
		expect(r.chain.state.keys('c/vset/')).toEqual(['c/vset/1']);
		await r.seal([makeTx(r.chain, a, 0, 'stake', { amount: 10 })]);
		await r.seal([makeTx(r.chain, a, 1, 'stake', { amount: 10 })]);
		expect(r.chain.state.keys('c/vset/').sort()).toEqual(['c/vset/1', 'c/vset/4', 'c/vset/5']);
		expect(validatorsAt(r.chain.state, 3)?.weights[hexOf(a)]).toBe(100);
		expect(validatorsAt(r.chain.state, 4)?.weights[hexOf(a)]).toBe(110);
		expect(validatorsAt(r.chain.state, 9)?.weights[hexOf(a)]).toBe(120);
		// a and b: 210 of the 310 that judged block 4.
		await r.seal(r.votes([a, b], 4));
		expect(r.chain.finalized.height).toBe(4);
		expect(r.chain.state.keys('c/vset/')).toEqual(['c/vset/5']);
		expect(validatorsAt(r.chain.state, 5)?.since).toBe(5);
		expect(toHex(r.chain.state.root())).toBe(toHex(r.chain.head.header.stateRoot));
	});
});
