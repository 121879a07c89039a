/**
 * The shapes every tally rule shares. A rule reads ballots that already
 * carry their final weight (the voter's snapshot weight plus whatever
 * delegation brought them, see delegation.ts) and the proposal's terms, and
 * returns plain data (safe integers, booleans, arrays, null) that can be
 * stored in state as it is.
 *
 * Quorum is the weight of every counted ballot, abstentions included, over
 * the total weight snapshotted when voting opened. Support is measured
 * without abstentions: for / (for + against) for a single action, the
 * winner's share of the weight that chose an option for the option rules
 * (ranked choice: of the weight still counted in its final round).
 * Both comparisons are inclusive at their threshold and exact (see ratio.ts).
 */

export type RuleName = 'binary' | 'single' | 'approval' | 'ranked';
/** The rules of proposals with options (a proposal without options is voted for / against / abstain). */
export const OPTION_RULES = ['single', 'approval', 'ranked'] as const;
export type OptionRule = (typeof OPTION_RULES)[number];

export const ABSTAIN = 'abstain';
export const BINARY_CHOICES = ['for', 'against', ABSTAIN] as const;
export type BinaryChoice = (typeof BINARY_CHOICES)[number];
/**
 * A ballot on a proposal with options: an abstention, or option indices:
 * exactly one for single choice, the approved ones for approval, in order of
 * preference (most preferred first, not necessarily all) for ranked choice.
 */
export type OptionsChoice = typeof ABSTAIN | readonly number[];
export type Choice = BinaryChoice | OptionsChoice;

export interface Weighted<C> {
	readonly choice: C;
	readonly weight: number;
}

export interface TallyTerms {
	/** The total weight snapshotted when voting opened: quorum's denominator. */
	readonly total: number;
	readonly quorumPpm: number;
	readonly thresholdPpm: number;
}

/** What every rule decides. */
export interface Decision {
	readonly total: number;
	/** Weight of every counted ballot, abstentions included: quorum's numerator. */
	readonly cast: number;
	readonly abstain: number;
	readonly quorumReached: boolean;
	/** Whether support met the threshold, quorum aside. */
	readonly approved: boolean;
	readonly passed: boolean;
}

export interface BinaryTally extends Decision {
	readonly rule: 'binary';
	readonly for: number;
	readonly against: number;
}

/** Single choice and approval: the weight behind each option. */
export interface CountTally extends Decision {
	readonly rule: 'single' | 'approval';
	readonly counts: readonly number[];
	/** The option with strictly the most weight, or null (a tie for first, or no option chosen). */
	readonly winner: number | null;
}

export interface RankedRound {
	/** Weight per option this round; null for options already eliminated. */
	readonly counts: ReadonlyArray<number | null>;
	/** Weight of ballots that rank no continuing option. */
	readonly exhausted: number;
	/** Options eliminated at the end of this round (none in the deciding round). */
	readonly eliminated: readonly number[];
}

export interface RankedTally extends Decision {
	readonly rule: 'ranked';
	readonly rounds: readonly RankedRound[];
	readonly winner: number | null;
}

export type Tally = BinaryTally | CountTally | RankedTally;

/** One rule: which ballots are well formed, and how they are counted. */
export interface TallyRule<C extends Choice> {
	readonly name: RuleName;
	/** Null when `choice` is a well-formed ballot on a proposal with `options` options (0 for binary), else why it is not. */
	readonly invalid: (choice: C, options: number) => string | null;
	readonly tally: (ballots: Iterable<Weighted<C>>, options: number, terms: TallyTerms) => Tally;
}
