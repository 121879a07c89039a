/**
 * What the option rules share: a well-formed selection of options, and the
 * weight behind each option when every selected option gets the ballot's
 * whole weight (single choice selects one, approval any number).
 */
import { addWeight, decide } from './ratio.js';
import { ABSTAIN, type CountTally, type OptionsChoice, type TallyTerms, type Weighted } from './types.js';

/** Null when `choice` is an abstention or `min`…`max` distinct option indices below `options`, else why not. */
export function invalidSelection(choice: OptionsChoice, options: number, min: number, max: number): string | null {
	if (choice === ABSTAIN) return null;
	if (!Array.isArray(choice)) return `must be ${ABSTAIN} or a list of option numbers`;
	if (choice.length < min || choice.length > max) return min === max ? `must name exactly ${min} option` : `must name ${min} to ${max} options`;
	const seen = new Set<number>();
	for (const i of choice) {
		if (!Number.isSafeInteger(i) || i < 0 || i >= options) return `names option ${String(i)}, which is not one of the ${options} options`;
		if (seen.has(i)) return `names option ${i} twice`;
		seen.add(i);
	}
	return null;
}

/** The option with strictly the most weight, or null when first place is tied or nobody chose any. */
export function soleLeader(counts: ReadonlyArray<number | null>): number | null {
	let leader: number | null = null;
	let best = 0;
	let tied = false;
	counts.forEach((c, i) => {
		if (c === null || c < best || c === 0) return;
		tied = c === best;
		if (c > best) {
			best = c;
			leader = i;
		}
	});
	return tied ? null : leader;
}

/** Counts weight per selected option; support is the winner's weight over the weight that selected anything. */
export function countSelections(rule: CountTally['rule'], ballots: Iterable<Weighted<OptionsChoice>>, options: number, terms: TallyTerms): CountTally {
	const counts = new Array<number>(options).fill(0);
	let abstain = 0;
	let expressed = 0;
	for (const { choice, weight } of ballots) {
		if (choice === ABSTAIN) {
			abstain = addWeight(abstain, weight);
			continue;
		}
		expressed = addWeight(expressed, weight);
		for (const i of choice) counts[i] = addWeight(counts[i]!, weight);
	}
	const winner = soleLeader(counts);
	const cast = addWeight(expressed, abstain);
	return { rule, counts, winner, ...decide(terms, cast, abstain, winner === null ? 0 : counts[winner]!, winner === null ? 0 : expressed) };
}
