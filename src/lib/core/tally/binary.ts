/**
 * For / against / abstain on a single action. Passes when for + against +
 * abstain reaches the quorum of the snapshotted total and
 * for / (for + against) reaches the threshold (both inclusive). Abstaining
 * counts toward quorum only; with no for or against at all nothing passes.
 */
import { addWeight, decide } from './ratio.js';
import { BINARY_CHOICES, type BinaryChoice, type TallyRule } from './types.js';

export const binary: TallyRule<BinaryChoice> = {
	name: 'binary',

	invalid: (choice) => (BINARY_CHOICES.includes(choice) ? null : `must be one of ${BINARY_CHOICES.join(', ')}`),

	tally(ballots, _options, terms) {
		let yes = 0;
		let no = 0;
		let abstain = 0;
		for (const { choice, weight } of ballots) {
			if (choice === 'for') yes = addWeight(yes, weight);
			else if (choice === 'against') no = addWeight(no, weight);
			else abstain = addWeight(abstain, weight);
		}
		const cast = addWeight(addWeight(yes, no), abstain);
		return { rule: 'binary', for: yes, against: no, ...decide(terms, cast, abstain, yes, addWeight(yes, no)) };
	}
};
