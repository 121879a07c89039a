/**
 * The arithmetic every rule shares: weights add up saturating at 2^53 - 1
 * (exact below it, and the same in any order, so no sum can leave the safe
 * integers the codec carries), and thresholds compare exactly in BigInt
 * (weight × 10^6 overflows doubles long before weights do).
 */
import { PPM } from '../params.js';
import type { Decision, TallyTerms } from './types.js';

export function addWeight(a: number, b: number): number {
	const sum = a + b;
	return sum > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : sum;
}

/** part / whole ≥ ppm / 10^6, inclusive; never true of an empty whole. */
export function meets(part: number, whole: number, ppm: number): boolean {
	if (whole <= 0) return false;
	return BigInt(part) * BigInt(PPM) >= BigInt(ppm) * BigInt(whole);
}

/** Quorum over the snapshotted total; support `support` out of `of` against the threshold. */
export function decide(terms: TallyTerms, cast: number, abstain: number, support: number, of: number): Decision {
	const quorumReached = meets(cast, terms.total, terms.quorumPpm);
	const approved = meets(support, of, terms.thresholdPpm);
	return { total: terms.total, cast, abstain, quorumReached, approved, passed: quorumReached && approved };
}
