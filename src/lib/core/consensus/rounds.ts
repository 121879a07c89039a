/**
 * What proof of stake and federated Byzantine agreement share: a validator
 * set read from the parent's state, one designated proposer per round, and
 * finality by votes (votes.ts).
 *
 * Round r on top of a parent may be sealed only by its proposer and only
 * from parent.time + r × blockTimeMs on, so a later round is the fallback
 * when earlier proposers are offline. A block weighs MAX_ROUNDS − r: at
 * equal length the branch built in earlier rounds wins, and a minority that
 * seals only in late rounds cannot outweigh the validators in turn.
 */
import { toHex, type Hex } from '../bytes.js';
import { AgoraError, fail } from '../errors.js';
import * as s from '../schema.js';
import type { StateTree } from '../state/tree.js';
import type { BlockHeader, UnsignedHeader } from '../block/block.js';
import type { ConsensusEngine, EngineContext, EngineName, Validator, VotingRules } from './engine.js';
import { recordValidators, votedFinality } from './votes.js';

/** Rounds 0 … MAX_ROUNDS − 1. At 64, even with 90% of the weight offline a parent has a live proposer with probability above 99.8%. */
export const MAX_ROUNDS = 64;

export interface RoundRules {
	readonly name: EngineName;
	/** Checks the engine's genesis configuration and writes its validators to state. */
	genesis(config: unknown, state: StateTree): void;
	readonly voting: VotingRules;
	/** The proposer of `round` on top of `parent`, among `validators` (sorted, not empty). */
	proposer(validators: readonly Validator[], parent: BlockHeader, round: number): Hex;
}

export interface RoundSeal {
	readonly round: number;
}

export function readRoundSeal(seal: unknown): RoundSeal {
	const r = s.exactRecord(seal, 'header.seal', ['round']);
	return { round: s.int(r.round, 'header.seal.round', 0, MAX_ROUNDS - 1) };
}

/** The fork-choice weight of a block sealed in `round`: MAX_ROUNDS for round 0, down to 1 for the last round. */
export function roundWeight(round: number): bigint {
	return BigInt(MAX_ROUNDS - round);
}

/** The earliest time a block of `round` may carry on top of `parent`. */
export function roundStart(parent: BlockHeader, round: number, blockTimeMs: number): number {
	return parent.time + round * blockTimeMs;
}

function validatorsOrFail(rules: RoundRules, state: StateTree): readonly Validator[] {
	const validators = rules.voting.validators(state);
	if (validators.length === 0) throw new AgoraError('E_BLOCK_PROPOSER', `the ${rules.name} validator set is empty: no one may seal`, 'header.proposer');
	return validators;
}

export function roundEngine(rules: RoundRules): ConsensusEngine {
	return {
		name: rules.name,
		voting: rules.voting,

		genesis(config, state) {
			rules.genesis(config, state);
			const validators = rules.voting.validators(state);
			if (validators.length === 0) fail('E_GENESIS', 'genesis.engine.validators', validators, 'must give at least one key the right to seal');
			recordValidators(state, 1, validators);
		},

		genesisSeal() {
			return { round: 0 };
		},

		canSeal(who, ctx) {
			return rules.voting.isValidator(ctx.state, who);
		},

		verifySeal(header, parent, ctx) {
			const { round } = readRoundSeal(header.seal);
			const validators = validatorsOrFail(rules, ctx.state);
			const expected = rules.proposer(validators, parent, round);
			const proposer = toHex(header.proposer);
			if (proposer !== expected) {
				throw new AgoraError(
					'E_BLOCK_PROPOSER',
					`proposer ${proposer.slice(0, 16)}… is not the proposer of round ${round} at height ${header.height} (${expected.slice(0, 16)}… is)`,
					'header.proposer',
					proposer
				);
			}
			const start = roundStart(parent, round, ctx.params.blockTimeMs);
			if (header.time < start) fail('E_BLOCK_SEAL', 'header.seal.round', round, `may seal only from time ${start}, and the block's time is ${header.time}`);
		},

		weight(header) {
			return roundWeight(readRoundSeal(header.seal).round);
		},

		plan(proposer, parent, _now, ctx) {
			if (!rules.voting.isValidator(ctx.state, proposer)) return null;
			const validators = rules.voting.validators(ctx.state);
			for (let round = 0; round < MAX_ROUNDS; round++) {
				if (rules.proposer(validators, parent, round) !== proposer) continue;
				// The parent's time + 1 at least: a block's time must pass its ancestors' median.
				return { seal: { round }, notBefore: Math.max(parent.time + 1, roundStart(parent, round, ctx.params.blockTimeMs)) };
			}
			return null;
		},

		finishSeal(header: UnsignedHeader) {
			return header;
		},

		finalizedHeight(_head, previous, ctx: EngineContext) {
			return Math.max(previous, votedFinality(ctx.state).height);
		}
	};
}
