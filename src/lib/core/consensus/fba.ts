/**
 * Federated Byzantine agreement with one quorum slice: a sorted validator set
 * in state (genesis sets it; evidence of equivocation and, later, the DAO
 * change it). The proposer of round r at height h is validators[(h + r) mod
 * n]; a block is final when votes from more than 2/3 of the set that judged
 * it are recorded on its branch.
 */
import { toHex, type Hex } from '../bytes.js';
import { AgoraError, fail } from '../errors.js';
import * as s from '../schema.js';
import type { StateTree } from '../state/tree.js';
import { sortedIndex, withoutItem } from '../sorted.js';
import type { BlockHeader } from '../block/block.js';
import type { Validator, VotingRules } from './engine.js';
import { roundEngine } from './rounds.js';

export const VALIDATORS_KEY = 'c/validators';
export const MAX_VALIDATORS = 1024;

export function getValidators(state: StateTree): readonly Hex[] {
	return (state.get(VALIDATORS_KEY) as Hex[] | undefined) ?? [];
}

export function setValidators(state: StateTree, validators: readonly Hex[]): void {
	if (validators.length === 0) throw new AgoraError('E_GENESIS', 'a federated chain needs at least one validator', 'validators', validators);
	state.put(VALIDATORS_KEY, [...new Set(validators)].sort());
}

/** validators[(h + r) mod n] for height h = parent.height + 1. */
export function fbaProposer(validators: readonly Validator[], parent: BlockHeader, round: number): Hex {
	return validators[(parent.height + 1 + round) % validators.length]!.key;
}

export const fbaVoting: VotingRules = {
	validators(state) {
		return getValidators(state).map((key) => ({ key, weight: 1 }));
	},

	isValidator(state, who) {
		const list = getValidators(state);
		return list[sortedIndex(list, who)] === who;
	},

	penalize(state, offender) {
		setValidators(state, withoutItem(getValidators(state), offender));
	}
};

export const fba = roundEngine({
	name: 'fba',
	voting: fbaVoting,

	genesis(config, state) {
		const r = s.exactRecord(config, 'genesis.engine', ['name', 'validators']);
		const list = s.array(r.validators, 'genesis.engine.validators', MAX_VALIDATORS).map((v, i) => toHex(s.bytes(v, `genesis.engine.validators[${i}]`, 32)));
		if (list.length === 0) fail('E_GENESIS', 'genesis.engine.validators', list, 'must name at least one validator');
		setValidators(state, list);
	},

	proposer: fbaProposer
});
