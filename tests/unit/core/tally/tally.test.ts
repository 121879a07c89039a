/**
 * The tally rules against their fixture files (tests/fixtures/tally), the
 * ballot shapes each rule accepts, and properties: no rule depends on the
 * order of ballots, and delegation counts every weight at most once, with a
 * direct ballot overriding a delegation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import binaryFixture from '../../../fixtures/tally/binary.json';
import singleFixture from '../../../fixtures/tally/single.json';
import approvalFixture from '../../../fixtures/tally/approval.json';
import rankedFixture from '../../../fixtures/tally/ranked.json';
import delegationFixture from '../../../fixtures/tally/delegation.json';
import { invalidChoice, resolveDelegations, tally, type Choice, type RuleName, type TallyTerms, type Weighted } from '../../../../src/lib/core/tally/index.js';

interface Fixture {
	readonly rule: RuleName;
	readonly cases: ReadonlyArray<{ name: string; options?: number; terms: TallyTerms; ballots: Array<[Choice, number]>; expected: unknown }>;
}

const weighted = (ballots: Array<[Choice, number]>): Array<Weighted<Choice>> => ballots.map(([choice, weight]) => ({ choice, weight }));

describe('tally: fixture files', () => {
	for (const fixture of [binaryFixture, singleFixture, approvalFixture, rankedFixture] as unknown as Fixture[]) {
		describe(fixture.rule, () => {
			for (const c of fixture.cases) {
				it(c.name, () => {
					expect(tally(fixture.rule, weighted(c.ballots), c.options ?? 0, c.terms)).toEqual(c.expected);
				});
			}
		});
	}

	describe('delegation', () => {
		interface Case {
			name: string;
			weights: Record<string, number>;
			delegates: Record<string, string>;
			ballots: Array<[string, Choice]>;
			expected: { ballots: Array<[string, Choice, number]>; delegated: number };
		}
		for (const c of delegationFixture.cases as unknown as Case[]) {
			it(c.name, () => {
				const r = resolveDelegations({ weights: c.weights, delegates: c.delegates }, new Map(c.ballots));
				expect(r.ballots.map((b) => [b.voter, b.choice, b.weight])).toEqual(c.expected.ballots);
				expect(r.delegated).toBe(c.expected.delegated);
			});
		}
	});
});

describe('tally: which ballots each rule accepts', () => {
	const cases: Array<[RuleName, Choice, number, RegExp | null]> = [
		['binary', 'for', 0, null],
		['binary', 'against', 0, null],
		['binary', 'abstain', 0, null],
		['binary', [0], 0, /must be one of for, against, abstain/],
		['single', [1], 2, null],
		['single', 'abstain', 2, null],
		['single', 'for', 2, /must be abstain or a list of option numbers/],
		['single', [0, 1], 2, /exactly 1 option/],
		['single', [], 2, /exactly 1 option/],
		['single', [2], 2, /option 2, which is not one of the 2 options/],
		['approval', [0, 1], 2, null],
		['approval', [1], 2, null],
		['approval', [], 2, /must name 1 to 2 options/],
		['approval', [1, 1], 2, /names option 1 twice/],
		['ranked', [2, 0, 1], 3, null],
		['ranked', [2], 3, null],
		['ranked', [0, 0], 3, /names option 0 twice/],
		['ranked', [0, 1, 2, 3], 3, /must name 1 to 3 options/],
		['ranked', [-1], 3, /option -1/]
	];
	for (const [rule, choice, options, why] of cases) {
		it(`${rule}: ${JSON.stringify(choice)} on ${options} options is ${why ? 'refused' : 'accepted'}`, () => {
			const answer = invalidChoice(rule, choice, options);
			if (why) expect(answer).toMatch(why);
			else expect(answer).toBeNull();
		});
	}
});

describe('tally: properties', () => {
	const terms = fc.record({ total: fc.integer({ min: 0, max: 10_000 }), quorumPpm: fc.integer({ min: 0, max: 1_000_000 }), thresholdPpm: fc.integer({ min: 0, max: 1_000_000 }) });
	const weight = fc.integer({ min: 0, max: 50 });
	const binaryBallots = fc.array(fc.record({ choice: fc.constantFrom<Choice>('for', 'against', 'abstain'), weight }), { maxLength: 30 });
	const optionBallots = (options: number, exactlyOne: boolean) =>
		fc.array(
			fc.record({
				choice: fc.oneof(
					{ weight: 1, arbitrary: fc.constant<Choice>('abstain') },
					{ weight: 6, arbitrary: exactlyOne ? fc.integer({ min: 0, max: options - 1 }).map((i): Choice => [i]) : fc.shuffledSubarray([...Array(options).keys()], { minLength: 1 }) }
				),
				weight
			}),
			{ maxLength: 30 }
		);
	const cases: Array<[RuleName, fc.Arbitrary<[number, Array<Weighted<Choice>>]>]> = [
		['binary', binaryBallots.map((b) => [0, b])],
		['single', fc.integer({ min: 2, max: 5 }).chain((n) => optionBallots(n, true).map((b): [number, Array<Weighted<Choice>>] => [n, b]))],
		['approval', fc.integer({ min: 2, max: 5 }).chain((n) => optionBallots(n, false).map((b): [number, Array<Weighted<Choice>>] => [n, b]))],
		['ranked', fc.integer({ min: 2, max: 5 }).chain((n) => optionBallots(n, false).map((b): [number, Array<Weighted<Choice>>] => [n, b]))]
	];
	for (const [rule, arb] of cases) {
		it(`${rule}: the result does not depend on the order of the ballots`, () => {
			fc.assert(
				fc.property(
					arb.chain(([n, ballots]) => fc.tuple(fc.constant(n), fc.constant(ballots), fc.shuffledSubarray(ballots, { minLength: ballots.length, maxLength: ballots.length }))),
					terms,
					([n, ballots, shuffled], t) => {
						expect(tally(rule, shuffled, n, t)).toEqual(tally(rule, ballots, n, t));
					}
				),
				{ numRuns: 200 }
			);
		});
	}

	/** A random electorate of `n` members 0…n-1 whose delegations point only to higher numbers (so acyclic), and random voters. */
	const electorate = fc.integer({ min: 1, max: 25 }).chain((n) =>
		fc.record({
			weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n, maxLength: n }),
			delegates: fc.array(fc.option(fc.integer({ min: 1, max: n }), { nil: undefined }), { minLength: n, maxLength: n }),
			votes: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
			order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })
		})
	);

	it('delegation counts every member at most once, through the nearest voter up their chain, and a direct ballot overrides', () => {
		fc.assert(
			fc.property(electorate, ({ weights, delegates, votes, order }) => {
				const n = weights.length;
				const name = (i: number) => `m${i}`;
				const w: Record<string, number> = {};
				const d: Record<string, string> = {};
				weights.forEach((x, i) => (w[name(i)] = x));
				delegates.forEach((step, i) => {
					if (step !== undefined && i + step < n) d[name(i)] = name(i + step);
				});
				const ballots = new Map(order.filter((i) => votes[i]).map((i) => [name(i), 'for' as Choice]));
				const r = resolveDelegations({ weights: w, delegates: d }, ballots);
				// The reference: walk each member's chain to the first voter, naively.
				const expected = new Map([...ballots.keys()].map((v) => [v, 0]));
				let delegated = 0;
				for (let i = 0; i < n; i++) {
					let at: string | undefined = name(i);
					while (at !== undefined && !ballots.has(at)) at = d[at];
					if (at === undefined) continue;
					expected.set(at, expected.get(at)! + weights[i]!);
					if (at !== name(i)) delegated += weights[i]!;
				}
				expect(new Map(r.ballots.map((b) => [b.voter, b.weight]))).toEqual(expected);
				expect(r.delegated).toBe(delegated);
				// Never more than the electorate, and every voter keeps at least their own weight.
				expect(r.ballots.reduce((sum, b) => sum + b.weight, 0)).toBeLessThanOrEqual(weights.reduce((a, b) => a + b, 0));
				for (const b of r.ballots) expect(b.weight).toBeGreaterThanOrEqual(w[b.voter]!);
				expect(r.ballots.map((b) => b.voter)).toEqual([...ballots.keys()]);
			}),
			{ numRuns: 300 }
		);
	});
});
