/**
 * Federated Byzantine agreement: the proposer rotation, one test per seal
 * rule, and the genesis configuration. Votes, finality and evidence are in
 * votes.test.ts and evidence.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Chain } from '../../../../src/lib/core/chain.js';
import { compareBytes, toHex } from '../../../../src/lib/core/bytes.js';
import type { ErrorCode } from '../../../../src/lib/core/errors.js';
import type { Block } from '../../../../src/lib/core/block/block.js';
import { fbaVoting, getValidators } from '../../../../src/lib/core/consensus/fba.js';
import { MAX_ROUNDS } from '../../../../src/lib/core/consensus/rounds.js';
import { expectAgoraError, key, keys, openChain, resign, T0, verified } from '../../../helpers/community.js';
import { fbaGenesis, hexOf, roundChild, roundProposer, sealNext } from '../../../helpers/engines.js';

const LATER = T0 + 10_000_000;
/** Four validators sorted as the engine sorts them. */
const S = keys(4, 60).sort((a, b) => compareBytes(a.publicKey, b.publicKey));
const outsider = key(69);
const fbaChain = (): Promise<Chain> => openChain(fbaGenesis(S));

describe('fba: the proposer rotation', () => {
	it('the validator set is the sorted genesis list, each weighing 1', async () => {
		const chain = await openChain(fbaGenesis([...S].reverse()));
		expect(getValidators(chain.state)).toEqual(S.map(hexOf));
		expect(fbaVoting.validators(chain.state)).toEqual(S.map((k) => ({ key: hexOf(k), weight: 1 })));
	});

	it.each([
		[1, 0, 1],
		[1, 1, 2],
		[1, 3, 0],
		[2, 0, 2],
		[4, 0, 0],
		[4, 5, 1]
	])('at height %i round %i the proposer is validators[%i]', async (height, round, index) => {
		const chain = await fbaChain();
		let now = T0;
		while (chain.height < height - 1) ({ now } = await sealNext(chain, S, [], now));
		expect(roundProposer('fba', chain.state, chain.head.header, round)).toBe(hexOf(S[index]!));
	});

	it('with every validator online the chain takes round 0 at every height', async () => {
		const chain = await fbaChain();
		let now = T0;
		for (let h = 1; h <= 6; h++) {
			const { block, now: t } = await sealNext(chain, S, [], now);
			now = t;
			expect(toHex(block.header.proposer)).toBe(hexOf(S[h % 4]!));
			expect(block.header.seal).toEqual({ round: 0 });
		}
		expect(chain.head.weight).toBe(BigInt(6 * MAX_ROUNDS));
	});
});

describe('fba: every seal rule is checked on arrival', () => {
	const on = (chain: Chain, index: number, round: number, time?: number): Block =>
		roundChild(chain.chainId, chain.head.header, S[index]!, round, { time: time ?? T0 + Math.max(1, round * 1000) });

	const cases: Array<[string, (c: Chain) => Block, ErrorCode?, string?]> = [
		['the in-turn validator at round 0', (c) => on(c, 1, 0)],
		['the next validator at round 1, from its start time', (c) => on(c, 2, 1)],
		['the next validator at round 1, before its start time', (c) => on(c, 2, 1, T0 + 999), 'E_BLOCK_SEAL', 'header.seal.round'],
		['a validator out of turn at round 0', (c) => on(c, 2, 0), 'E_BLOCK_PROPOSER', 'header.proposer'],
		['the in-turn validator claiming round 1', (c) => on(c, 1, 1), 'E_BLOCK_PROPOSER', 'header.proposer'],
		['a key that is not a validator', (c) => roundChild(c.chainId, c.head.header, outsider, 0), 'E_BLOCK_PROPOSER', 'header.proposer'],
		['a round past the last', (c) => resign(on(c, 1, 0), S[1]!, { seal: { round: MAX_ROUNDS } }), 'E_SCHEMA', 'header.seal.round'],
		['a negative round', (c) => resign(on(c, 1, 0), S[1]!, { seal: { round: -1 } }), 'E_SCHEMA', 'header.seal.round']
	];

	it.each(cases)('%s', async (_name, make, code, field) => {
		const chain = await fbaChain();
		const vb = await verified(make(chain));
		if (code) {
			expectAgoraError(() => chain.add(vb, LATER), code, field);
			expect(chain.height).toBe(0);
		} else {
			expect(chain.add(vb, LATER).status).toBe('head');
		}
	});
});

describe('fba: genesis configuration', () => {
	it.each([
		['no validators', { name: 'fba', validators: [] }, 'E_GENESIS', 'genesis.engine.validators'],
		['a short key', { name: 'fba', validators: [new Uint8Array(31)] }, 'E_SCHEMA', 'genesis.engine.validators[0]'],
		['validators not a list', { name: 'fba', validators: 'all' }, 'E_SCHEMA', 'genesis.engine.validators'],
		['an unknown setting', { name: 'fba', validators: [S[0]!.publicKey], threshold: 3 }, 'E_SCHEMA', 'genesis.engine.threshold']
	])('%s is rejected', (_name, engine, code, field) => {
		expectAgoraError(() => fbaGenesis(S, { engine: engine as never }), code as ErrorCode, field);
	});
});
