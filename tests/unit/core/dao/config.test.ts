/** The DAO configuration: the reference defaults, what a valid one is, and the genesis `dao` section. */
import { describe, expect, it } from 'vitest';
import { decode, encode, type Encodable } from '../../../../src/lib/core/codec.js';
import { createGenesis, openGenesis } from '../../../../src/lib/core/genesis.js';
import { DAO_CONFIG_KEY, DEFAULT_DAO, getDaoConfig, MAX_PERIOD_MS, readDaoConfig } from '../../../../src/lib/core/state/dao/config.js';
import { expectAgoraError, genesisFor, key, T0 } from '../../../helpers/community.js';

const DAY = 86_400_000;

describe('dao config', () => {
	it('defaults to the reference values: 7-day vote, 2-day timelock, quorum 10%, approval 50%, deposit 100, weight 1, 3 a day, emergency 67%', () => {
		expect(DEFAULT_DAO).toMatchObject({
			votingPeriodMs: 7 * DAY,
			executionDelayMs: 2 * DAY,
			quorumPpm: 100_000,
			approvalThresholdPpm: 500_000,
			proposalDeposit: 100,
			minProposerWeight: 1,
			proposalLimit: 3,
			proposalWindowMs: DAY,
			emergencyThresholdPpm: 670_000
		});
	});

	it('reads back as itself through the canonical codec', () => {
		expect(readDaoConfig(decode(encode(DEFAULT_DAO as unknown as Encodable)))).toEqual(DEFAULT_DAO);
	});

	const bad: Array<[string, Record<string, unknown>, string]> = [
		['a missing field', { votingPeriodMs: undefined }, 'dao.votingPeriodMs'],
		['an unknown field', { colour: 'red' }, 'dao.colour'],
		['an unknown membership kind', { membership: 'reputation' }, 'dao.membership'],
		['an unknown weight mode', { weight: 'age' }, 'dao.weight'],
		['a zero voting period', { votingPeriodMs: 0 }, 'dao.votingPeriodMs'],
		['a period beyond ten years', { gracePeriodMs: MAX_PERIOD_MS + 1 }, 'dao.gracePeriodMs'],
		['a quorum above 100%', { quorumPpm: 1_000_001 }, 'dao.quorumPpm'],
		['a constitutional threshold below approval', { constitutionalThresholdPpm: 400_000 }, 'dao.constitutionalThresholdPpm'],
		['an emergency threshold below approval', { emergencyThresholdPpm: 400_000 }, 'dao.emergencyThresholdPpm'],
		['a negative deposit', { proposalDeposit: -1 }, 'dao.proposalDeposit'],
		['no proposals allowed at all', { proposalLimit: 0 }, 'dao.proposalLimit'],
		['a boolean that is not one', { memberInvites: 1 }, 'dao.memberInvites']
	];
	for (const [what, change, field] of bad) {
		it(`rejects ${what}`, () => void expectAgoraError(() => readDaoConfig({ ...DEFAULT_DAO, ...change }), 'E_SCHEMA', field));
	}

	it('genesis may set it: the whole configuration is committed and put in state', () => {
		const g = genesisFor(key(0), { dao: { votingPeriodMs: 60_000, weight: 'token' } });
		const { config, state } = openGenesis(g);
		expect(config.dao).toEqual({ ...DEFAULT_DAO, votingPeriodMs: 60_000, weight: 'token' });
		expect(getDaoConfig(state)).toEqual(config.dao);
	});

	it('without a dao section the defaults apply and nothing is stored', () => {
		const { config, state } = openGenesis(genesisFor(key(0)));
		expect(config.dao).toBeUndefined();
		expect(state.has(DAO_CONFIG_KEY)).toBe(false);
		expect(getDaoConfig(state)).toEqual(DEFAULT_DAO);
	});

	it('a genesis with an invalid dao section is refused, naming the field', () => {
		expectAgoraError(() => createGenesis({ name: 'x', time: T0, salt: new Uint8Array(16), founder: key(0), founderName: 'f', dao: { quorumPpm: -1 } }), 'E_SCHEMA', 'genesis.dao.quorumPpm');
	});
});
