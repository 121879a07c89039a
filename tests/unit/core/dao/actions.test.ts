/**
 * Executing each kind of action: what changes in state, from which height,
 * with a link back to the proposal; execution that today's state refuses
 * leaves the proposal queued; options execute their winner's action.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, type Hex } from '../../../../src/lib/core/bytes.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import { getAuthorities } from '../../../../src/lib/core/consensus/poa.js';
import { getValidators } from '../../../../src/lib/core/consensus/fba.js';
import { TREASURY } from '../../../../src/lib/core/state/accounts.js';
import { getParams } from '../../../../src/lib/core/state/chainParams.js';
import { getEnabledContracts } from '../../../../src/lib/core/state/contracts/builtins.js';
import { getUpgrade } from '../../../../src/lib/core/state/dao/actions.js';
import { getDaoConfig } from '../../../../src/lib/core/state/dao/config.js';
import { proposalView } from '../../../../src/lib/core/state/dao/queries.js';
import { settingView } from '../../../../src/lib/core/state/dao/settings.js';
import { isMember } from '../../../../src/lib/core/state/members.js';
import { getPolicy, getPolicyRecord, pendingPolicy } from '../../../../src/lib/core/state/policy.js';
import { ann, bob, cat, Community, hex, newcomer, single, type CommunityOptions } from './harness.js';


function community(opts: Partial<CommunityOptions> = {}): Community {
	return new Community({ members: [ann, bob, cat], allocations: [[ann, 1000]], ...opts, dao: { proposalDeposit: 0, ...opts.dao } });
}

/** Passes a proposal with all three members for it, returns its id with its vote closed. */
function passed(c: Community, body: Encodable, choices: Encodable[] = ['for', 'for', 'for']): Hex {
	const id = c.propose(ann, body);
	c.next();
	[ann, bob, cat].forEach((k, i) => c.vote(k, id, choices[i]!));
	c.until(proposalView(c.state, id)!.terms.votingEnds).next();
	return id;
}

/** Passes and executes; returns the id and the height it executed at. */
function enacted(c: Community, body: Encodable): { id: Hex; height: number } {
	const id = passed(c, body);
	c.until(proposalView(c.state, id)!.eta!);
	c.execute(bob, id);
	return { id, height: c.height };
}

describe('actions: governed settings change at their height', () => {
	it('a queue policy is scheduled with the proposal and height, and in force from that height', () => {
		const c = community();
		const { id, height } = enacted(c, single({ type: 'change', setting: 'policy.fee', changes: { minimumFee: 9, baseFee: 3 }, afterBlocks: 3 }));
		expect(pendingPolicy(c.state, 'fee')).toMatchObject({ proposal: id, effectiveFrom: height + 3 });
		c.next().next(); // ends blocks height and height + 1
		expect(getPolicy(c.state, 'fee').minimumFee).toBe(1);
		c.next(); // ends height + 2: in force for height + 3
		expect(getPolicyRecord(c.state, 'fee')).toMatchObject({ proposal: id, effectiveFrom: height + 3, value: { minimumFee: 9, baseFee: 3 } });
	});

	it('two executed changes to one setting compose: the second builds on the first, still scheduled', () => {
		const c = community();
		const first = passed(c, single({ type: 'change', setting: 'policy.priority', changes: { senderQuota: 7 }, afterBlocks: 50 }));
		const second = passed(c, single({ type: 'change', setting: 'policy.priority', changes: { maxConsecutive: 2 }, afterBlocks: 50 }));
		c.until(proposalView(c.state, second)!.eta!);
		c.execute(bob, first);
		c.execute(bob, second);
		c.until(c.time + 60_000);
		expect(getPolicy(c.state, 'priority')).toMatchObject({ senderQuota: 7, maxConsecutive: 2 });
		expect(getPolicyRecord(c.state, 'priority').proposal).toBe(second);
	});

	it('chain parameters', () => {
		const c = community();
		const { id, height } = enacted(c, single({ type: 'change', setting: 'params', changes: { treasuryFeePpm: 250_000 }, afterBlocks: 2 }));
		c.next();
		expect(getParams(c.state).treasuryFeePpm).toBe(0);
		c.next();
		expect(getParams(c.state).treasuryFeePpm).toBe(250_000);
		expect(settingView(c.state, 'params').origin).toEqual({ proposal: id, effectiveFrom: height + 2 });
	});

	it('the DAO configuration', () => {
		const c = community();
		enacted(c, single({ type: 'change', setting: 'dao', changes: { membership: 'invite', quorumPpm: 300_000 } }));
		c.next();
		expect(getDaoConfig(c.state)).toMatchObject({ membership: 'invite', quorumPpm: 300_000 });
		c.reject(newcomer, 'member.join', { name: 'n' }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('enabled contracts: an action switched off, a contract switched off', () => {
		const c = community();
		const before = getEnabledContracts(c.state);
		const escrowActions = before.escrow!.filter((a) => a !== 'open');
		enacted(c, single({ type: 'change', setting: 'contracts', changes: { escrow: escrowActions, names: [] } }));
		c.next();
		expect(getEnabledContracts(c.state)).toEqual({ escrow: escrowActions });
	});

	it('proof of authority: a member joins the authorities from the defined height', () => {
		const c = community();
		const { height } = enacted(c, single({ type: 'authorities', add: [bob.publicKey], afterBlocks: 2 }));
		c.next();
		expect(getAuthorities(c.state)).toEqual([hex(ann)]);
		c.next();
		expect(getAuthorities(c.state)).toEqual([hex(ann), hex(bob)].sort());
		expect(settingView(c.state, 'authorities').origin.effectiveFrom).toBe(height + 2);
		enacted(c, single({ type: 'authorities', remove: [ann.publicKey] }));
		c.next();
		expect(getAuthorities(c.state)).toEqual([hex(bob)]);
	});

	it('federated: the validator set changes the same way', () => {
		const c = community({ extra: { engine: { name: 'fba', validators: [ann.publicKey, bob.publicKey] } } });
		enacted(c, single({ type: 'authorities', add: [cat.publicKey], remove: [ann.publicKey] }));
		c.next();
		expect(getValidators(c.state)).toEqual([hex(bob), hex(cat)].sort());
	});

	it('proof of stake has no authority set to change', () => {
		const c = community({ extra: { engine: { name: 'pos', validators: [{ key: ann.publicKey, stake: 10 }], minStake: 1 } } });
		c.reject(ann, 'dao.propose', single({ type: 'authorities', add: [bob.publicKey] }), 'E_TX_NOT_ALLOWED', 'body.action.type');
	});
});

describe('actions: members, treasury, upgrades', () => {
	it('admission and removal', () => {
		const c = community();
		enacted(c, single({ type: 'admit', key: newcomer.publicKey, name: 'Newcomer' }));
		expect(isMember(c.state, hex(newcomer))).toBe(true);
		enacted(c, single({ type: 'remove', key: cat.publicKey }));
		expect(isMember(c.state, hex(cat))).toBe(false);
	});

	it('an admission that can no longer execute (they joined meanwhile) is refused and stays queued until it expires', () => {
		const c = community();
		const id = passed(c, single({ type: 'admit', key: newcomer.publicKey, name: 'Newcomer' }));
		c.send(newcomer, 'member.join', { name: 'self' });
		c.until(proposalView(c.state, id)!.eta!);
		c.reject(bob, 'dao.execute', { proposal: fromHex(id) }, 'E_TX_NOT_ALLOWED', 'member');
		expect(proposalView(c.state, id)!.status).toBe('queued');
	});

	it('a treasury spend pays out of the treasury; without the funds it is refused until they arrive', () => {
		const c = community({ extra: { params: { treasuryFeePpm: 1_000_000 } } });
		const id = passed(c, single({ type: 'treasury', payments: [{ to: newcomer.publicKey, amount: 30 }, { to: bob.publicKey, amount: 5 }] }));
		c.until(proposalView(c.state, id)!.eta!);
		const e = c.reject(bob, 'dao.execute', { proposal: fromHex(id) }, 'E_TX_BALANCE', 'action.payments[0].amount');
		expect(e.message).toMatch(/exceeds the balance 0 of treasury/);
		c.send(ann, 'post', { text: 'fees fund the treasury' }, 40);
		expect(c.balance(TREASURY)).toBe(40);
		c.execute(bob, id);
		expect([c.balance(TREASURY), c.balance(newcomer), c.balance(bob)]).toEqual([5, 30, 5]);
	});

	it('a protocol upgrade is recorded as the community\'s decision', () => {
		const c = community();
		const digest = new Uint8Array(32).fill(7);
		const { id, height } = enacted(c, single({ type: 'upgrade', version: '2.1.0-rc.1', digest }));
		expect(getUpgrade(c.state)).toEqual({ version: '2.1.0-rc.1', digest: '07'.repeat(32), proposal: id, height });
	});
});

describe('actions: options', () => {
	const fees = (rule: string): Encodable => ({
		title: 'Which minimum fee?',
		body: '',
		rule,
		options: [2, 3, 4].map((minimumFee) => ({ label: `${minimumFee}`, action: { type: 'change', setting: 'policy.fee', changes: { minimumFee } } }))
	});

	it('the winning option\'s action is the one executed', () => {
		const c = community();
		const id = passed(c, fees('ranked'), [[1, 0], [2, 1], [1]]);
		expect(proposalView(c.state, id)!.outcome).toMatchObject({ winner: 1 });
		c.until(proposalView(c.state, id)!.eta!);
		c.execute(bob, id);
		c.next();
		expect(getPolicy(c.state, 'fee').minimumFee).toBe(3);
	});

	it('no winner (a tie) is defeated', () => {
		const c = community();
		const id = passed(c, fees('single'), [[0], [2], 'abstain']);
		expect(proposalView(c.state, id)).toMatchObject({ status: 'defeated', outcome: { winner: null } });
	});

	it('a winning option without an action only succeeds', () => {
		const c = community();
		const body: Encodable = { title: 't', body: '', rule: 'approval', options: [{ label: 'yes', action: { type: 'text' } }, { label: 'fee', action: { type: 'change', setting: 'policy.fee', changes: { minimumFee: 5 } } }] };
		const id = passed(c, body, [[0], [0, 1], [0]]);
		expect(proposalView(c.state, id)!.status).toBe('succeeded');
	});
});
