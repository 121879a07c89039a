/**
 * Proof of stake: the proposer draw (fixed vector, determinism, dependence on
 * the parent and the round, stake weighting as a seeded statistical
 * property), one test per seal rule, rounds and their time rule, fork choice
 * by round, minStake, and the genesis configuration.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { Chain } from '../../../../src/lib/core/chain.js';
import { toHex, u32, type Hex } from '../../../../src/lib/core/bytes.js';
import type { ErrorCode } from '../../../../src/lib/core/errors.js';
import { hash } from '../../../../src/lib/core/hash.js';
import type { Block } from '../../../../src/lib/core/block/block.js';
import type { Validator } from '../../../../src/lib/core/consensus/engine.js';
import { posVoting, proposerSeed, stakeWeightedPick } from '../../../../src/lib/core/consensus/pos.js';
import { MAX_ROUNDS } from '../../../../src/lib/core/consensus/rounds.js';
import { getAccount, getStakers } from '../../../../src/lib/core/state/accounts.js';
import { expectAgoraError, key, keys, makeTx, openChain, resign, T0, verified } from '../../../helpers/community.js';
import { hexOf, keyOf, posGenesis, roundChild, roundProposer, sealNext } from '../../../helpers/engines.js';

const LATER = T0 + 10_000_000;
const V = keys(4, 50);
const small = key(54);
const outsider = key(59);
const STAKES: ReadonlyArray<readonly [(typeof V)[0], number]> = [
	[V[0]!, 100],
	[V[1]!, 200],
	[V[2]!, 300],
	[V[3]!, 400],
	[small, 10]
];
const MIN_STAKE = 50;
const G = posGenesis(STAKES, MIN_STAKE, { allocations: [{ key: small.publicKey, amount: 1000 }] });
const ALL = [...V, small];

const posChain = (): Promise<Chain> => openChain(G);
const proposerAt = (chain: Chain, round: number): Hex => roundProposer('pos', chain.state, chain.head.header, round);
const roundOf = (b: Block): number => (b.header.seal as { round: number }).round;

describe('pos: the proposer draw', () => {
	const validators: Validator[] = [
		{ key: 'aa', weight: 1 },
		{ key: 'bb', weight: 2 },
		{ key: 'cc', weight: 3 },
		{ key: 'dd', weight: 4 }
	];

	it('the seed is the proposer-domain SHA-256 of the parent hash and the round (fixed vector against node:crypto)', () => {
		const parent = new Uint8Array(32).fill(7);
		const reference = createHash('sha256').update('agora/v1/proposer\0').update(parent).update(Buffer.from([0, 0, 0, 3])).digest('hex');
		expect(toHex(proposerSeed(parent, 3))).toBe(reference);
	});

	it('picks the validator whose stake interval holds seed mod total', () => {
		// seed mod 10: 0 → aa, 1–2 → bb, 3–5 → cc, 6–9 → dd
		const seedFor = (n: number): Uint8Array => {
			const s = new Uint8Array(32);
			s[31] = n;
			return s;
		};
		expect([0, 1, 2, 3, 5, 6, 9, 10, 13].map((n) => stakeWeightedPick(validators, seedFor(n)))).toEqual(['aa', 'bb', 'bb', 'cc', 'cc', 'dd', 'dd', 'aa', 'cc']);
	});

	it('is deterministic, and depends on the parent hash and on the round', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: MAX_ROUNDS - 2 }), (parent, round) => {
				expect(stakeWeightedPick(validators, proposerSeed(parent, round))).toBe(stakeWeightedPick(validators, proposerSeed(parent, round)));
				expect(toHex(proposerSeed(parent, round))).not.toBe(toHex(proposerSeed(parent, round + 1)));
				const other = Uint8Array.from(parent, (b, i) => (i === 0 ? b ^ 1 : b));
				expect(toHex(proposerSeed(parent, round))).not.toBe(toHex(proposerSeed(other, round)));
			})
		);
		// Over many parents every validator is drawn: the parent hash, not a fixed order, decides.
		const drawn = new Set(Array.from({ length: 100 }, (_, i) => stakeWeightedPick(validators, proposerSeed(hash('tx', u32(i)), 0))));
		expect(drawn.size).toBe(4);
	});

	it('is stake-weighted: over many parent hashes each validator is drawn in proportion to its stake (seeded, within 5 sigma)', () => {
		const draws = 4000;
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
				const counts = new Map<string, number>();
				for (let i = 0; i < draws; i++) {
					const parent = hash('tx', u32(seed), u32(i));
					const who = stakeWeightedPick(validators, proposerSeed(parent, 0));
					counts.set(who, (counts.get(who) ?? 0) + 1);
				}
				for (const v of validators) {
					const p = v.weight / 10;
					const mean = draws * p;
					const sigma = Math.sqrt(draws * p * (1 - p));
					expect(Math.abs((counts.get(v.key) ?? 0) - mean), `${v.key}`).toBeLessThan(5 * sigma);
				}
			}),
			// Fixed: a statistical bound, however wide, fails now and then on fresh draws.
			{ numRuns: 10, seed: 20_261_122 }
		);
	});

	it('a validator with no stake is never drawn', () => {
		const withZero = [...validators, { key: 'ee', weight: 0 }];
		for (let i = 0; i < 500; i++) expect(stakeWeightedPick(withZero, proposerSeed(hash('tx', u32(i)), 0))).not.toBe('ee');
	});
});

describe('pos: the validator set', () => {
	it('is the stakers with at least minStake, sorted, with their stake as weight', async () => {
		const chain = await posChain();
		const expected = V.map((k, i) => ({ key: hexOf(k), weight: (i + 1) * 100 })).sort((a, b) => (a.key < b.key ? -1 : 1));
		expect(posVoting.validators(chain.state)).toEqual(expected);
		expect(getStakers(chain.state)).toContain(hexOf(small));
		expect(chain.canSeal(hexOf(small))).toBe(false);
		expect(chain.canSeal(hexOf(V[0]!))).toBe(true);
		expect(chain.canSeal(hexOf(outsider))).toBe(false);
	});

	it('a staker below minStake may not seal; staking up to it makes it a validator from the next block on', async () => {
		const chain = await posChain();
		expect(chain.propose(small, [], LATER)).toBeNull();
		let now = T0;
		({ now } = await sealNext(chain, V, [makeTx(chain, small, 0, 'stake', { amount: 40 })], now));
		expect(getAccount(chain.state, hexOf(small)).stake).toBe(50);
		expect(chain.canSeal(hexOf(small))).toBe(true);
		// Sealing goes on until the draw picks the new validator at round 0 — and it then may seal.
		for (let i = 0; i < 200 && proposerAt(chain, 0) !== hexOf(small); i++) ({ now } = await sealNext(chain, V, [], now));
		expect(proposerAt(chain, 0)).toBe(hexOf(small));
		const { block } = await sealNext(chain, ALL, [], now);
		expect(toHex(block.header.proposer)).toBe(hexOf(small));
		expect(roundOf(block)).toBe(0);
	});
});

describe('pos: every seal rule is checked on arrival', () => {
	interface Case {
		/** A block on the genesis block, built by hand. */
		readonly make: (chain: Chain) => Block;
		readonly code?: ErrorCode;
		readonly field?: string;
	}
	const at = (chain: Chain, round: number, timeOffset = 0): Block => {
		const parent = chain.head.header;
		const proposer = keyOf(ALL, proposerAt(chain, round));
		return roundChild(chain.chainId, parent, proposer, round, { time: Math.max(parent.time + 1, parent.time + round * 1000) + timeOffset });
	};
	const notProposer = (chain: Chain, round: number): (typeof V)[0] => V.find((k) => hexOf(k) !== proposerAt(chain, round))!;

	const cases: Array<[string, Case]> = [
		['the round-0 proposer at round 0', { make: (c) => at(c, 0) }],
		['the round-3 proposer at round 3, from its start time', { make: (c) => at(c, 3) }],
		['the round-3 proposer before its start time', { make: (c) => at(c, 3, -1), code: 'E_BLOCK_SEAL', field: 'header.seal.round' }],
		['the last round', { make: (c) => at(c, MAX_ROUNDS - 1) }],
		[
			'a validator that is not the proposer of its round',
			{ make: (c) => roundChild(c.chainId, c.head.header, notProposer(c, 0), 0), code: 'E_BLOCK_PROPOSER', field: 'header.proposer' }
		],
		['a staker below minStake', { make: (c) => roundChild(c.chainId, c.head.header, small, 0), code: 'E_BLOCK_PROPOSER', field: 'header.proposer' }],
		['a key with no stake', { make: (c) => roundChild(c.chainId, c.head.header, outsider, 0), code: 'E_BLOCK_PROPOSER', field: 'header.proposer' }],
		['a round past the last', { make: (c) => resign(at(c, 0), keyOf(ALL, proposerAt(c, 0)), { seal: { round: MAX_ROUNDS } }), code: 'E_SCHEMA', field: 'header.seal.round' }],
		['a seal with an extra field', { make: (c) => resign(at(c, 0), keyOf(ALL, proposerAt(c, 0)), { seal: { round: 0, difficulty: 2 } }), code: 'E_SCHEMA', field: 'header.seal.difficulty' }],
		['a seal that is not a map', { make: (c) => resign(at(c, 0), keyOf(ALL, proposerAt(c, 0)), { seal: 7 }), code: 'E_SCHEMA', field: 'header.seal' }]
	];

	it.each(cases)('%s', async (_name, { make, code, field }) => {
		const chain = await posChain();
		const vb = await verified(make(chain));
		if (code) {
			expectAgoraError(() => chain.add(vb, LATER), code, field);
			expect(chain.height).toBe(0);
		} else {
			expect(chain.add(vb, LATER).status).toBe('head');
		}
	});
});

describe('pos: rounds', () => {
	it('each validator plans its first round, from parent.time + round × blockTimeMs', async () => {
		const chain = await posChain();
		const parent = chain.head.header;
		for (const k of V) {
			let first = 0;
			while (proposerAt(chain, first) !== hexOf(k) && first < MAX_ROUNDS) first++;
			const p = chain.propose(k, [], parent.time + 1);
			if (first === MAX_ROUNDS) expect(p).toBeNull();
			else if (first === 0) expect(p && 'block' in p && roundOf(p.block)).toBe(0);
			else expect(p).toEqual({ wait: parent.time + first * 1000 });
		}
	});

	it('a block weighs MAX_ROUNDS − round: the round-0 block wins over a later round, whichever arrives first', async () => {
		const orders = [
			[0, 2],
			[2, 0]
		];
		const heads = new Set<string>();
		for (const order of orders) {
			const chain = await posChain();
			const parent = chain.head.header;
			for (const round of order) {
				const b = roundChild(chain.chainId, parent, keyOf(ALL, roundProposer('pos', chain.state, parent, round)), round, { time: parent.time + Math.max(1, round * 1000) });
				chain.add(await verified(b), LATER);
			}
			expect(roundOf(chain.head.block)).toBe(0);
			expect(chain.head.weight).toBe(BigInt(MAX_ROUNDS));
			heads.add(chain.head.hash);
		}
		expect(heads.size).toBe(1);
	});

	it('when the round-0 proposer is offline the next one seals after its wait', async () => {
		const chain = await posChain();
		const offline = proposerAt(chain, 0);
		const online = V.filter((k) => hexOf(k) !== offline);
		const { block, now } = await sealNext(chain, online, [], T0 + 1);
		expect(roundOf(block)).toBeGreaterThan(0);
		expect(now).toBe(T0 + roundOf(block) * 1000);
	});
});

describe('pos: genesis configuration', () => {
	const one = [{ key: V[0]!.publicKey, stake: 100 }];
	it.each([
		['no minStake', { name: 'pos', validators: one }, 'E_SCHEMA', 'genesis.engine.minStake'],
		['minStake 0', { name: 'pos', validators: one, minStake: 0 }, 'E_SCHEMA', 'genesis.engine.minStake'],
		['a stake of 0', { name: 'pos', validators: [{ key: V[0]!.publicKey, stake: 0 }], minStake: 1 }, 'E_SCHEMA', 'genesis.engine.validators[0].stake'],
		['a short key', { name: 'pos', validators: [{ key: new Uint8Array(31), stake: 5 }], minStake: 1 }, 'E_SCHEMA', 'genesis.engine.validators[0].key'],
		['a key listed twice', { name: 'pos', validators: [...one, ...one], minStake: 1 }, 'E_GENESIS', 'genesis.engine.validators[1].key'],
		['no validators', { name: 'pos', validators: [], minStake: 1 }, 'E_GENESIS', 'genesis.engine.validators'],
		['every stake below minStake', { name: 'pos', validators: one, minStake: 101 }, 'E_GENESIS', 'genesis.engine.validators'],
		['an unknown setting', { name: 'pos', validators: one, minStake: 1, epoch: 5 }, 'E_SCHEMA', 'genesis.engine.epoch']
	])('%s is rejected', (_name, engine, code, field) => {
		expectAgoraError(() => posGenesis([[V[0]!, 100]], 1, { engine: engine as never }), code as ErrorCode, field);
	});

	it('genesis stake is stake, not balance', async () => {
		const chain = await posChain();
		expect(getAccount(chain.state, hexOf(V[3]!))).toEqual({ balance: 0, stake: 400, nonce: 0 });
		expect(getAccount(chain.state, hexOf(small))).toEqual({ balance: 1000, stake: 10, nonce: 0 });
	});
});
