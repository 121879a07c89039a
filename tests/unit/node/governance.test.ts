/**
 * Governance through the node (src/worker/governance.ts) on a virtual clock:
 * proposals, ballots (offline too), delegation, cancel and execution as the
 * app drives them, the view the governance page reads, the dry run that
 * refuses what cannot apply before it is saved, and the sealer that seals a
 * block when a deadline passes with nothing else to seal.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fromHex, toHex, type Hex } from '../../../src/lib/core/bytes.js';
import type { Encodable } from '../../../src/lib/core/codec.js';
import type { KeyPair } from '../../../src/lib/core/keys.js';
import { readProposalContent } from '../../../src/lib/core/state/dao/proposal.js';
import { getDaoConfig, type DaoConfig } from '../../../src/lib/core/state/dao/config.js';
import { daoHook } from '../../../src/lib/core/state/dao/lifecycle.js';
import { proposalView } from '../../../src/lib/core/state/dao/queries.js';
import { getPolicy } from '../../../src/lib/core/state/policy.js';
import * as registry from '../../../src/lib/core/state/registry.js';
import { VirtualClock } from '../../../src/lib/sim/clock.js';
import { MemoryStore } from '../../../src/lib/store/memory.js';
import { nodeVerifier } from '../../../src/lib/crypto/node.js';
import { AgoraNode } from '../../../src/worker/node.js';
import { Governance, proposalBody } from '../../../src/worker/governance.js';
import type { ProposalDraft } from '../../../src/worker/governance-types.js';
import { newProposalForm, toDraft } from '../../../src/lib/ui/governance/draft.js';
import { daoFromForm, presetForm } from '../../../src/lib/ui/governance/presets.js';
import { createGenesis } from '../../../src/lib/core/genesis.js';
import { expectAgoraErrorAsync, key, makeTx } from '../../helpers/community.js';
import { Community, single, ann, bob, cat } from '../core/dao/harness.js';
import { closeAll, community, FOUNDER, link, MEMBER, open, T } from './virtual.js';

/** A deadline override for the one test that needs a misbehaving hook; the registry's own otherwise. */
const override = vi.hoisted(() => ({ nextDeadline: null as null | ((state: unknown) => number | null) }));
vi.mock('../../../src/lib/core/state/registry.js', async (importOriginal) => {
	const original = await importOriginal<typeof import('../../../src/lib/core/state/registry.js')>();
	return { ...original, nextDeadline: (state: never) => (override.nextDeadline ?? original.nextDeadline)(state) };
});

const THIRD = key(2);
const hex = (k: KeyPair): Hex => toHex(k.publicKey);
/** A 10 s vote, a 5 s timelock, 20 s to execute, no deposit. */
const QUICK: Partial<DaoConfig> = { votingPeriodMs: 10_000, executionDelayMs: 5_000, gracePeriodMs: 20_000, proposalDeposit: 0, proposalLimit: 100 };
const FEE: ProposalDraft = { title: 'Cheaper messages', body: 'Halve the <b>floor</b>.', emergency: false, rule: 'binary', action: { type: 'change', setting: 'policy.fee', changes: { minimumFee: 3 }, afterBlocks: 1 } };
const SIGNAL: ProposalDraft = { title: 'A signal', body: 'Just text.', emergency: false, rule: 'binary', action: { type: 'text' } };

let clock: VirtualClock;
beforeEach(() => {
	clock = new VirtualClock(T);
	override.nextDeadline = null;
});
afterEach(closeAll);

function threeMembers(dao: Partial<DaoConfig> = QUICK) {
	return community({ members: [FOUNDER, MEMBER, THIRD].map((k, i) => ({ key: k.publicKey, name: `m${i}` })), dao });
}

/** Runs the clock until `cond` holds, failing after `ms` of virtual time. */
async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
	if (!(await clock.run(clock.now() + ms, cond))) throw new Error(`timed out waiting for ${what}`);
}

/** Lets the clock run `ms` (events due by then run). */
const wait = (ms: number) => clock.run(clock.now() + ms, () => false);

/** The founder (the only authority, sealing when something waits) and a member linked to it. */
async function pair(dao: Partial<DaoConfig> = QUICK, linked = true) {
	const genesis = threeMembers(dao);
	const founder = await open(clock, FOUNDER, genesis);
	const member = await open(clock, MEMBER, genesis);
	if (linked) link(clock, founder, member);
	return { genesis, founder, member, a: new Governance(founder), b: new Governance(member) };
}

const statusOf = (node: AgoraNode, id: Hex) => node.chain && proposalView(node.chain.state, id)?.status;
const itemOf = (g: Governance, id: Hex) => g.view()!.proposals.find((p) => p.id === id)!;

/** A ballot of the third member, who runs no node here: signed by hand and handed to the founder. */
async function thirdVotes(founder: AgoraNode, id: Hex, choice: Encodable, nonce = 0): Promise<void> {
	const tx = makeTx(founder.chain!, THIRD, nonce, 'dao.vote', { proposal: fromHex(id), choice }, { created: clock.now(), expires: clock.now() + 60_000 });
	await founder.importTxs([tx]);
}

describe('proposal drafts become dao.propose bodies', () => {
	const drafts: ProposalDraft[] = [
		SIGNAL,
		FEE,
		{ ...SIGNAL, action: { type: 'authorities', add: [hex(MEMBER)], remove: [], afterBlocks: 2 } },
		{ ...SIGNAL, action: { type: 'admit', key: hex(key(9)), name: 'Newcomer' } },
		{ ...SIGNAL, action: { type: 'remove', key: hex(THIRD) } },
		{ ...SIGNAL, action: { type: 'treasury', payments: [{ to: hex(MEMBER), amount: 5 }] } },
		{ ...SIGNAL, action: { type: 'upgrade', version: '1.2.0', digest: 'ab'.repeat(32) } },
		{ ...SIGNAL, action: { type: 'upgrade', version: '2.0.0-rc.1', digest: null } },
		{ ...SIGNAL, emergency: true, action: { type: 'change', setting: 'contracts', changes: { escrow: [] }, afterBlocks: 1 } },
		{
			title: 'Which scheduler?',
			body: '',
			emergency: false,
			rule: 'ranked',
			options: [
				{ label: 'Strict', action: { type: 'change', setting: 'policy.priority', changes: { algorithm: 'strict' }, afterBlocks: 1 } },
				{ label: 'Leave it', action: { type: 'text' } }
			]
		}
	];
	for (const draft of drafts) {
		const what = draft.rule === 'binary' ? draft.action.type + (draft.emergency ? ' (emergency)' : '') : `${draft.rule} options`;
		it(`${what}: the kind's reader reads back the draft`, () => {
			expect(readProposalContent(proposalBody(draft))).toEqual(draft);
		});
	}

	it('a malformed key is refused naming the field', () => {
		expect(() => proposalBody({ ...SIGNAL, action: { type: 'remove', key: 'zz' } })).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'action.key' }));
	});
});

describe('deadlines reach a block (BlockHook.nextDeadline)', () => {
	it('the registry reports the DAO heap\'s earliest deadline: voting opens, closes, a passed proposal expires', () => {
		const c = new Community({ members: [ann, bob, cat], dao: { proposalDeposit: 0, votingDelayMs: 2_000 } });
		expect(registry.nextDeadline(c.state)).toBeNull();
		const id = c.propose(ann, single({ type: 'change', setting: 'policy.fee', changes: { minimumFee: 3 } }));
		const { votingStarts, votingEnds, executionDelayMs, gracePeriodMs } = proposalView(c.state, id)!.terms;
		c.next();
		expect(registry.nextDeadline(c.state)).toBe(votingStarts);
		expect(daoHook.nextDeadline!(c.state)).toBe(votingStarts);
		c.until(votingStarts).next();
		expect(registry.nextDeadline(c.state)).toBe(votingEnds);
		c.vote(bob, id, 'for');
		c.until(votingEnds).next();
		expect(registry.nextDeadline(c.state)).toBe(votingEnds + executionDelayMs + gracePeriodMs);
	});

	it('the only authority seals a block when a vote closes with nothing else waiting, and when a passed proposal expires', async () => {
		const { founder, a } = await pair();
		await wait(100);
		const signal = await a.propose(SIGNAL);
		const fee = await a.propose(FEE);
		await until('the proposals are in a block', () => statusOf(founder, fee) === 'active');
		await thirdVotes(founder, fee, 'for');
		await until('the ballot is in a block', () => founder.chain!.state.get(`d/v/${fee}/${hex(THIRD)}`) !== undefined);
		const { votingEnds } = proposalView(founder.chain!.state, fee)!.terms;
		const height = founder.chain!.height;

		await until('the votes close', () => statusOf(founder, fee) === 'queued');
		expect(statusOf(founder, signal)).toBe('defeated');
		expect(founder.chain!.height).toBe(height + 1);
		expect(founder.chain!.head.block.txs).toHaveLength(0);
		expect(founder.chain!.head.header.time).toBe(votingEnds);

		await until('the passed proposal expires', () => statusOf(founder, fee) === 'expired');
		expect(founder.chain!.head.header.time).toBe(proposalView(founder.chain!.state, fee)!.expires);
		// Nothing is left to wait for: no more blocks.
		await wait(600_000);
		expect(founder.chain!.height).toBe(height + 2);
	});

	it('a deadline at or before the head block\'s time was that block\'s: it never makes the sealer seal again', async () => {
		const { founder, a } = await pair();
		await a.propose(SIGNAL);
		await until('a block', () => founder.chain!.height === 1);
		// A hook that keeps reporting a deadline it does not consume.
		override.nextDeadline = () => T;
		await a.propose(SIGNAL);
		await until('the next block', () => founder.chain!.height === 2);
		await wait(5_000);
		expect(founder.chain!.height).toBe(2);
	});
});

describe('governance through the node', () => {
	it('a proposal, ballots changed and counted, a live tally in every node, execution, and the policy it produced with its origin', async () => {
		const { founder, member, a, b } = await pair();
		await wait(100);
		const id = await b.propose(FEE);
		expect(b.view()!.waiting).toEqual([expect.objectContaining({ id, kind: 'dao.propose', title: 'Cheaper messages' })]);
		await until('the proposal is open in both nodes', () => statusOf(founder, id) === 'active' && statusOf(member, id) === 'active');
		const item = itemOf(b, id);
		expect(item).toMatchObject({ number: 1, title: 'Cheaper messages', body: 'Halve the <b>floor</b>.', proposer: hex(MEMBER), proposerName: 'm1', status: 'active', myBallot: null });
		expect(item.tally).toMatchObject({ final: false, outcome: { rule: 'binary', for: 0, against: 0, total: 3 } });
		expect(b.view()!.waiting).toEqual([]);

		await a.vote(id, 'against');
		await until('A\'s ballot reaches B', () => itemOf(b, id).tally?.outcome.cast === 1);
		expect(itemOf(b, id).tally!.outcome).toMatchObject({ for: 0, against: 1 });
		await a.vote(id, 'for');
		await b.vote(id, 'for');
		await until('the changed ballot and B\'s are counted', () => itemOf(b, id).tally?.outcome.cast === 2 && (itemOf(b, id).tally!.outcome as { for: number }).for === 2);
		expect(itemOf(a, id).myBallot).toMatchObject({ voter: hex(FOUNDER), choice: 'for' });
		expect(itemOf(b, id).votes.map((v) => [v.voterName, v.choice])).toEqual([['m0', 'for'], ['m1', 'for']]);

		await until('the vote closes', () => statusOf(member, id) === 'queued');
		const queued = itemOf(b, id);
		expect(queued.tally).toMatchObject({ final: true, outcome: { passed: true } });
		await expectAgoraErrorAsync(() => b.executeProposal(id), 'E_DAO_TIMELOCK', 'body.proposal');
		await until('the timelock ends', () => clock.now() >= queued.eta!);
		await b.executeProposal(id);
		await until('the execution is in both nodes', () => statusOf(founder, id) === 'executed' && statusOf(member, id) === 'executed');
		const executed = itemOf(a, id);
		expect(executed.executed!.height).toBe(founder.chain!.height);
		expect(executed.produced).toEqual([{ name: 'policy.fee', value: expect.objectContaining({ minimumFee: 3 }), effectiveFrom: executed.executed!.height + 1, inForce: true }]);
		expect(getPolicy(founder.chain!.state, 'fee').minimumFee).toBe(3);
		const fee = a.view()!.settings.find((s) => s.name === 'policy.fee')!;
		expect(fee.origin).toMatchObject({ proposal: id, number: 1, title: 'Cheaper messages', executed: { height: executed.executed!.height } });
		expect(fee.origin!.ballots.map((v) => v.voterName)).toEqual(['m0', 'm1']);
		expect(a.view()!.settings.find((s) => s.name === 'policy.routing')!.origin).toBeNull();
	});

	it('a ballot cast offline is saved, expires with its vote, and counts once a peer is reachable before the close', async () => {
		const { founder, member, a, b } = await pair(QUICK, false);
		const id = await a.propose(SIGNAL);
		await until('the proposal opens', () => statusOf(founder, id) === 'active');
		await member.importBlocks([founder.chain!.head.block]);
		const ballot = await b.vote(id, 'against');
		expect(member.ownTxs().find((o) => toHex(o.tx.from) === hex(MEMBER) && o.tx.kind === 'dao.vote')!.tx.expires).toBe(proposalView(member.chain!.state, id)!.terms.votingEnds);
		expect(itemOf(b, id).myWaitingBallot).toMatchObject({ id: ballot, status: 'saved', choice: 'against' });
		expect(itemOf(b, id).myBallot).toBeNull();

		link(clock, founder, member);
		await until('the ballot is in a block', () => itemOf(b, id).myBallot !== null);
		expect(itemOf(b, id).myBallot).toMatchObject({ choice: 'against' });
		expect(itemOf(b, id).myWaitingBallot).toBeNull();
		expect(itemOf(a, id).tally!.outcome).toMatchObject({ against: 1, cast: 1 });
	});

	it('the dry run refuses what the next block would refuse, saves nothing, and lets a second transaction behind a waiting one through', async () => {
		const { founder, member, a, b } = await pair(QUICK, false);
		const id = await a.propose(SIGNAL);
		await until('the proposal opens', () => statusOf(founder, id) === 'active');
		await member.importBlocks([founder.chain!.head.block]);
		// Two ballots in a row while offline: the second takes the next nonce and passes its dry run.
		await b.vote(id, 'for');
		await b.vote(id, 'abstain');
		expect(member.ownTxs().map((o) => o.tx.nonce)).toEqual([0, 1]);
		await expectAgoraErrorAsync(() => b.vote(id, [0]), 'E_DAO_BALLOT', 'body.choice');
		await expectAgoraErrorAsync(() => b.cancelProposal(id), 'E_TX_NOT_ALLOWED', 'from');
		await expectAgoraErrorAsync(() => b.vote('00'.repeat(32), 'for'), 'E_DAO_PROPOSAL', 'body.proposal');
		await expectAgoraErrorAsync(() => b.propose({ ...SIGNAL, action: { type: 'remove', key: hex(key(9)) } }), 'E_TX_NOT_ALLOWED', 'body.action.key');
		await expectAgoraErrorAsync(() => b.delegate(hex(MEMBER)), 'E_DAO_DELEGATION', 'body.to');
		expect(member.ownTxs()).toHaveLength(2);

		const { votingEnds } = proposalView(founder.chain!.state, id)!.terms;
		await until('the vote closes', () => statusOf(founder, id) === 'defeated');
		await expectAgoraErrorAsync(() => a.vote(id, 'for'), 'E_DAO_STATUS', 'body.proposal');
		expect(clock.now()).toBeGreaterThanOrEqual(votingEnds);
		expect(founder.ownTxs()).toEqual([]);
	});

	it('the proposer cancels before any ballot; the proposal shows cancelled', async () => {
		const { founder, member, b } = await pair();
		const id = await b.propose(SIGNAL);
		await until('the proposal opens', () => statusOf(member, id) === 'active');
		await b.cancelProposal(id);
		await until('the cancel is in a block', () => statusOf(member, id) === 'cancelled' && statusOf(founder, id) === 'cancelled');
		expect(itemOf(b, id).tally).toBeNull();
	});

	it('delegating shows the delegate, the delegators and the chain; revoking ends it', async () => {
		const { member, a, b } = await pair();
		await b.delegate(hex(FOUNDER));
		await until('the delegation is in a block', () => b.view()!.delegation.to === hex(FOUNDER));
		expect(b.view()!.delegation).toMatchObject({ to: hex(FOUNDER), toName: 'm0', live: true, chain: [{ key: hex(FOUNDER), name: 'm0' }] });
		await until('the founder sees it', () => a.view()!.delegation.delegators.length === 1);
		expect(a.view()!.delegation.delegators).toEqual([{ key: hex(MEMBER), name: 'm1' }]);
		expect(b.view()!.waiting).toEqual([]);
		await b.delegate(null);
		expect(b.view()!.waiting).toEqual([expect.objectContaining({ kind: 'dao.delegate', to: null })]);
		await until('the revocation is in a block', () => b.view()!.delegation.to === null);
		expect(member.ownTxs()).toEqual([]);
	});

	it('a member invites a key into an invite-only community; the invitee\'s join then applies', async () => {
		const { founder, a } = await pair({ ...QUICK, membership: 'invite', memberInvites: true });
		const newcomer = key(7);
		await a.inviteMember(hex(newcomer));
		await until('the invitation is in a block', () => founder.chain!.state.get(`mi/${hex(newcomer)}`) !== undefined);
		await founder.importTxs([makeTx(founder.chain!, newcomer, 0, 'member.join', { name: 'Newcomer' }, { created: clock.now() })]);
		await until('the newcomer is a member', () => founder.view().members.some((m) => m.name === 'Newcomer'));
	});

	it('the view says who the member is and what the community is governed by', async () => {
		const { a, b } = await pair();
		const view = a.view()!;
		expect(view).toMatchObject({ me: hex(FOUNDER), member: true, height: 0, config: expect.objectContaining({ votingPeriodMs: 10_000, proposalDeposit: 0 }), balance: 0, treasury: 0, upgrade: null });
		expect(view.catalog.authorities).toBe(true);
		expect(view.catalog.actionTypes).toContain('authorities');
		expect(view.settings.map((s) => s.name)).toContain('authorities');
		expect(view.settings.find((s) => s.name === 'authorities')!.value).toEqual([hex(FOUNDER)]);
		expect(b.view()!.me).toBe(hex(MEMBER));
	});
});

describe('a community founded in the app', () => {
	it('takes the founder\'s governance settings into its genesis', async () => {
		const node = await AgoraNode.open({ store: new MemoryStore(), verifier: nodeVerifier, now: () => clock.now(), timers: clock, randomBytes: (n) => new Uint8Array(n).fill(7), agent: 'test' });
		await node.createIdentity('Founder');
		await node.createCommunity('Demo', [], { votingPeriodMs: 60_000, executionDelayMs: 15_000, proposalDeposit: 0, membership: 'invite' });
		expect(getDaoConfig(node.chain!.state)).toMatchObject({ votingPeriodMs: 60_000, executionDelayMs: 15_000, proposalDeposit: 0, membership: 'invite', quorumPpm: 100_000 });
		expect(node.chain!.config.dao).toMatchObject({ votingPeriodMs: 60_000 });
		node.close();
	});

	it('refuses settings the genesis reader refuses, naming the field', async () => {
		const node = await AgoraNode.open({ store: new MemoryStore(), verifier: nodeVerifier, now: () => clock.now(), timers: clock, randomBytes: (n) => new Uint8Array(n).fill(7), agent: 'test' });
		await node.createIdentity('Founder');
		await expectAgoraErrorAsync(() => node.createCommunity('Demo', [], { approvalThresholdPpm: 900_000 }), 'E_SCHEMA', 'genesis.dao.constitutionalThresholdPpm');
		expect(node.chain).toBeNull();
		node.close();
	});
});

describe('the app\'s forms', () => {
	it('a setting change proposes only the fields the member edited, and the chain reads it back', async () => {
		const { a } = await pair();
		const view = a.view()!;
		const form = newProposalForm(view);
		Object.assign(form, { title: ' Cheaper ', body: 'b' });
		Object.assign(form.action, { type: 'change', setting: 'policy.fee' });
		form.action.value = { ...form.action.value, minimumFee: 3 };
		const draft = toDraft(structuredClone(form), view);
		expect(draft).toEqual({ title: 'Cheaper', body: 'b', emergency: false, rule: 'binary', action: { type: 'change', setting: 'policy.fee', changes: { minimumFee: 3 }, afterBlocks: 1 } });
		expect(readProposalContent(proposalBody(draft))).toEqual(draft);
	});

	it('contracts list every built-in contract, so a disabled one can be enabled, and an unticked action becomes the change', async () => {
		const { a } = await pair();
		const view = a.view()!;
		const form = newProposalForm(view);
		Object.assign(form, { title: 'No new escrows', rule: 'approval' });
		form.options[0]!.label = 'Close escrow';
		Object.assign(form.options[0]!.action, { type: 'change', setting: 'contracts', value: { ...view.settings.find((s) => s.name === 'contracts')!.value as object } });
		const escrow = view.catalog.contracts.escrow!;
		form.options[0]!.action.value.escrow = escrow.filter((action) => action !== 'open');
		form.options[1]!.label = 'Keep it';
		const draft = toDraft(structuredClone(form), view);
		expect(draft.rule === 'approval' && draft.options.map((o) => o.action)).toEqual([{ type: 'change', setting: 'contracts', changes: { escrow: escrow.filter((x) => x !== 'open') }, afterBlocks: 1 }, { type: 'text' }]);
		expect(readProposalContent(proposalBody(draft))).toEqual(draft);
	});

	it('community presets: the demo\'s short periods, no deposit, and thresholds that never fall below approval', () => {
		const demo = daoFromForm(presetForm('demo'));
		expect(demo).toMatchObject({ votingPeriodMs: 60_000, executionDelayMs: 15_000, proposalDeposit: 0, membership: 'open' });
		expect(daoFromForm(presetForm('standard'))).toMatchObject({ votingPeriodMs: 7 * 86_400_000, proposalDeposit: 0 });
		const strict = daoFromForm({ ...presetForm('standard'), approvalPercent: 80, quorumPercent: 33.3 });
		expect(strict).toMatchObject({ approvalThresholdPpm: 800_000, constitutionalThresholdPpm: 800_000, emergencyThresholdPpm: 800_000, quorumPpm: 333_000 });
		expect(() => createGenesis({ name: 'x', time: T, salt: new Uint8Array(16), founder: FOUNDER, founderName: 'f', dao: strict })).not.toThrow();
	});
});
