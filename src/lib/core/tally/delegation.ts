/**
 * Liquid delegation, resolved when ballots are counted. A member who casts
 * no ballot is counted through the nearest member up their delegation chain
 * who did (A delegates to B, B to C: if only C votes, C's ballot carries A
 * and B; if B votes too, B's carries A). A member who votes is counted
 * through their own ballot only, whoever they delegated to: voting directly
 * overrides a delegation. A chain that reaches no ballot counts nobody.
 * So every member's weight is counted at most once, in one ballot.
 *
 * Linear in the ballots plus the delegations: each member's nearest voter is
 * found once and remembered along the chain.
 */
import { addWeight } from './ratio.js';
import type { Weighted } from './types.js';

/** Who may vote and with what, and who delegates to whom, as of the snapshot. */
export interface Electorate {
	/** Weight of every member eligible when voting opened. */
	readonly weights: Readonly<Record<string, number>>;
	/** Delegator → delegate. Acyclic (a cycle would simply count nobody on it). */
	readonly delegates: Readonly<Record<string, string>>;
}

export interface Resolved<C> {
	/** One per ballot, in the ballots' order, with the voter's own weight plus what delegation brought. */
	readonly ballots: Array<Weighted<C> & { readonly voter: string }>;
	/** The part of their weights that came through delegation. */
	readonly delegated: number;
}

const weightOf = (e: Electorate, who: string): number => (Object.hasOwn(e.weights, who) ? e.weights[who]! : 0);

export function resolveDelegations<C>(electorate: Electorate, ballots: ReadonlyMap<string, C>): Resolved<C> {
	const carried = new Map<string, number>();
	for (const voter of ballots.keys()) carried.set(voter, weightOf(electorate, voter));
	const nearest = new Map<string, string | null>();
	const nearestVoter = (start: string): string | null => {
		const path: string[] = [];
		const seen = new Set<string>();
		let at: string | undefined = start;
		let found: string | null = null;
		while (at !== undefined && !seen.has(at)) {
			if (ballots.has(at)) {
				found = at;
				break;
			}
			if (nearest.has(at)) {
				found = nearest.get(at)!;
				break;
			}
			seen.add(at);
			path.push(at);
			at = Object.hasOwn(electorate.delegates, at) ? electorate.delegates[at] : undefined;
		}
		for (const p of path) nearest.set(p, found);
		return found;
	};
	let delegated = 0;
	for (const [delegator, delegate] of Object.entries(electorate.delegates)) {
		if (ballots.has(delegator)) continue;
		const voter = nearestVoter(delegate);
		const weight = weightOf(electorate, delegator);
		if (voter === null || weight === 0) continue;
		carried.set(voter, addWeight(carried.get(voter)!, weight));
		delegated = addWeight(delegated, weight);
	}
	return { ballots: [...ballots].map(([voter, choice]) => ({ voter, choice, weight: carried.get(voter)! })), delegated };
}
