/**
 * Proof of stake. The validators are the stakers with at least `minStake`
 * (state/accounts.ts keeps the sorted staker index), read from the parent's
 * state. The proposer of round r on top of a parent is drawn with
 * probability proportional to stake, seeded by a domain-separated hash of the
 * parent's hash and r: every node computes the same proposer, and the only
 * way to steer it is to seal a different parent (the grinding any seed taken
 * from the previous block allows its proposer). A block is final when votes
 * for it carry more than 2/3 of the stake of the set that judged it.
 * Equivocation costs the whole stake, which goes to the treasury.
 */
import { toHex, u32, type Bytes, type Hex } from '../bytes.js';
import { fail } from '../errors.js';
import { hash } from '../hash.js';
import * as s from '../schema.js';
import { credit, getAccount, getStakers, setStake, TREASURY } from '../state/accounts.js';
import type { StateTree } from '../state/tree.js';
import { blockHash, type BlockHeader } from '../block/block.js';
import type { Validator, VotingRules } from './engine.js';
import { roundEngine } from './rounds.js';

export const POS_KEY = 'c/pos';
export const MAX_GENESIS_VALIDATORS = 1024;

interface PosSettings {
	readonly minStake: number;
}

function settings(state: StateTree): PosSettings {
	return state.get(POS_KEY) as unknown as PosSettings;
}

/** The seed of the proposer draw for `round` on top of the block `parentHash`. */
export function proposerSeed(parentHash: Bytes, round: number): Bytes {
	return hash('proposer', parentHash, u32(round));
}

/**
 * The validator whose stake interval holds seed mod total stake: a draw
 * weighted by stake (the bias of reducing a 256-bit seed is below 2^-200).
 */
export function stakeWeightedPick(validators: readonly Validator[], seed: Bytes): Hex {
	let total = 0n;
	for (const v of validators) total += BigInt(v.weight);
	let x = BigInt('0x' + toHex(seed)) % total;
	for (const v of validators) {
		const w = BigInt(v.weight);
		if (x < w) return v.key;
		x -= w;
	}
	throw new RangeError('unreachable: the draw is below the total stake');
}

export function posProposer(validators: readonly Validator[], parent: BlockHeader, round: number): Hex {
	return stakeWeightedPick(validators, proposerSeed(blockHash(parent), round));
}

export const posVoting: VotingRules = {
	validators(state) {
		const { minStake } = settings(state);
		const out: Validator[] = [];
		for (const key of getStakers(state)) {
			const stake = getAccount(state, key).stake;
			if (stake >= minStake) out.push({ key, weight: stake });
		}
		return out;
	},

	isValidator(state, who) {
		return getAccount(state, who).stake >= settings(state).minStake;
	},

	penalize(state, offender) {
		const stake = getAccount(state, offender).stake;
		setStake(state, offender, 0);
		credit(state, TREASURY, stake);
	}
};

export const pos = roundEngine({
	name: 'pos',
	voting: posVoting,

	genesis(config, state) {
		const r = s.exactRecord(config, 'genesis.engine', ['name', 'validators', 'minStake']);
		const minStake = s.int(r.minStake, 'genesis.engine.minStake', 1);
		const list = s.array(r.validators, 'genesis.engine.validators', MAX_GENESIS_VALIDATORS);
		const seen = new Set<Hex>();
		list.forEach((v, i) => {
			const path = `genesis.engine.validators[${i}]`;
			const vr = s.exactRecord(v, path, ['key', 'stake']);
			const key = toHex(s.bytes(vr.key, `${path}.key`, 32));
			const stake = s.int(vr.stake, `${path}.stake`, 1);
			if (seen.has(key)) fail('E_GENESIS', `${path}.key`, key, 'is listed twice');
			seen.add(key);
			setStake(state, key, stake);
		});
		state.put(POS_KEY, { minStake });
	},

	proposer: posProposer
});
