/** The tally rules by name: one pure module each. */
import { approval } from './approval.js';
import { binary } from './binary.js';
import { ranked } from './ranked.js';
import { single } from './single.js';
import type { Choice, RuleName, Tally, TallyRule, TallyTerms, Weighted } from './types.js';

export const TALLY_RULES: Readonly<Record<RuleName, TallyRule<Choice>>> = {
	binary: binary as TallyRule<Choice>,
	single: single as TallyRule<Choice>,
	approval: approval as TallyRule<Choice>,
	ranked: ranked as TallyRule<Choice>
};

/** Counts weighted ballots under `rule` on a proposal with `options` options (0 for binary). */
export function tally(rule: RuleName, ballots: Iterable<Weighted<Choice>>, options: number, terms: TallyTerms): Tally {
	return TALLY_RULES[rule].tally(ballots, options, terms);
}

/** Null when `choice` is a well-formed ballot under `rule`, else why not. */
export function invalidChoice(rule: RuleName, choice: Choice, options: number): string | null {
	return TALLY_RULES[rule].invalid(choice, options);
}

export * from './types.js';
export { resolveDelegations, type Electorate, type Resolved } from './delegation.js';
