/**
 * A chain of governance, built once per run the way a community makes one:
 * signed proposals of every kind (text, policy and parameter changes,
 * admissions, upgrades, ranked options), ballots (some changed, most for,
 * some proposals voted down), delegations made and revoked, cancellations,
 * executions once timelocks pass (and some left to expire), proposed by the founder through
 * Chain.propose. Short DAO periods (a 20-block vote, a 5-block timelock) so
 * that a thousand blocks see proposals through every status.
 *
 * Deterministic: every choice follows from the height and the state the
 * chain is in, and a block that leaves out any transaction is an error, so
 * the chain is the same in every run and every transaction in it applies.
 */
import { fromHex, toHex, type Hex } from '../src/lib/core/bytes.js';
import type { Encodable } from '../src/lib/core/codec.js';
import { createGenesis } from '../src/lib/core/genesis.js';
import { Chain } from '../src/lib/core/chain.js';
import { encodeBlock, type Block } from '../src/lib/core/block/block.js';
import { getAccount } from '../src/lib/core/state/accounts.js';
import { getMember } from '../src/lib/core/state/members.js';
import { getProgress, getProposal, proposalCount, proposalIdAt } from '../src/lib/core/state/dao/records.js';
import type { DaoConfig } from '../src/lib/core/state/dao/config.js';
import type { Tx } from '../src/lib/core/tx/tx.js';
import { memberId } from './machine.js';
import { signer, signFast, trusted, BLOCK_MS, T0, type ChainFixture, type Signer } from './fixtures.js';

/** Short periods, in block time (blocks are BLOCK_MS apart). */
export const GOVERNANCE_DAO: Partial<DaoConfig> = {
	votingDelayMs: 0,
	votingPeriodMs: 20 * BLOCK_MS,
	executionDelayMs: 5 * BLOCK_MS,
	gracePeriodMs: 60 * BLOCK_MS,
	proposalDeposit: 10,
	proposalLimit: 1000
};

const MEMBERS = 64;
/** Members 1..8 are delegates and never delegate themselves; members 33..64 may delegate to them: no cycle can form. */
const DELEGATES = 8;
const FIRST_DELEGATOR = 33;
const BALLOTS_PER_BLOCK = 6;

/** Counts of what the chain carries, by transaction kind. */
export type KindCounts = Record<string, number>;

export interface GovernanceFixture extends ChainFixture {
	readonly kinds: KindCounts;
	readonly transactions: number;
}

/** What proposal `n` (1-based) proposes: every kind of action in turn. */
function proposalBody(n: number, height: number): Encodable {
	const title = `Proposal ${n}`;
	const body = 'Made by the governance benchmark.';
	switch (n % 7) {
		case 0:
			return { title, body, action: { type: 'text' } };
		case 1:
			return { title, body, action: { type: 'change', setting: 'policy.fee', changes: { minimumFee: n % 3 } } };
		case 2:
			return { title, body, action: { type: 'change', setting: 'policy.priority', changes: { maxConsecutive: 3 + (n % 5) } } };
		case 3:
			return { title, body, action: { type: 'change', setting: 'params', changes: { blockTimeMs: BLOCK_MS } } };
		case 4:
			return { title, body, action: { type: 'admit', key: memberId(1_000_000 + n), name: `admitted ${n}` } };
		case 5:
			return { title, body, action: { type: 'upgrade', version: `1.${height}.0` } };
		default:
			return {
				title,
				body,
				rule: 'ranked',
				options: [
					{ label: 'keep', action: { type: 'text' } },
					{ label: 'faster', action: { type: 'change', setting: 'policy.delivery', changes: { maxInFlight: 16 + (n % 16) } } },
					{ label: 'slower', action: { type: 'change', setting: 'policy.delivery', changes: { maxInFlight: 8 } } }
				]
			};
	}
}

/** Voter v's choice on proposal n: most vote for; every fifth proposal is mostly voted down. */
function choice(n: number, ranked: boolean, v: number, round: number): Encodable {
	if (ranked) return [(v + round) % 3, (v + round + 1) % 3];
	const against = n % 5 === 0 ? v % 4 !== 0 : v % 4 === 0;
	return v % 9 === 0 ? 'abstain' : against ? 'against' : 'for';
}

const built = new Map<number, GovernanceFixture>();

export function governanceFixture(blocks: number): GovernanceFixture {
	const cached = built.get(blocks);
	if (cached) return cached;
	const founder = signer(0);
	const members = [founder, ...Array.from({ length: MEMBERS }, (_, i) => signer(i + 1))];
	const genesis = createGenesis({
		name: 'Governance bench',
		time: T0,
		salt: new Uint8Array(16),
		founder: founder.keys,
		founderName: 'founder',
		members: members.map((m, i) => ({ key: m.keys.publicKey, name: `member ${i}` })),
		allocations: members.map((m) => ({ key: m.keys.publicKey, amount: 1_000_000 })),
		dao: GOVERNANCE_DAO
	});
	const chain = Chain.open(trusted(genesis));
	const all: Block[] = [genesis];
	const kinds: KindCounts = {};
	let cancelNext: { id: Hex; by: Signer } | null = null;
	let cancelBy: Signer | null = null;

	for (let h = 1; h <= blocks; h++) {
		const time = T0 + h * BLOCK_MS;
		const state = chain.state;
		const used = new Map<Signer, number>();
		const txs: Tx[] = [];
		const send = (by: Signer, kind: string, body: Encodable): void => {
			const nonce = getAccount(state, toHex(by.keys.publicKey)).nonce + (used.get(by) ?? 0);
			used.set(by, (used.get(by) ?? 0) + 1);
			txs.push(signFast({ chain: chain.chainId, from: by.keys.publicKey, nonce, fee: 0, created: time - 500, expires: time + 3_600_000, kind, body }, by));
			kinds[kind] = (kinds[kind] ?? 0) + 1;
		};

		// A proposal made in the last block, cancelled by its proposer before anyone votes.
		const cancelled = cancelNext;
		if (cancelled) send(cancelled.by, 'dao.cancel', { proposal: fromHex(cancelled.id) });
		cancelNext = null;

		// Executions whose timelock has passed; ballots on open votes.
		const open: Array<{ n: number; id: Hex; ranked: boolean }> = [];
		for (let n = 1; n <= proposalCount(state); n++) {
			const id = proposalIdAt(state, n)!;
			const progress = getProgress(state, id)!;
			const proposal = getProposal(state, id)!;
			// Every eleventh passed proposal is left to expire.
			if (progress.status === 'queued' && n % 11 !== 0 && time >= progress.eta! && time < progress.expires!) send(members[n % members.length]!, 'dao.execute', { proposal: fromHex(id) });
			else if (progress.status === 'active' && time < proposal.terms.votingEnds && id !== cancelled?.id) open.push({ n, id, ranked: proposal.rule === 'ranked' });
		}
		for (let k = 0; k < BALLOTS_PER_BLOCK && open.length > 0; k++) {
			const { n, id, ranked } = open[(h + k) % open.length]!;
			const v = (h * 5 + k * 11) % members.length;
			send(members[v]!, 'dao.vote', { proposal: fromHex(id), choice: choice(n, ranked, v, Math.floor(h / 20)) });
		}

		// A delegation made or revoked every other block.
		if (h % 2 === 0) {
			const who = members[FIRST_DELEGATOR + ((h / 2) % (MEMBERS - FIRST_DELEGATOR + 1))]!;
			const delegating = getMember(state, toHex(who.keys.publicKey))?.delegate !== undefined;
			send(who, 'dao.delegate', { to: delegating && h % 6 === 0 ? null : members[1 + (h % DELEGATES)]!.keys.publicKey });
		}

		// A proposal every fourth block; every fortieth is cancelled in the next block.
		if (h % 4 === 1) {
			const n = proposalCount(state) + 1;
			const by = members[n % members.length]!;
			send(by, 'dao.propose', proposalBody(n, h));
			if (h % 40 === 1) cancelBy = by;
		}

		const proposal = chain.propose(founder.keys, txs, time);
		if (!proposal || 'wait' in proposal) throw new Error(`the founder cannot seal block ${h}`);
		if (proposal.rejected.length > 0) throw new Error(`block ${h} left out a transaction: ${proposal.rejected[0]!.error.message}`);
		chain.add(trusted(proposal.block), time);
		all.push(proposal.block);
		if (cancelBy) cancelNext = { id: proposalIdAt(chain.state, proposalCount(chain.state))!, by: cancelBy };
		cancelBy = null;
	}
	const fixture: GovernanceFixture = {
		community: { genesis, founder, members: members.slice(1), chain },
		blocks: all,
		encoded: all.map(encodeBlock),
		signatures: all.reduce((n, b) => n + 1 + b.txs.length, 0),
		transactions: all.reduce((n, b) => n + b.txs.length, 0),
		now: T0 + (blocks + 1) * BLOCK_MS,
		kinds
	};
	built.set(blocks, fixture);
	return fixture;
}
