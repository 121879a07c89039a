/**
 * Ranked choice by instant runoff. Each ballot ranks one or more options,
 * most preferred first. Every round counts each ballot for its highest-ranked
 * option still in the race; a ballot that ranks none of them is exhausted
 * and no longer counts. An option with more than half of the counted weight
 * wins. Otherwise the option with the least weight is eliminated; a tie for
 * least goes to the option that had less in the latest earlier round where
 * they differ, and options tied in every round are eliminated together. When
 * every remaining option is tied (or every ballot is exhausted) nothing wins.
 *
 * It passes when quorum is reached and the winner's final-round weight is at
 * least the threshold of the weight counted in that round: with a 50%
 * threshold any runoff winner passes, with a higher one it must do better.
 */
import { addWeight, decide } from './ratio.js';
import { invalidSelection, soleLeader } from './options.js';
import { ABSTAIN, type OptionsChoice, type RankedRound, type TallyRule, type Weighted } from './types.js';

/** The continuing options with the least weight this round, narrowed by the earlier rounds, latest first. */
function lastPlace(counts: ReadonlyArray<number | null>, continuing: readonly number[], earlier: readonly RankedRound[]): number[] {
	const least = (tied: number[], round: ReadonlyArray<number | null>): number[] => {
		const min = Math.min(...tied.map((i) => round[i]!));
		return tied.filter((i) => round[i] === min);
	};
	let tied = least(continuing as number[], counts);
	for (let r = earlier.length - 1; r >= 0 && tied.length > 1; r--) tied = least(tied, earlier[r]!.counts);
	return tied;
}

export const ranked: TallyRule<OptionsChoice> = {
	name: 'ranked',

	invalid: (choice, options) => invalidSelection(choice, options, 1, options),

	tally(ballots, options, terms) {
		const rankings: Array<Weighted<readonly number[]>> = [];
		let abstain = 0;
		let expressed = 0;
		for (const b of ballots) {
			if (b.choice === ABSTAIN) {
				abstain = addWeight(abstain, b.weight);
			} else {
				expressed = addWeight(expressed, b.weight);
				rankings.push(b as Weighted<readonly number[]>);
			}
		}
		let continuing = Array.from({ length: options }, (_, i) => i);
		const rounds: RankedRound[] = [];
		let winner: number | null = null;
		let live = 0;
		for (;;) {
			const inRace = new Set(continuing);
			const counts: Array<number | null> = Array.from({ length: options }, (_, i) => (inRace.has(i) ? 0 : null));
			let exhausted = 0;
			for (const { choice, weight } of rankings) {
				const top = choice.find((i) => inRace.has(i));
				if (top === undefined) exhausted = addWeight(exhausted, weight);
				else counts[top] = addWeight(counts[top]!, weight);
			}
			live = continuing.reduce((sum, i) => addWeight(sum, counts[i]!), 0);
			const leader = soleLeader(counts);
			if (leader !== null && counts[leader]! > live - counts[leader]!) winner = leader;
			// Decided, or nothing left to count, or everyone tied: this round is the last.
			const out = winner !== null || live === 0 ? [] : lastPlace(counts, continuing, rounds);
			const last = out.length === 0 || out.length === continuing.length;
			rounds.push({ counts, exhausted, eliminated: last ? [] : out });
			if (last) break;
			continuing = continuing.filter((i) => !out.includes(i));
		}
		const support = winner === null ? 0 : rounds[rounds.length - 1]!.counts[winner]!;
		return { rule: 'ranked', rounds, winner, ...decide(terms, addWeight(expressed, abstain), abstain, support, winner === null ? 0 : live) };
	}
};
