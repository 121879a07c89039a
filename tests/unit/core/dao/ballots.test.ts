/**
 * Ballots, weights and delegation through the state machine: the last
 * ballot counts, once; weights come from the snapshot taken when voting
 * opened, whatever moves afterwards; delegation carries weight to the
 * nearest voter and a direct ballot overrides it. One test per rejection of
 * dao.vote and dao.delegate.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, type Hex } from '../../../../src/lib/core/bytes.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import { ballotOf, ballotsOf, delegationOf, proposalView, tallyOf } from '../../../../src/lib/core/state/dao/queries.js';
import { getSnapshot, isqrt } from '../../../../src/lib/core/state/dao/weights.js';
import { getMember } from '../../../../src/lib/core/state/members.js';
import { key } from '../../../helpers/community.js';
import { ann, bob, cat, Community, dan, hex, outsider, single, TEXT } from './harness.js';

const late = key(40);
const OPTIONS = (rule: string): Encodable => ({ title: 'Pick', body: '', rule, options: ['a', 'b', 'c'].map((label) => ({ label, action: TEXT })) });

function community(dao = {}, balances: [number, number, number, number] = [400, 300, 200, 100]): Community {
	return new Community({ members: [ann, bob, cat, dan], allocations: [[ann, balances[0]], [bob, balances[1]], [cat, balances[2]], [dan, balances[3]], [late, 50]], dao: { proposalDeposit: 0, ...dao } });
}

/** A proposal whose vote is open. */
function open(c: Community, body: Encodable = single(TEXT)): Hex {
	const id = c.propose(ann, body);
	c.next();
	return id;
}

function close(c: Community, id: Hex): void {
	c.until(proposalView(c.state, id)!.terms.votingEnds).next();
}

const outcome = (c: Community, id: Hex) => proposalView(c.state, id)!.outcome!;

describe('ballots', () => {
	it('a member may change their ballot until the close: the last one counts, and counts once', () => {
		const c = community();
		const id = open(c);
		c.vote(bob, id, 'against');
		c.next();
		c.vote(bob, id, 'abstain');
		c.vote(bob, id, 'for');
		expect(proposalView(c.state, id)!.ballots).toBe(1);
		expect(ballotsOf(c.state, id)).toEqual([{ voter: hex(bob), choice: 'for', weight: 1, cast: { height: c.height, time: c.time, tx: expect.any(String) } }]);
		expect(ballotOf(c.state, id, hex(bob))).toEqual(ballotsOf(c.state, id)[0]);
		expect(ballotOf(c.state, id, hex(cat))).toBeUndefined();
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 1, against: 0, abstain: 0, cast: 1 });
	});

	it('a ballot in the last block before votingEnds counts', () => {
		const c = community();
		const id = open(c);
		c.until(proposalView(c.state, id)!.terms.votingEnds - 1);
		c.vote(cat, id, 'for');
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 1 });
	});

	it('ballots on options follow the proposal\'s rule', () => {
		const c = community();
		const ids = { single: open(c, OPTIONS('single')), approval: open(c, OPTIONS('approval')), ranked: open(c, OPTIONS('ranked')) };
		c.vote(ann, ids.single, [2]);
		c.vote(bob, ids.approval, [0, 2]);
		c.vote(cat, ids.ranked, [1, 0]);
		c.vote(dan, ids.ranked, 'abstain');
		close(c, ids.ranked);
		expect(outcome(c, ids.single)).toMatchObject({ rule: 'single', counts: [0, 0, 1], winner: 2 });
		expect(outcome(c, ids.approval)).toMatchObject({ rule: 'approval', counts: [1, 0, 1], winner: null });
		expect(outcome(c, ids.ranked)).toMatchObject({ rule: 'ranked', winner: 1, abstain: 1, cast: 2 });
	});
});

describe('ballots: rejections of dao.vote', () => {
	const vote = (c: Community, id: Hex, choice: Encodable, code: Parameters<Community['reject']>[3], field: string, who = bob) => c.reject(who, 'dao.vote', { proposal: fromHex(id), choice }, code, field);

	it('an unknown proposal', () => {
		const c = community();
		vote(c, '00'.repeat(32), 'for', 'E_DAO_PROPOSAL', 'body.proposal');
	});

	it('before voting opens', () => {
		const c = community({ votingDelayMs: 5_000 });
		const id = c.propose(ann, single(TEXT));
		c.next();
		expect(vote(c, id, 'for', 'E_DAO_STATUS', 'body.proposal').message).toMatch(/has not opened/);
	});

	it('in a block at or after votingEnds, before the close ran', () => {
		const c = community();
		const id = open(c);
		c.until(proposalView(c.state, id)!.terms.votingEnds);
		expect(vote(c, id, 'for', 'E_DAO_STATUS', 'body.proposal').message).toMatch(/closed at/);
	});

	it('after the close', () => {
		const c = community();
		const id = open(c);
		close(c, id);
		vote(c, id, 'for', 'E_DAO_STATUS', 'body.proposal');
	});

	it('from a non-member', () => {
		const c = community();
		vote(c, open(c), 'for', 'E_TX_NOT_ALLOWED', 'from', outsider);
	});

	it('from a member admitted after voting opened', () => {
		const c = community();
		const id = open(c);
		c.send(late, 'member.join', { name: 'late' });
		expect(vote(c, id, 'for', 'E_DAO_BALLOT', 'from', late).message).toMatch(/not an eligible member when voting on proposal #1 opened/);
	});

	it('from a member below the membership minimum when voting opened (token holder community)', () => {
		const c = community({ membership: 'token', membershipMinimum: 150 });
		expect(vote(c, open(c), 'for', 'E_DAO_BALLOT', 'from', dan).message).toMatch(/not an eligible member/);
	});

	it('option numbers on a for / against proposal', () => {
		const c = community();
		expect(vote(c, open(c), [0], 'E_DAO_BALLOT', 'body.choice').message).toMatch(/must be one of for, against, abstain/);
	});

	it('for / against on a proposal with options', () => {
		const c = community();
		vote(c, open(c, OPTIONS('single')), 'for', 'E_DAO_BALLOT', 'body.choice');
	});

	it('two options on a single-choice proposal', () => {
		const c = community();
		vote(c, open(c, OPTIONS('single')), [0, 1], 'E_DAO_BALLOT', 'body.choice');
	});

	it('an option the proposal does not have', () => {
		const c = community();
		expect(vote(c, open(c, OPTIONS('ranked')), [3], 'E_DAO_BALLOT', 'body.choice').message).toMatch(/option 3/);
	});

	it('an option twice in a ranking', () => {
		const c = community();
		vote(c, open(c, OPTIONS('ranked')), [1, 1], 'E_DAO_BALLOT', 'body.choice');
	});

	it('an empty approval', () => {
		const c = community();
		vote(c, open(c, OPTIONS('approval')), [], 'E_DAO_BALLOT', 'body.choice');
	});

	it.each([
		['an unknown word', 'yes', 'body.choice'],
		['a negative option', [-1], 'body.choice[0]'],
		['an option number beyond any proposal', [16], 'body.choice[0]'],
		['a map', { for: true }, 'body.choice']
	])('a malformed choice: %s', (_what, choice, field) => {
		const c = community();
		vote(c, open(c), choice as Encodable, 'E_SCHEMA', field);
	});
});

describe('weights: the snapshot taken when voting opens', () => {
	it('token weights are the balances when voting opened: transfers afterwards change nothing', () => {
		const c = community({ weight: 'token' });
		const id = open(c);
		expect(proposalView(c.state, id)!.snapshot!.total).toBe(1000);
		c.send(ann, 'transfer', { to: dan.publicKey, amount: 350 });
		c.send(bob, 'transfer', { to: cat.publicKey, amount: 300 });
		c.vote(ann, id, 'for');
		c.vote(bob, id, 'for');
		c.vote(dan, id, 'against');
		expect(ballotsOf(c.state, id).map((b) => b.weight)).toEqual([400, 300, 100]);
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 700, against: 100, total: 1000 });
		expect(getSnapshot(c.state, id)).toBeUndefined();
	});

	it('stake weights are the stakes when voting opened', () => {
		const c = community({ weight: 'stake', minProposerWeight: 0 });
		c.send(bob, 'stake', { amount: 250 });
		const id = open(c);
		c.send(cat, 'stake', { amount: 200 });
		c.send(bob, 'unstake', { amount: 250 });
		c.vote(bob, id, 'for');
		c.vote(cat, id, 'for');
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 250, total: 250 });
	});

	it('quadratic weights are the integer square roots of the balances', () => {
		const c = community({ weight: 'quadratic' }, [400, 99, 1, 0]);
		const id = open(c);
		for (const k of [ann, bob, cat, dan]) c.vote(k, id, 'for');
		expect(ballotsOf(c.state, id).map((b) => b.weight)).toEqual([20, 9, 1, 0]);
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 30, total: 30 });
	});

	it('isqrt is the exact floor of the square root for every safe integer', () => {
		fc.assert(
			fc.property(fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.maxSafeNat()), (n) => {
				const r = BigInt(isqrt(n));
				expect(r * r <= BigInt(n) && (r + 1n) * (r + 1n) > BigInt(n)).toBe(true);
			}),
			{ numRuns: 500 }
		);
		expect(isqrt(Number.MAX_SAFE_INTEGER)).toBe(94906265);
	});

	it('token holder communities count only members holding the minimum when voting opened', () => {
		const c = community({ membership: 'token', membershipMinimum: 150, weight: 'token' });
		const id = open(c);
		expect(proposalView(c.state, id)!.snapshot!.total).toBe(900);
	});

	it('a ballot cast before its voter left still counts (the snapshot decided who could vote)', () => {
		const c = community();
		const id = open(c);
		c.vote(cat, id, 'for');
		c.send(cat, 'member.leave', {});
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 1, total: 4 });
	});
});

describe('delegation', () => {
	it('a delegate\'s ballot carries the delegator\'s weight', () => {
		const c = community({ weight: 'token' });
		c.delegate(dan, cat);
		const id = open(c);
		c.vote(cat, id, 'against');
		expect(tallyOf(c.state, id)!.outcome).toMatchObject({ against: 300, delegated: 100 });
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ against: 300, delegated: 100 });
	});

	it('a delegator who votes overrides the delegation for that vote, in either order', () => {
		const c = community({ weight: 'token' });
		c.delegate(dan, cat);
		const first = open(c);
		c.vote(dan, first, 'for');
		c.vote(cat, first, 'against');
		const second = open(c);
		c.vote(cat, second, 'against');
		c.next();
		c.vote(dan, second, 'for');
		close(c, second);
		for (const id of [first, second]) expect(outcome(c, id)).toMatchObject({ for: 100, against: 200, delegated: 0 });
	});

	it('weight flows up a chain of delegations to the first voter', () => {
		const c = community({ weight: 'token' });
		c.delegate(dan, cat);
		c.delegate(cat, bob);
		expect(delegationOf(c.state, hex(dan))).toEqual({ to: hex(cat), live: true, chain: [hex(cat), hex(bob)], delegators: [] });
		expect(delegationOf(c.state, hex(cat)).delegators).toEqual([hex(dan)]);
		const id = open(c);
		c.vote(bob, id, 'for');
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 600, delegated: 300 });
	});

	it('delegations count as they were when voting opened', () => {
		const c = community({ weight: 'token' });
		const id = open(c);
		c.delegate(dan, ann);
		c.vote(ann, id, 'for');
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 400, delegated: 0 });
		const next = open(c);
		c.delegate(dan, null);
		c.vote(ann, next, 'for');
		close(c, next);
		expect(outcome(c, next)).toMatchObject({ for: 500, delegated: 100 });
	});

	it('delegating again replaces the delegation; delegating to no one revokes it', () => {
		const c = community();
		c.delegate(dan, cat);
		c.delegate(dan, bob);
		expect(delegationOf(c.state, hex(dan)).to).toBe(hex(bob));
		c.delegate(dan, null);
		expect(delegationOf(c.state, hex(dan))).toMatchObject({ to: null, live: false, chain: [] });
		expect(getMember(c.state, hex(dan))!.delegate).toBeUndefined();
	});

	it('a delegation to a member who left is dead, and stays dead if they come back', () => {
		const c = community();
		c.delegate(dan, cat);
		c.send(cat, 'member.leave', {});
		expect(delegationOf(c.state, hex(dan))).toMatchObject({ to: hex(cat), live: false });
		c.send(cat, 'member.join', { name: 'cat again' });
		expect(delegationOf(c.state, hex(dan))).toMatchObject({ to: hex(cat), live: false });
		const id = open(c);
		c.vote(cat, id, 'for');
		close(c, id);
		expect(outcome(c, id)).toMatchObject({ for: 1, delegated: 0 });
	});

	it('a member who leaves takes their delegation with them', () => {
		const c = community();
		c.delegate(dan, cat);
		c.send(dan, 'member.leave', {});
		c.send(dan, 'member.join', { name: 'dan again' });
		expect(delegationOf(c.state, hex(dan)).to).toBeNull();
	});
});

describe('delegation: rejections of dao.delegate', () => {
	it('to oneself', () => {
		community().reject(dan, 'dao.delegate', { to: dan.publicKey }, 'E_DAO_DELEGATION', 'body.to');
	});

	it('to a non-member', () => {
		community().reject(dan, 'dao.delegate', { to: outsider.publicKey }, 'E_DAO_DELEGATION', 'body.to');
	});

	it('closing a cycle of two', () => {
		const c = community();
		c.delegate(dan, cat);
		c.reject(cat, 'dao.delegate', { to: dan.publicKey }, 'E_DAO_DELEGATION', 'body.to');
	});

	it('closing a longer cycle', () => {
		const c = community();
		c.delegate(ann, bob);
		c.delegate(bob, cat);
		c.delegate(cat, dan);
		expect(c.reject(dan, 'dao.delegate', { to: ann.publicKey }, 'E_DAO_DELEGATION', 'body.to').message).toMatch(/cycle/);
	});

	it('revoking when there is nothing to revoke', () => {
		community().reject(dan, 'dao.delegate', { to: null }, 'E_DAO_DELEGATION', 'body.to');
	});

	it('from a non-member', () => {
		community().reject(outsider, 'dao.delegate', { to: dan.publicKey }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('a malformed key', () => {
		community().reject(dan, 'dao.delegate', { to: new Uint8Array(8) }, 'E_SCHEMA', 'body.to');
	});
});
