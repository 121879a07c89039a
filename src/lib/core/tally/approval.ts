/**
 * Approval voting: each ballot approves any number of options (at least
 * one), and each approved option gets the ballot's whole weight. The option
 * with strictly the most approval wins; a tie for first decides nothing. It
 * passes when quorum is reached and at least the threshold of the weight
 * that approved anything approved the winner.
 */
import { countSelections, invalidSelection } from './options.js';
import type { OptionsChoice, TallyRule } from './types.js';

export const approval: TallyRule<OptionsChoice> = {
	name: 'approval',
	invalid: (choice, options) => invalidSelection(choice, options, 1, options),
	tally: (ballots, options, terms) => countSelections('approval', ballots, options, terms)
};
