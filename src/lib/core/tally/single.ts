/**
 * Single choice (plurality): each ballot names one option. The option with
 * strictly the most weight wins; a tie for first decides nothing. It passes
 * when quorum is reached and the winner holds at least the threshold of the
 * weight that chose an option (so a threshold of 50% asks for an absolute
 * majority; a community that wants plain plurality sets a lower one).
 */
import { countSelections, invalidSelection } from './options.js';
import type { OptionsChoice, TallyRule } from './types.js';

export const single: TallyRule<OptionsChoice> = {
	name: 'single',
	invalid: (choice, options) => invalidSelection(choice, options, 1, 1),
	tally: (ballots, options, terms) => countSelections('single', ballots, options, terms)
};
