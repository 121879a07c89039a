/**
 * Governance on a real Chain (signed blocks and transactions, proof of
 * authority): a community admits a member by proposal, elects a second
 * authority who then seals blocks, changes the fee policy (the queue's fee
 * follows from the effective height), spends from the treasury, passes an
 * emergency action, and forfeits a deposit for want of quorum; and a
 * reorganisation across a ballot leaves the state a replay gives.
 */
import { describe, expect, it } from 'vitest';
import { compareBytes, fromHex, toHex, type Hex } from '../../../../src/lib/core/bytes.js';
import { encode, type Encodable } from '../../../../src/lib/core/codec.js';
import type { Chain } from '../../../../src/lib/core/chain.js';
import type { Block } from '../../../../src/lib/core/block/block.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import { getAuthorities } from '../../../../src/lib/core/consensus/poa.js';
import { getAccount, TREASURY } from '../../../../src/lib/core/state/accounts.js';
import { isMember } from '../../../../src/lib/core/state/members.js';
import { getPolicy, getPolicyRecord } from '../../../../src/lib/core/state/policy.js';
import { requiredFee } from '../../../../src/lib/core/state/queue/fee.js';
import type { DaoConfig } from '../../../../src/lib/core/state/dao/config.js';
import { DEPOSITS } from '../../../../src/lib/core/state/dao/lifecycle.js';
import { proposalView, settingOrigin, type ProposalView } from '../../../../src/lib/core/state/dao/queries.js';
import type { Status } from '../../../../src/lib/core/state/dao/records.js';
import { signTx, txIdHex, type Tx } from '../../../../src/lib/core/tx/tx.js';
import { keys, openChain, poaGenesis, proposeAt, T0, verified } from '../../../helpers/community.js';

const QUICK: Partial<DaoConfig> = { votingPeriodMs: 5_000, executionDelayMs: 2_000, gracePeriodMs: 30_000, proposalDeposit: 10, emergencyVotingPeriodMs: 2_000, emergencyExecutionDelayMs: 0 };
const hex = (k: KeyPair): Hex => toHex(k.publicKey);

/** Drives a chain: transactions with the right nonces, blocks sealed by the authority in turn. */
class Driver {
	now: number;
	private readonly pending = new Map<Hex, number>();
	constructor(
		readonly chain: Chain,
		private readonly sealers: readonly KeyPair[]
	) {
		this.now = chain.head.header.time + 1000;
	}

	tx(from: KeyPair, kind: string, body: Encodable, fee = 0): Tx {
		const h = hex(from);
		const nonce = getAccount(this.chain.state, h).nonce + (this.pending.get(h) ?? 0);
		this.pending.set(h, (this.pending.get(h) ?? 0) + 1);
		return signTx({ chain: this.chain.chainId, from: from.publicKey, nonce, fee, created: this.now - 500, expires: this.now + 3_600_000, kind, body }, from);
	}

	/** Seals a block with these transactions by the authority in turn (or the first one allowed), and adds it. */
	async block(txs: readonly Tx[] = []): Promise<Block> {
		const authorities = getAuthorities(this.chain.state);
		const inTurn = authorities[(this.chain.height + 1) % authorities.length];
		const ordered = [...this.sealers].sort((a, b) => (hex(a) === inTurn ? -1 : hex(b) === inTurn ? 1 : 0));
		const sealer = ordered.find((k) => this.chain.canSeal(hex(k)) && this.chain.propose(k, [], this.now) !== null)!;
		const { block, now } = proposeAt(this.chain, sealer, txs, this.now);
		const r = this.chain.add(await verified(block), now);
		expect(r.status).toBe('head');
		this.pending.clear();
		this.now = block.header.time + 1000;
		return block;
	}

	view(id: Hex): ProposalView {
		return proposalView(this.chain.state, id)!;
	}

	/** Seals empty blocks until one has a time at or after `time` (its end-of-block work has run then). */
	async passTime(time: number): Promise<void> {
		while (this.chain.head.header.time < time) await this.block();
	}

	/** Seals empty blocks until the proposal reaches `status`. */
	async until(id: Hex, status: Status): Promise<void> {
		for (let i = 0; i < 100 && this.view(id).status !== status; i++) await this.block();
		expect(this.view(id).status).toBe(status);
	}

	/** Proposes (in its own block), has `voters` vote `choice`, waits for the vote to close and, when it passed with an action, for the timelock. */
	async decide(proposer: KeyPair, body: Encodable, voters: readonly KeyPair[], choice: Encodable = 'for'): Promise<Hex> {
		const t = this.tx(proposer, 'dao.propose', body);
		await this.block([t]);
		const id = txIdHex(t);
		await this.block(voters.map((v) => this.tx(v, 'dao.vote', { proposal: fromHex(id), choice })));
		await this.passTime(this.view(id).terms.votingEnds);
		// The next block (at this.now) is the first that may execute once this.now reaches eta.
		if (this.view(id).status === 'queued') while (this.now < this.view(id).eta!) await this.block();
		return id;
	}

	async execute(by: KeyPair, id: Hex): Promise<number> {
		await this.block([this.tx(by, 'dao.execute', { proposal: fromHex(id) })]);
		expect(this.view(id).status).toBe('executed');
		return this.chain.height;
	}
}

const single = (action: Encodable, extra: Record<string, Encodable> = {}): Encodable => ({ title: 'Proposal', body: 'Please vote.', action, ...extra });

async function community(members: readonly KeyPair[], authorities: readonly KeyPair[], opts: { dao?: Partial<DaoConfig>; allocations?: ReadonlyArray<readonly [KeyPair, number]>; treasuryFeePpm?: number } = {}): Promise<Driver> {
	const genesis = poaGenesis(authorities, {
		members: members.map((k, i) => ({ key: k.publicKey, name: `member ${i}` })),
		allocations: (opts.allocations ?? members.map((k) => [k, 1000] as const)).map(([k, amount]) => ({ key: k.publicKey, amount })),
		dao: { ...QUICK, ...opts.dao },
		params: { treasuryFeePpm: opts.treasuryFeePpm ?? 0 }
	});
	return new Driver(await openChain(genesis), members);
}

const [ann, bob, cat, dan] = keys(4, 200) as [KeyPair, KeyPair, KeyPair, KeyPair];
const newcomer = keys(1, 300)[0]!;

describe('governance on a chain: scenarios', () => {
	it('an invite-only community admits a member by proposal, who can then post', async () => {
		const d = await community([ann, bob, cat], [ann], { dao: { membership: 'invite', memberInvites: false } });
		const id = await d.decide(ann, single({ type: 'admit', key: newcomer.publicKey, name: 'Newcomer' }), [ann, bob]);
		expect(isMember(d.chain.state, hex(newcomer))).toBe(false);
		await d.execute(cat, id);
		expect(isMember(d.chain.state, hex(newcomer))).toBe(true);
		await d.block([d.tx(newcomer, 'post', { text: 'hello, all' })]);
	});

	it('elects a second authority, who seals blocks from the effective height on', async () => {
		const solo = await community([ann, bob, cat], [ann]);
		const id = await solo.decide(ann, single({ type: 'authorities', add: [cat.publicKey], afterBlocks: 2 }), [ann, bob, cat]);
		expect(solo.chain.propose(cat, [], solo.now)).toBeNull();
		const height = await solo.execute(bob, id);
		await solo.block();
		expect(getAuthorities(solo.chain.state)).toEqual([hex(ann), hex(cat)].sort());
		expect(solo.chain.height).toBe(height + 1);
		expect(solo.chain.canSeal(hex(cat))).toBe(true);
		const sealedBy = new Set<Hex>();
		for (let i = 0; i < 4; i++) sealedBy.add(toHex((await solo.block()).header.proposer));
		expect(sealedBy).toEqual(new Set([hex(ann), hex(cat)]));
		expect(settingOrigin(solo.chain.state, 'authorities').proposal?.id).toBe(id);
		// With two authorities a block is final once both have sealed it or a block on top.
		expect(solo.chain.finalized.height).toBeLessThan(solo.chain.height);
	});

	it('changes the fee policy: the queue charges the new fee from the effective height, not a block before', async () => {
		const d = await community([ann, bob, cat], [ann]);
		const message = { bytes: 2048, priority: 'normal', guarantee: 'atLeastOnce', recipients: 1, sentInWindow: 100 } as const;
		const before = requiredFee(getPolicy(d.chain.state, 'fee'), message);
		const id = await d.decide(ann, single({ type: 'change', setting: 'policy.fee', changes: { baseFee: 10 }, afterBlocks: 3 }), [ann, bob]);
		const height = await d.execute(cat, id);
		const fees: number[] = [];
		for (let i = 0; i < 3; i++) {
			fees.push(requiredFee(getPolicy(d.chain.state, 'fee'), message)); // the policy for block height + 1 + i
			await d.block();
		}
		expect(fees).toEqual([before, before, before * 10]);
		expect(getPolicyRecord(d.chain.state, 'fee')).toMatchObject({ proposal: id, effectiveFrom: height + 3 });
	});

	it('spends from the treasury, which fees filled', async () => {
		const d = await community([ann, bob, cat], [ann], { treasuryFeePpm: 500_000 });
		await d.block([d.tx(bob, 'post', { text: 'a well-paid post' }, 200)]);
		expect(getAccount(d.chain.state, TREASURY).balance).toBe(100);
		const id = await d.decide(ann, single({ type: 'treasury', payments: [{ to: newcomer.publicKey, amount: 60 }] }), [ann, bob, cat]);
		await d.execute(bob, id);
		expect(getAccount(d.chain.state, hex(newcomer)).balance).toBe(60);
		expect(getAccount(d.chain.state, TREASURY).balance).toBe(40);
	});

	it('passes an emergency action in its short period with its higher threshold, without a timelock', async () => {
		const d = await community([ann, bob, cat, dan], [ann]);
		const urgent = single({ type: 'change', setting: 'policy.delivery', changes: { maxDeliveriesLimit: 5 } }, { emergency: true });
		const passing = await d.decide(ann, urgent, [ann, bob]);
		expect(d.view(passing).status).toBe('queued');
		// Two for and one against (66.7%) falls short of the 67% emergency threshold, though it would pass an ordinary vote.
		const t = d.tx(ann, 'dao.propose', urgent);
		await d.block([t]);
		const narrow = txIdHex(t);
		await d.block([d.tx(ann, 'dao.vote', { proposal: fromHex(narrow), choice: 'for' }), d.tx(bob, 'dao.vote', { proposal: fromHex(narrow), choice: 'for' }), d.tx(cat, 'dao.vote', { proposal: fromHex(narrow), choice: 'against' })]);
		await d.until(narrow, 'defeated');
		expect(d.view(narrow).outcome).toMatchObject({ for: 2, against: 1, approved: false });
		// The one that passed was voted in 2 s and is executable at once.
		const v = d.view(passing);
		expect(v.terms.votingEnds - v.created.time).toBe(2_000);
		expect(v.terms.thresholdPpm).toBe(670_000);
		expect(v.eta).toBe(v.terms.votingEnds);
		await d.execute(dan, passing);
		await d.block();
		expect(getPolicy(d.chain.state, 'delivery').maxDeliveriesLimit).toBe(5);
	});

	it('a proposal that misses quorum forfeits its deposit to the treasury', async () => {
		const d = await community([ann, bob, cat, dan], [ann], { dao: { quorumPpm: 500_000 } });
		const id = await d.decide(bob, single({ type: 'text' }), [bob]);
		expect(d.view(id)).toMatchObject({ status: 'defeated', outcome: { quorumReached: false } });
		expect(getAccount(d.chain.state, hex(bob)).balance).toBe(990);
		expect(getAccount(d.chain.state, TREASURY).balance).toBe(10);
		expect(getAccount(d.chain.state, DEPOSITS).balance).toBe(0);
	});
});

describe('governance on a chain: reorganisation', () => {
	function snapshot(chain: Chain) {
		return { head: chain.head.hash, root: toHex(chain.state.root()), entries: toHex(encode(chain.state.entriesSorted() as unknown as Encodable)) };
	}

	it('a reorganisation across a ballot leaves the state a replay of the winning branch gives, both ways', async () => {
		const auths = [ann, bob, cat];
		const S = [...auths].sort((x, y) => compareBytes(x.publicKey, y.publicKey));
		const genesis = poaGenesis(auths, { members: [...auths, dan].map((k, i) => ({ key: k.publicKey, name: `m${i}` })), allocations: [{ key: dan.publicKey, amount: 1000 }], dao: { ...QUICK, proposalDeposit: 0 } });
		const replay = async (blocks: readonly Block[]) => {
			const fresh = await openChain(genesis);
			for (const b of blocks) fresh.add(await verified(b), T0 + 1e9);
			return fresh;
		};
		// A shared prefix: block 1 makes a proposal, whose vote opens at its end.
		const base = new Driver(await openChain(genesis), S);
		const p = base.tx(dan, 'dao.propose', single({ type: 'change', setting: 'policy.fee', changes: { minimumFee: 3 } }));
		const b1 = await base.block([p]);
		const id = txIdHex(p);
		const bx = await replay([b1]);
		const by = await replay([b1]);
		const vote = (chain: Chain, choice: string) => new Driver(chain, S).tx(dan, 'dao.vote', { proposal: fromHex(id), choice });
		// Y: the authority in turn at height 2 (weight 2), dan against. X: one out of turn (weight 1), dan for, then two more blocks.
		const y2 = proposeAt(by, S[2]!, [vote(by, 'against')], base.now).block;
		const x2 = proposeAt(bx, S[0]!, [vote(bx, 'for')], base.now).block;
		bx.add(await verified(x2), T0 + 1e9);
		const xd = new Driver(bx, S);
		const x3 = await xd.block();
		const x4 = await xd.block();

		const chain = await replay([b1]);
		expect(chain.add(await verified(x2), T0 + 1e9).status).toBe('head');
		expect(proposalView(chain.state, id)!.ballots).toBe(1);
		expect(chain.add(await verified(y2), T0 + 1e9).status).toBe('head');
		expect(snapshot(chain)).toEqual(snapshot(await replay([b1, y2])));
		expect(proposalView(chain.state, id)!.ballots).toBe(1);
		chain.add(await verified(x3), T0 + 1e9);
		expect(chain.add(await verified(x4), T0 + 1e9).status).toBe('head');
		expect(snapshot(chain)).toEqual(snapshot(await replay([b1, x2, x3, x4])));
		// The ballot that survived is the one that counts when the vote closes.
		const d = new Driver(chain, S);
		await d.until(id, 'queued');
		expect(d.view(id).outcome).toMatchObject({ for: 1, against: 0 });
	});
});
