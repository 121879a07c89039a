/**
 * A proposal's lifecycle, one test per rule: each transition and when it
 * happens, the deposit, cancelling, executing, emergency and constitutional
 * terms; then one test per rejection of dao.propose, dao.cancel and
 * dao.execute, each naming its code and field and leaving state untouched.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, type Hex } from '../../../../src/lib/core/bytes.js';
import { TREASURY } from '../../../../src/lib/core/state/accounts.js';
import { DEPOSITS } from '../../../../src/lib/core/state/dao/lifecycle.js';
import { proposalView, type ProposalView } from '../../../../src/lib/core/state/dao/queries.js';
import { getPolicy } from '../../../../src/lib/core/state/policy.js';
import { getDaoConfig } from '../../../../src/lib/core/state/dao/config.js';
import { T0 } from '../../../helpers/community.js';
import { ann, bob, cat, Community, dan, eve, hex, outsider, single, TEXT } from './harness.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import type { ErrorCode } from '../../../../src/lib/core/errors.js';

const FEE_CHANGE: Encodable = { type: 'change', setting: 'policy.fee', changes: { minimumFee: 7 } };

/** Four members with 100 each (ann 1000); 1 member 1 vote; quorum 10%, approval 50%. */
function community(dao = {}): Community {
	return new Community({ members: [ann, bob, cat, dan], allocations: [[ann, 1000], [bob, 100], [cat, 100], [dan, 100]], dao });
}

const view = (c: Community, id: Hex): ProposalView => proposalView(c.state, id)!;
const statuses = (c: Community, id: Hex): string[] => view(c, id).history.map((t) => t.status);

/** Proposes, lets voting open, casts the given ballots, and closes the vote. */
function decided(c: Community, action: Encodable, ballots: Array<[typeof ann, Encodable]>, extra: Record<string, Encodable> = {}): Hex {
	const id = c.propose(ann, single(action, extra));
	c.next();
	for (const [who, choice] of ballots) c.vote(who, id, choice);
	c.until(view(c, id).terms.votingEnds);
	c.next();
	return id;
}

describe('lifecycle: transitions', () => {
	it('a new proposal is pending, with its terms fixed from the configuration, and pays its deposit into escrow', () => {
		const c = community();
		const id = c.propose(ann, single(FEE_CHANGE));
		const v = view(c, id);
		expect(v).toMatchObject({ status: 'pending', number: 1, proposer: hex(ann), deposit: 10, ballots: 0 });
		expect(v.terms).toEqual({ votingStarts: c.time, votingEnds: c.time + 10_000, executionDelayMs: 5_000, gracePeriodMs: 20_000, quorumPpm: 100_000, thresholdPpm: 500_000 });
		expect(v.created).toEqual({ height: c.height, time: c.time, tx: id });
		expect(c.balance(ann)).toBe(990);
		expect(c.balance(DEPOSITS)).toBe(10);
	});

	it('voting opens at the end of the first block at or after votingStarts, snapshotting the total weight', () => {
		const c = community({ votingDelayMs: 2500 });
		const id = c.propose(ann, single(TEXT));
		const start = view(c, id).terms.votingStarts;
		c.until(start - 500).next(); // the block at votingStarts - 500 ends
		expect(view(c, id).status).toBe('pending');
		c.reject(bob, 'dao.vote', { proposal: fromHex(id), choice: 'for' }, 'E_DAO_STATUS', 'body.proposal');
		c.next(); // the block at votingStarts + 500 ends
		expect(view(c, id)).toMatchObject({ status: 'active', snapshot: { height: c.height - 1, total: 4 } });
		expect(view(c, id).history[1]).toEqual({ status: 'active', height: c.height - 1, time: start + 500 });
	});

	it('the vote closes at the end of the first block at or after votingEnds; a passed action is succeeded then queued behind its timelock', () => {
		const c = community();
		const id = decided(c, FEE_CHANGE, [[ann, 'for'], [bob, 'for']]);
		const v = view(c, id);
		expect(statuses(c, id)).toEqual(['pending', 'active', 'succeeded', 'queued']);
		expect(v.eta).toBe(v.terms.votingEnds + 5_000);
		expect(v.expires).toBe(v.eta! + 20_000);
		expect(v.outcome).toMatchObject({ rule: 'binary', for: 2, against: 0, total: 4, cast: 2, passed: true, delegated: 0 });
	});

	it('a passed text stays succeeded: nothing to execute', () => {
		const c = community();
		const id = decided(c, TEXT, [[ann, 'for']]);
		expect(statuses(c, id)).toEqual(['pending', 'active', 'succeeded']);
		c.until(c.time + 100_000);
		expect(view(c, id).status).toBe('succeeded');
	});

	it('a vote that misses approval is defeated', () => {
		const c = community();
		const id = decided(c, FEE_CHANGE, [[ann, 'for'], [bob, 'against'], [cat, 'against']]);
		expect(statuses(c, id)).toEqual(['pending', 'active', 'defeated']);
		expect(view(c, id).outcome).toMatchObject({ quorumReached: true, approved: false, passed: false });
	});

	it('a vote that misses quorum is defeated and its deposit goes to the treasury', () => {
		const c = community({ quorumPpm: 500_000 });
		const id = decided(c, FEE_CHANGE, [[bob, 'for']]);
		expect(view(c, id)).toMatchObject({ status: 'defeated', outcome: { quorumReached: false, approved: true } });
		expect(c.balance(TREASURY)).toBe(10);
		expect(c.balance(ann)).toBe(990);
		expect(c.balance(DEPOSITS)).toBe(0);
	});

	it('a vote that reaches quorum returns the deposit, even when defeated', () => {
		const c = community();
		decided(c, FEE_CHANGE, [[bob, 'against']]);
		expect(c.balance(ann)).toBe(1000);
		expect(c.balance(TREASURY)).toBe(0);
		expect(c.balance(DEPOSITS)).toBe(0);
	});

	it('executing in [eta, expires) applies the action and records the block and transaction', () => {
		const c = community();
		const id = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.until(view(c, id).eta!);
		const tx = c.execute(dan, id);
		expect(view(c, id)).toMatchObject({ status: 'executed', executed: { height: c.height, time: c.time, tx } });
		expect(statuses(c, id)).toEqual(['pending', 'active', 'succeeded', 'queued', 'executed']);
		c.next();
		expect(getPolicy(c.state, 'fee').minimumFee).toBe(7);
	});

	it('a queued proposal not executed by `expires` expires at the end of the first block at or after it', () => {
		const c = community();
		const id = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.until(view(c, id).expires! - 1);
		c.next();
		expect(view(c, id).status).toBe('queued');
		c.next();
		expect(view(c, id).status).toBe('expired');
		expect(getPolicy(c.state, 'fee').minimumFee).toBe(1);
	});

	it('the proposer may cancel while pending: cancelled, deposit back', () => {
		const c = community({ votingDelayMs: 5_000 });
		const id = c.propose(ann, single(TEXT));
		c.next();
		c.send(ann, 'dao.cancel', { proposal: fromHex(id) });
		expect(statuses(c, id)).toEqual(['pending', 'cancelled']);
		expect(c.balance(ann)).toBe(1000);
		c.until(c.time + 30_000);
		expect(view(c, id).status).toBe('cancelled');
	});

	it('the proposer may cancel while active if no ballot was cast', () => {
		const c = community();
		const id = c.propose(ann, single(TEXT));
		c.next();
		c.send(ann, 'dao.cancel', { proposal: fromHex(id) });
		expect(statuses(c, id)).toEqual(['pending', 'active', 'cancelled']);
		c.reject(bob, 'dao.vote', { proposal: fromHex(id), choice: 'for' }, 'E_DAO_STATUS', 'body.proposal');
	});

	it('an emergency proposal votes in the emergency period, needs the emergency threshold and waits the emergency timelock', () => {
		const c = community({ emergencyExecutionDelayMs: 1_000 });
		const id = c.propose(ann, single(FEE_CHANGE, { emergency: true }));
		expect(view(c, id).terms).toMatchObject({ votingEnds: c.time + 3_000, executionDelayMs: 1_000, thresholdPpm: 670_000 });
		c.next();
		c.vote(ann, id, 'for');
		c.vote(bob, id, 'for');
		c.vote(cat, id, 'against'); // 2/3 = 666,667 ppm < 670,000
		c.until(view(c, id).terms.votingEnds).next();
		expect(view(c, id).status).toBe('defeated');

		const again = c.propose(ann, single(FEE_CHANGE, { emergency: true }));
		c.next();
		for (const k of [ann, bob, cat]) c.vote(k, again, 'for');
		c.vote(dan, again, 'against'); // 3/4
		c.until(view(c, again).terms.votingEnds).next();
		expect(view(c, again)).toMatchObject({ status: 'queued', eta: view(c, again).terms.votingEnds + 1_000 });
	});

	it('changing the DAO configuration needs the constitutional threshold', () => {
		const c = community();
		const change: Encodable = { type: 'change', setting: 'dao', changes: { votingPeriodMs: 60_000 } };
		const id = decided(c, change, [[ann, 'for'], [bob, 'for'], [cat, 'against']]);
		expect(view(c, id).terms.thresholdPpm).toBe(670_000);
		expect(view(c, id).status).toBe('defeated');
		const again = decided(c, change, [[ann, 'for'], [bob, 'for'], [cat, 'for'], [dan, 'against']]);
		c.until(view(c, again).eta!);
		c.execute(ann, again);
		c.next();
		expect(getDaoConfig(c.state).votingPeriodMs).toBe(60_000);
	});

	it('a proposal keeps the terms it was made under when the configuration changes during its vote', () => {
		const c = community();
		const change = decided(c, { type: 'change', setting: 'dao', changes: { votingPeriodMs: 60_000, approvalThresholdPpm: 600_000 } }, [[ann, 'for'], [bob, 'for'], [cat, 'for']]);
		const running = c.propose(bob, single(TEXT));
		c.until(view(c, change).eta!);
		c.execute(ann, change);
		c.next();
		expect(view(c, running).terms).toMatchObject({ votingEnds: view(c, running).created.time + 10_000, thresholdPpm: 500_000 });
		expect(view(c, c.propose(cat, single(TEXT))).terms).toMatchObject({ thresholdPpm: 600_000, votingEnds: c.time + 60_000 });
	});

	it('after a long gap one block opens, closes and expires what fell due, in order', () => {
		const c = community();
		const id = c.propose(ann, single(FEE_CHANGE));
		c.next(100_000);
		c.next();
		expect(statuses(c, id)).toEqual(['pending', 'active', 'defeated']);
		const passed = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.next(1_000_000).next();
		expect(statuses(c, passed)).toEqual(['pending', 'active', 'succeeded', 'queued', 'expired']);
	});

	it('proposals are numbered in order and several can run at once', () => {
		const c = community();
		const ids = [c.propose(ann, single(TEXT)), c.propose(bob, single(TEXT)), c.propose(cat, single(TEXT))];
		expect(ids.map((id) => view(c, id).number)).toEqual([1, 2, 3]);
		c.next();
		c.vote(ann, ids[1]!, 'for');
		c.until(T0 + 100_000);
		expect(ids.map((id) => view(c, id).status)).toEqual(['defeated', 'succeeded', 'defeated']);
	});
});

describe('lifecycle: rejections of dao.propose', () => {
	it('a non-member may not propose', () => {
		community().reject(outsider, 'dao.propose', single(TEXT), 'E_TX_NOT_ALLOWED', 'from');
	});

	it('a proposer below the minimum weight may not propose', () => {
		const c = community({ weight: 'token', minProposerWeight: 200 });
		const e = c.reject(bob, 'dao.propose', single(TEXT), 'E_TX_NOT_ALLOWED', 'from');
		expect(e.message).toMatch(/weight of at least 200/);
	});

	it('a proposer without the deposit may not propose', () => {
		const c = community({ proposalDeposit: 101 });
		c.reject(bob, 'dao.propose', single(TEXT), 'E_TX_BALANCE', 'deposit');
	});

	it('a member may make at most `proposalLimit` proposals in any window', () => {
		const c = community({ proposalLimit: 2, proposalWindowMs: 5_000 });
		c.propose(bob, single(TEXT));
		c.next();
		c.propose(bob, single(TEXT));
		c.next();
		const e = c.reject(bob, 'dao.propose', single(TEXT), 'E_TX_NOT_ALLOWED', 'from');
		expect(e.message).toMatch(/already made 2 proposals/);
		c.propose(cat, single(TEXT));
		c.until(c.time + 3_001);
		c.propose(bob, single(TEXT)); // the first one left the window
	});

	const malformed: Array<[string, Encodable, string, ErrorCode?]> = [
		['no title', { body: '', action: TEXT }, 'body.title'],
		['an empty title', { title: '', body: '', action: TEXT }, 'body.title'],
		['neither action nor options', { title: 't', body: '' }, 'body.action'],
		['both an action and options', { title: 't', body: '', action: TEXT, rule: 'single', options: [] }, 'body.options'],
		['a rule with a single action', { title: 't', body: '', action: TEXT, rule: 'single' }, 'body.rule'],
		['one option', { title: 't', body: '', rule: 'single', options: [{ label: 'x', action: TEXT }] }, 'body.options'],
		['an unknown rule', { title: 't', body: '', rule: 'borda', options: [{ label: 'x', action: TEXT }, { label: 'y', action: TEXT }] }, 'body.rule'],
		['an unknown action type', single({ type: 'launch' }), 'body.action.type'],
		['an unknown setting', single({ type: 'change', setting: 'policy.colour', changes: { a: 1 } }), 'body.action.setting'],
		['no changes', single({ type: 'change', setting: 'params', changes: {} }), 'body.action.changes'],
		['a field the setting does not have', single({ type: 'change', setting: 'params', changes: { speed: 1 } }), 'body.action.changes.speed'],
		['a value out of range', single({ type: 'change', setting: 'policy.fee', changes: { baseFee: -1 } }), 'body.action.changes.baseFee'],
		['routing weights that no longer add up', single({ type: 'change', setting: 'policy.routing', changes: { costWeightPpm: 1 } }), 'body.action.changes.latencyWeightPpm'],
		['a constitutional change breaking its own rule', single({ type: 'change', setting: 'dao', changes: { constitutionalThresholdPpm: 100_000 } }), 'body.action.changes.constitutionalThresholdPpm'],
		['an unknown contract', single({ type: 'change', setting: 'contracts', changes: { casino: [] } }), 'body.action.changes.casino'],
		['a zero afterBlocks', single({ ...(FEE_CHANGE as object), afterBlocks: 0 }), 'body.action.afterBlocks'],
		['admitting a member', single({ type: 'admit', key: bob.publicKey, name: 'bob' }), 'body.action.key', 'E_TX_NOT_ALLOWED'],
		['removing a non-member', single({ type: 'remove', key: outsider.publicKey }), 'body.action.key', 'E_TX_NOT_ALLOWED'],
		['a treasury payment of 0', single({ type: 'treasury', payments: [{ to: bob.publicKey, amount: 0 }] }), 'body.action.payments[0].amount'],
		['no treasury payment', single({ type: 'treasury', payments: [] }), 'body.action.payments'],
		['a malformed version', single({ type: 'upgrade', version: 'v2' }), 'body.action.version'],
		['an authority that is not a member', single({ type: 'authorities', add: [outsider.publicKey] }), 'body.action.add[0]', 'E_TX_NOT_ALLOWED'],
		['an authority added twice', single({ type: 'authorities', add: [ann.publicKey] }), 'body.action.add[0]', 'E_TX_NOT_ALLOWED'],
		['removing a key that is not an authority', single({ type: 'authorities', remove: [bob.publicKey] }), 'body.action.remove[0]', 'E_TX_NOT_ALLOWED'],
		['removing the last authority', single({ type: 'authorities', remove: [ann.publicKey] }), 'body.action.remove'],
		['an authority change naming nobody', single({ type: 'authorities' }), 'body.action.add'],
		['a bad option action', { title: 't', body: '', rule: 'ranked', options: [{ label: 'x', action: TEXT }, { label: 'y', action: { type: 'remove', key: outsider.publicKey } }] }, 'body.options[1].action.key', 'E_TX_NOT_ALLOWED'],
		['an extra field', { ...(single(TEXT) as object), colour: 'red' }, 'body.colour']
	];
	for (const [what, body, field, code = 'E_SCHEMA'] of malformed) {
		it(`refuses ${what} with ${code}, naming ${field}`, () => {
			community().reject(ann, 'dao.propose', body, code, field);
		});
	}
});

describe('lifecycle: rejections of dao.cancel', () => {
	it('an unknown proposal', () => {
		community().reject(ann, 'dao.cancel', { proposal: new Uint8Array(32) }, 'E_DAO_PROPOSAL', 'body.proposal');
	});

	it('by someone other than the proposer', () => {
		const c = community();
		const id = c.propose(ann, single(TEXT));
		c.reject(bob, 'dao.cancel', { proposal: fromHex(id) }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('after a ballot was cast', () => {
		const c = community();
		const id = c.propose(ann, single(TEXT));
		c.next();
		c.vote(bob, id, 'abstain');
		const e = c.reject(ann, 'dao.cancel', { proposal: fromHex(id) }, 'E_DAO_STATUS', 'body.proposal');
		expect(e.message).toMatch(/already has 1 ballots/);
	});

	it('after the vote closed', () => {
		const c = community();
		const id = decided(c, TEXT, []);
		c.reject(ann, 'dao.cancel', { proposal: fromHex(id) }, 'E_DAO_STATUS', 'body.proposal');
	});

	it('twice', () => {
		const c = community();
		const id = c.propose(ann, single(TEXT));
		c.send(ann, 'dao.cancel', { proposal: fromHex(id) });
		c.reject(ann, 'dao.cancel', { proposal: fromHex(id) }, 'E_DAO_STATUS', 'body.proposal');
	});
});

describe('lifecycle: rejections of dao.execute', () => {
	const attempt = (c: Community, id: Hex) => c.reject(eve, 'dao.execute', { proposal: fromHex(id) }, 'E_DAO_STATUS', 'body.proposal');
	function withEve(dao = {}): Community {
		return new Community({ members: [ann, bob, cat, dan, eve], allocations: [[ann, 1000]], dao });
	}

	it('an unknown proposal', () => {
		withEve().reject(eve, 'dao.execute', { proposal: new Uint8Array(32) }, 'E_DAO_PROPOSAL', 'body.proposal');
	});

	it('a malformed proposal id', () => {
		withEve().reject(eve, 'dao.execute', { proposal: new Uint8Array(31) }, 'E_SCHEMA', 'body.proposal');
	});

	it('while voting is open', () => {
		const c = withEve();
		const id = c.propose(ann, single(FEE_CHANGE));
		c.next();
		c.vote(ann, id, 'for');
		expect(attempt(c, id).message).toMatch(/has not closed/);
	});

	it('a defeated proposal', () => {
		const c = withEve();
		expect(attempt(c, decided(c, FEE_CHANGE, [[ann, 'against']])).message).toMatch(/was defeated/);
	});

	it('before the timelock runs out', () => {
		const c = withEve();
		const id = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.until(view(c, id).eta! - 1);
		const e = c.reject(eve, 'dao.execute', { proposal: fromHex(id) }, 'E_DAO_TIMELOCK', 'body.proposal');
		expect(e.message).toMatch(/timelocked until/);
	});

	it('twice', () => {
		const c = withEve();
		const id = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.until(view(c, id).eta!);
		c.execute(eve, id);
		expect(attempt(c, id).message).toMatch(/already executed at height/);
		c.next();
		expect(attempt(c, id).message).toMatch(/already executed/);
	});

	it('in the block that reaches `expires`, before it is marked expired', () => {
		const c = withEve();
		const id = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.until(view(c, id).expires!);
		expect(view(c, id).status).toBe('queued');
		expect(attempt(c, id).message).toMatch(/expired at/);
	});

	it('an expired proposal', () => {
		const c = withEve();
		const id = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.until(view(c, id).expires! + 1000);
		expect(attempt(c, id).message).toMatch(/was expired/);
	});

	it('a passed text', () => {
		const c = withEve();
		expect(attempt(c, decided(c, TEXT, [[ann, 'for']])).message).toMatch(/nothing to execute/);
	});

	it('a cancelled proposal', () => {
		const c = withEve();
		const id = c.propose(ann, single(FEE_CHANGE));
		c.send(ann, 'dao.cancel', { proposal: fromHex(id) });
		expect(attempt(c, id).message).toMatch(/was cancelled/);
	});

	it('by a non-member', () => {
		const c = withEve();
		const id = decided(c, FEE_CHANGE, [[ann, 'for']]);
		c.until(view(c, id).eta!);
		c.reject(outsider, 'dao.execute', { proposal: fromHex(id) }, 'E_TX_NOT_ALLOWED', 'from');
	});
});
