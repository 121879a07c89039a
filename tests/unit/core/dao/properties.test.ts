/**
 * Properties of governance over random histories at the state-machine
 * level: nothing executes without passing and waiting out its timelock;
 * weight snapshots hold when balances move mid-vote; the outcome does not
 * depend on the order ballots arrive in; delegation never counts a weight
 * twice and a direct ballot overrides it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, type Hex } from '../../../../src/lib/core/bytes.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import { AgoraError } from '../../../../src/lib/core/errors.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import { listProposals, proposalView } from '../../../../src/lib/core/state/dao/queries.js';
import { SETTING_NAMES, settingView } from '../../../../src/lib/core/state/dao/settings.js';
import { liveDelegate } from '../../../../src/lib/core/state/members.js';
import { keys } from '../../../helpers/community.js';
import { Community, hex, single } from './harness.js';

const MEMBERS = keys(5, 10);
const CHOICES: Encodable[] = ['for', 'against', 'abstain'];

/** Applies a transaction if the state accepts it; a rejection is part of a random history. */
function attempt(fn: () => unknown): boolean {
	try {
		fn();
		return true;
	} catch (e) {
		if (!(e instanceof AgoraError)) throw e;
		return false;
	}
}

describe('governance properties', () => {
	const token = new Community({ members: MEMBERS, allocations: MEMBERS.map((k, i) => [k, 100 * (i + 1)] as const), dao: { weight: 'token', quorumPpm: 200_000, proposalDeposit: 5 } });

	it('no action executes without passing and waiting out its timelock, and nothing else changes a governed setting', () => {
		// Mostly ballots for recent proposals, mostly in favour, and many attempts to execute, so that plenty pass and execute.
		const choice = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(2) });
		const recent = fc.nat(2);
		const step = fc.oneof(
			{ weight: 1, arbitrary: fc.record({ propose: fc.nat(4), fee: fc.integer({ min: 0, max: 9 }), emergency: fc.boolean() }) },
			{ weight: 6, arbitrary: fc.record({ vote: fc.nat(4), proposal: recent, choice }) },
			{ weight: 2, arbitrary: fc.record({ execute: fc.nat(4) }) },
			{ weight: 1, arbitrary: fc.record({ cancel: recent }) },
			{ weight: 3, arbitrary: fc.record({ wait: fc.integer({ min: 0, max: 6_000 }) }) }
		);
		fc.assert(
			fc.property(fc.array(step, { minLength: 40, maxLength: 120 }), (steps) => {
				const c = token.reset();
				const ids: Hex[] = [];
				const pick = (back: number): Hex | undefined => ids[ids.length - 1 - Math.min(back, ids.length - 1)];
				for (const s of steps) {
					if ('propose' in s) {
						attempt(() => ids.push(c.propose(MEMBERS[s.propose]!, single({ type: 'change', setting: 'policy.fee', changes: { minimumFee: s.fee } }, { emergency: s.emergency }))));
					} else if ('vote' in s) {
						const id = pick(s.proposal);
						if (id) attempt(() => c.vote(MEMBERS[s.vote]!, id, CHOICES[s.choice]!));
					} else if ('execute' in s) {
						// Someone tries to execute every proposal: most attempts are refused (open, defeated, timelocked, expired, done).
						for (const id of ids) {
							const before = proposalView(c.state, id)!;
							if (attempt(() => c.execute(MEMBERS[s.execute]!, id))) {
								expect(before.status).toBe('queued');
								expect(before.outcome!.passed).toBe(true);
								expect(c.time).toBeGreaterThanOrEqual(before.eta!);
								expect(c.time).toBeLessThan(before.expires!);
							}
						}
					} else if ('cancel' in s) {
						const id = pick(s.cancel);
						if (id) attempt(() => c.send(MEMBERS[0]!, 'dao.cancel', { proposal: fromHex(id) }));
					} else {
						c.next(s.wait);
					}
				}
				c.next(100_000).next();
				const executed = new Set<Hex>();
				for (const p of listProposals(c.state)) {
					if (p.status !== 'executed') continue;
					executed.add(p.id);
					expect(p.outcome!.passed).toBe(true);
					expect(p.executed!.time).toBeGreaterThanOrEqual(p.eta!);
					expect(p.executed!.time).toBeLessThan(p.expires!);
					expect(p.history.map((t) => t.status)).toEqual(['pending', 'active', 'succeeded', 'queued', 'executed']);
				}
				for (const name of SETTING_NAMES) {
					const v = settingView(c.state, name);
					if (v.origin.proposal !== null) expect(executed.has(v.origin.proposal)).toBe(true);
					if (v.pending) expect(executed.has(v.pending.proposal)).toBe(true);
				}
			}),
			{ numRuns: 60 }
		);
	});

	it('weights are the balances when voting opened, however tokens move during the vote', () => {
		const moves = fc.array(fc.oneof(fc.record({ from: fc.nat(4), to: fc.nat(4), amount: fc.integer({ min: 1, max: 300 }) }), fc.record({ voter: fc.nat(4), choice: fc.nat(2) })), { minLength: 5, maxLength: 30 });
		fc.assert(
			fc.property(moves, (steps) => {
				const c = token.reset();
				const id = c.propose(MEMBERS[4]!, single({ type: 'text' }));
				c.next();
				const atOpen = MEMBERS.map((k) => getAccount(c.state, hex(k)).balance);
				const last = new Map<number, number>();
				for (const s of steps) {
					if ('from' in s) attempt(() => c.send(MEMBERS[s.from]!, 'transfer', { to: MEMBERS[s.to]!.publicKey, amount: s.amount }));
					else {
						c.vote(MEMBERS[s.voter]!, id, CHOICES[s.choice]!);
						last.set(s.voter, s.choice);
					}
					c.next(100);
				}
				c.next(20_000).next();
				const sum = (choice: number) => [...last].filter(([, ch]) => ch === choice).reduce((n, [v]) => n + atOpen[v]!, 0);
				expect(proposalView(c.state, id)!.outcome).toMatchObject({ for: sum(0), against: sum(1), abstain: sum(2), total: atOpen.reduce((a, b) => a + b, 0) });
			}),
			{ numRuns: 60 }
		);
	});

	it('the outcome does not depend on the order or blocks ballots arrive in; the last ballot of each voter counts', () => {
		const ballots = fc.array(fc.record({ voter: fc.nat(4), choice: fc.nat(2) }), { minLength: 1, maxLength: 12 });
		fc.assert(
			fc.property(ballots, fc.array(fc.nat(2), { minLength: 12, maxLength: 12 }), (list, gaps) => {
				const run = (order: typeof list, blockBreaks: number[]) => {
					const c = token.reset();
					const id = c.propose(MEMBERS[4]!, single({ type: 'text' }));
					c.next();
					order.forEach((b, i) => {
						c.vote(MEMBERS[b.voter]!, id, CHOICES[b.choice]!);
						if (blockBreaks[i]) c.next(blockBreaks[i]! * 100);
					});
					c.next(20_000).next();
					return proposalView(c.state, id)!.outcome;
				};
				// Reordering keeps each voter's last ballot last: shuffle voters' final ballots among themselves.
				const finals = new Map(list.map((b) => [b.voter, b]));
				const reordered = [...finals.values()].reverse();
				expect(run(reordered, [])).toEqual(run(list, gaps));
			}),
			{ numRuns: 40 }
		);
	});

	it('delegation never counts a weight twice, and a direct ballot overrides it', () => {
		const history = fc.array(fc.oneof(fc.record({ delegator: fc.nat(4), to: fc.option(fc.nat(4), { nil: null }) }), fc.record({ voter: fc.nat(4) })), { minLength: 4, maxLength: 25 });
		fc.assert(
			fc.property(history, fc.array(fc.record({ delegator: fc.nat(4), to: fc.option(fc.nat(4), { nil: null }) }), { maxLength: 5 }), (before, during) => {
				const c = token.reset();
				for (const s of before) if ('delegator' in s) attempt(() => c.delegate(MEMBERS[s.delegator]!, s.to === null ? null : MEMBERS[s.to]!));
				const id = c.propose(MEMBERS[4]!, single({ type: 'text' }));
				c.next();
				const weights = new Map(MEMBERS.map((k) => [hex(k), getAccount(c.state, hex(k)).balance]));
				const delegates = new Map(MEMBERS.map((k) => [hex(k), liveDelegate(c.state, hex(k))]));
				const voters = new Set<Hex>();
				for (const s of before) {
					if ('voter' in s) {
						c.vote(MEMBERS[s.voter]!, id, 'for');
						voters.add(hex(MEMBERS[s.voter]!));
					}
				}
				// Delegations made during the vote count for later votes, not this one.
				for (const s of during) attempt(() => c.delegate(MEMBERS[s.delegator]!, s.to === null ? null : MEMBERS[s.to]!));
				c.next(20_000).next();
				let expected = 0;
				for (const [who, w] of weights) {
					let at: Hex | undefined = who;
					const seen = new Set<Hex>();
					while (at !== undefined && !voters.has(at) && !seen.has(at)) {
						seen.add(at);
						at = delegates.get(at);
					}
					if (at !== undefined && voters.has(at)) expected += w;
				}
				const outcome = proposalView(c.state, id)!.outcome!;
				expect(outcome.cast).toBe(expected);
				expect(outcome.cast).toBeLessThanOrEqual(outcome.total);
				for (const v of voters) expect(outcome.cast).toBeGreaterThanOrEqual(weights.get(v)!);
			}),
			{ numRuns: 80 }
		);
	});
});
