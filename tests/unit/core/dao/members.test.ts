/**
 * Membership kinds, one rule at a time: open, invite only (by invitation or
 * by proposal), token holder, stake based; the invitation kind's
 * rejections; and the member list the DAO walks to snapshot weights.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../../../../src/lib/core/bytes.js';
import { getInvitation, getMember, isMember, listMembers, memberCount } from '../../../../src/lib/core/state/members.js';
import { proposalView } from '../../../../src/lib/core/state/dao/queries.js';
import { key, keys } from '../../../helpers/community.js';

const other = key(61);
import { ann, bob, cat, Community, hex, newcomer, single } from './harness.js';


function community(dao = {}): Community {
	return new Community({ members: [ann, bob, cat], allocations: [[ann, 1000], [newcomer, 120], [other, 20]], dao: { proposalDeposit: 0, ...dao } });
}

describe('membership: open', () => {
	it('anyone joins under the name they chose, at the block height', () => {
		const c = community();
		c.send(newcomer, 'member.join', { name: 'Newcomer' });
		expect(getMember(c.state, hex(newcomer))).toMatchObject({ name: 'Newcomer', since: c.height });
	});

	it('a member cannot join twice', () => {
		community().reject(ann, 'member.join', { name: 'again' }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('members may not invite', () => {
		community().reject(ann, 'member.invite', { key: newcomer.publicKey }, 'E_TX_NOT_ALLOWED', 'kind');
	});
});

describe('membership: invite only', () => {
	it('without an invitation, joining is refused', () => {
		const e = community({ membership: 'invite' }).reject(newcomer, 'member.join', { name: 'n' }, 'E_TX_NOT_ALLOWED', 'from');
		expect(e.message).toMatch(/no invitation/);
	});

	it('a member invites, the invitee joins, and the invitation is used up', () => {
		const c = community({ membership: 'invite' });
		c.send(bob, 'member.invite', { key: newcomer.publicKey });
		expect(getInvitation(c.state, hex(newcomer))).toEqual({ by: hex(bob), height: c.height });
		c.next();
		c.send(newcomer, 'member.join', { name: 'n' });
		expect(isMember(c.state, hex(newcomer))).toBe(true);
		expect(getInvitation(c.state, hex(newcomer))).toBeUndefined();
		c.send(newcomer, 'member.leave', {});
		c.reject(newcomer, 'member.join', { name: 'n' }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('inviting a member is refused', () => {
		community({ membership: 'invite' }).reject(bob, 'member.invite', { key: cat.publicKey }, 'E_TX_NOT_ALLOWED', 'body.key');
	});

	it('inviting someone already invited is refused', () => {
		const c = community({ membership: 'invite' });
		c.send(bob, 'member.invite', { key: newcomer.publicKey });
		c.reject(cat, 'member.invite', { key: newcomer.publicKey }, 'E_TX_NOT_ALLOWED', 'body.key');
	});

	it('a non-member may not invite', () => {
		community({ membership: 'invite' }).reject(other, 'member.invite', { key: newcomer.publicKey }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('when members may not invite, joining and inviting are refused and a proposal admits', () => {
		const c = community({ membership: 'invite', memberInvites: false });
		expect(c.reject(newcomer, 'member.join', { name: 'n' }, 'E_TX_NOT_ALLOWED', 'from').message).toMatch(/only by proposal/);
		c.reject(bob, 'member.invite', { key: newcomer.publicKey }, 'E_TX_NOT_ALLOWED', 'kind');
		const id = c.propose(ann, single({ type: 'admit', key: newcomer.publicKey, name: 'Newcomer' }));
		c.next();
		c.vote(ann, id, 'for');
		c.vote(bob, id, 'for');
		c.until(proposalView(c.state, id)!.terms.votingEnds).next();
		c.until(proposalView(c.state, id)!.eta!);
		c.send(cat, 'dao.execute', { proposal: fromHex(id) });
		expect(getMember(c.state, hex(newcomer))).toMatchObject({ name: 'Newcomer', since: c.height });
	});
});

describe('membership: token holder and stake based', () => {
	it('token holder: joining needs the minimum balance', () => {
		const c = community({ membership: 'token', membershipMinimum: 100 });
		expect(c.reject(other, 'member.join', { name: 'o' }, 'E_TX_NOT_ALLOWED', 'from').message).toMatch(/balance of at least 100 .* has 20/);
		c.send(newcomer, 'member.join', { name: 'n' });
		expect(isMember(c.state, hex(newcomer))).toBe(true);
	});

	it('stake based: joining needs the minimum stake', () => {
		const c = community({ membership: 'stake', membershipMinimum: 100 });
		expect(c.reject(newcomer, 'member.join', { name: 'n' }, 'E_TX_NOT_ALLOWED', 'from').message).toMatch(/stake of at least 100 .* has 0/);
		// Only members may stake (value.ts), so a staker who left shows the rule letting someone in.
		c.send(ann, 'stake', { amount: 100 });
		c.send(ann, 'member.leave', {});
		c.send(ann, 'member.join', { name: 'ann again' });
		expect(isMember(c.state, hex(ann))).toBe(true);
	});

	it('a member below the minimum may not propose', () => {
		const c = community({ membership: 'token', membershipMinimum: 100 });
		c.reject(bob, 'dao.propose', single({ type: 'text' }), 'E_TX_NOT_ALLOWED', 'from');
	});
});

describe('membership: the member list', () => {
	it('lists every member exactly once through joins and leaves, slots staying dense', () => {
		const pool = keys(8, 70);
		const c = new Community({ members: [ann], dao: { proposalDeposit: 0 } });
		fc.assert(
			fc.property(fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { maxLength: 40 }), (moves) => {
				c.state.revert(0);
				const expected = new Set([hex(ann)]);
				for (const i of moves) {
					const k = pool[i]!;
					if (expected.has(hex(k))) {
						c.send(k, 'member.leave', {});
						expected.delete(hex(k));
					} else {
						c.send(k, 'member.join', { name: `k${i}` });
						expected.add(hex(k));
					}
				}
				const list = listMembers(c.state);
				expect(new Set(list)).toEqual(expected);
				expect(list.length).toBe(expected.size);
				expect(memberCount(c.state)).toBe(expected.size);
				list.forEach((who, slot) => expect(getMember(c.state, who)!.slot).toBe(slot));
				expect(c.state.keys('m/').length).toBe(expected.size);
			}),
			{ numRuns: 100 }
		);
	});

	it('every admission gets a new serial number', () => {
		const c = community();
		c.send(newcomer, 'member.join', { name: 'n' });
		const first = getMember(c.state, hex(newcomer))!.serial;
		c.send(newcomer, 'member.leave', {});
		c.send(newcomer, 'member.join', { name: 'n' });
		expect(getMember(c.state, hex(newcomer))!.serial).toBeGreaterThan(first);
	});
});
