/** The read-only views the app and `agora verify` use. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../../../../src/lib/core/bytes.js';
import { TREASURY } from '../../../../src/lib/core/state/accounts.js';
import { scheduleDeadline, takeDue, pendingDeadlines } from '../../../../src/lib/core/state/dao/deadlines.js';
import { governanceSummary, listProposals, producedBy, proposalView, settingOrigin, tallyOf } from '../../../../src/lib/core/state/dao/queries.js';
import { StateTree } from '../../../../src/lib/core/state/tree.js';
import { ann, bob, cat, Community, hex, single, TEXT } from './harness.js';

const FEE = single({ type: 'change', setting: 'policy.fee', changes: { minimumFee: 4 } });

describe('queries', () => {
	it('proposals by status, newest first', () => {
		const c = new Community({ members: [ann, bob, cat], allocations: [[ann, 100]], dao: { quorumPpm: 600_000 } });
		const a = c.propose(ann, single(TEXT));
		const b = c.propose(ann, FEE);
		c.next();
		c.vote(bob, b, 'for');
		c.vote(cat, b, 'for');
		const d = c.propose(ann, single(TEXT));
		expect(listProposals(c.state).map((p) => p.id)).toEqual([d, b, a]);
		expect(listProposals(c.state, ['active']).map((p) => p.id)).toEqual([b, a]);
		c.until(c.time + 20_000);
		expect(listProposals(c.state, ['queued']).map((p) => p.id)).toEqual([b]);
		expect(listProposals(c.state, ['defeated']).map((p) => p.id)).toEqual([d, a]);
	});

	it('a live tally while voting is open, the final one after; none before voting opens', () => {
		const c = new Community({ members: [ann, bob, cat], dao: { proposalDeposit: 0, votingDelayMs: 1000 } });
		const id = c.propose(ann, FEE);
		expect(tallyOf(c.state, id)).toBeUndefined();
		c.next().next();
		expect(tallyOf(c.state, id)).toEqual({ final: false, outcome: expect.objectContaining({ for: 0, cast: 0, total: 3, passed: false }) });
		c.vote(bob, id, 'for');
		expect(tallyOf(c.state, id)).toEqual({ final: false, outcome: expect.objectContaining({ for: 1, cast: 1, passed: true }) });
		c.until(c.time + 20_000);
		expect(tallyOf(c.state, id)).toEqual({ final: true, outcome: proposalView(c.state, id)!.outcome });
		expect(tallyOf(c.state, '00'.repeat(32))).toBeUndefined();
	});

	it('every governed setting names the proposal, the ballots and the block that made it', () => {
		const c = new Community({ members: [ann, bob, cat], dao: { proposalDeposit: 0 } });
		expect(settingOrigin(c.state, 'policy.fee')).toMatchObject({ proposal: null, ballots: [], setting: { origin: { proposal: null, effectiveFrom: 0 } } });
		const id = c.propose(ann, FEE);
		c.next();
		c.vote(bob, id, 'for');
		c.vote(cat, id, 'against');
		c.until(c.time + 15_000);
		c.send(ann, 'dao.execute', { proposal: fromHex(id) });
		const height = c.height;
		expect(producedBy(c.state, id)).toEqual([expect.objectContaining({ name: 'policy.fee', pending: expect.objectContaining({ proposal: id, effectiveFrom: height + 1 }) })]);
		c.next();
		const origin = settingOrigin(c.state, 'policy.fee');
		expect(origin.setting).toMatchObject({ name: 'policy.fee', value: { minimumFee: 4 }, origin: { proposal: id, effectiveFrom: height + 1 }, pending: null });
		expect(origin.proposal).toMatchObject({ id, status: 'executed', executed: { height } });
		expect(origin.ballots.map((b) => [b.voter, b.choice])).toEqual([
			[hex(bob), 'for'],
			[hex(cat), 'against']
		]);
		expect(producedBy(c.state, id).map((s) => s.name)).toEqual(['policy.fee']);
	});

	it('the governance summary for `agora verify --json`', () => {
		const c = new Community({ members: [ann, bob, cat], allocations: [[ann, 100]], dao: { quorumPpm: 600_000 } });
		c.delegate(cat, bob);
		const passed = c.propose(ann, FEE);
		c.propose(ann, single(TEXT));
		c.next();
		c.vote(bob, passed, 'for');
		c.vote(ann, passed, 'for');
		c.until(c.time + 20_000);
		c.send(bob, 'dao.execute', { proposal: fromHex(passed) });
		c.next();
		const summary = governanceSummary(c.state);
		expect(summary).toMatchObject({
			proposals: 2,
			byStatus: { executed: 1, defeated: 1, pending: 0, active: 0, succeeded: 0, queued: 0, expired: 0, cancelled: 0 },
			ballots: 2,
			delegations: 1,
			members: 3,
			treasury: 10,
			upgrade: null
		});
		expect(summary.settings.find((s) => s.name === 'policy.fee')).toMatchObject({ proposal: passed, pending: null });
		expect(summary.settings.find((s) => s.name === 'params')).toMatchObject({ proposal: null, effectiveFrom: 0 });
		expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
		expect(c.balance(TREASURY)).toBe(10);
	});
});

describe('deadlines: the heap in state', () => {
	it('pops deadlines in (time, proposal) order, only once due, whatever order they were scheduled in', () => {
		fc.assert(
			fc.property(
				fc.array(fc.oneof(fc.record({ push: fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')) }), fc.record({ pop: fc.integer({ min: 0, max: 50 }) })), { maxLength: 60 }),
				(ops) => {
					const state = new StateTree();
					const reference: Array<[number, string]> = [];
					for (const op of ops) {
						if ('push' in op) {
							scheduleDeadline(state, op.push[0], op.push[1]);
							reference.push(op.push);
							reference.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
						} else {
							const due = reference.length > 0 && reference[0]![0] <= op.pop ? reference.shift()! : undefined;
							expect(takeDue(state, op.pop)).toBe(due?.[1]);
						}
						expect(pendingDeadlines(state)).toEqual(reference);
					}
				}
			),
			{ numRuns: 300 }
		);
	});
});
