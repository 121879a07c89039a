/**
 * Governance in a simulated proof-of-authority community whose founder is
 * its only authority: the members admit a newcomer whose node has followed
 * the chain from outside, elect it a second authority, and from the block
 * the election takes effect it seals blocks too; they raise the minimum
 * message fee, and from the height the new fee policy takes effect every
 * message is charged the new schedule. All of it through real signed
 * proposals, ballots and executions on real nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/lib/core/bytes.js';
import { txIdHex } from '../../src/lib/core/tx/tx.js';
import { getAuthorities } from '../../src/lib/core/consensus/poa.js';
import { listProposals, settingOrigin } from '../../src/lib/core/state/dao/queries.js';
import { getMember } from '../../src/lib/core/state/members.js';
import { getPolicy } from '../../src/lib/core/state/policy.js';
import { getMessage } from '../../src/lib/core/state/queue/records.js';
import { memberKey } from '../../src/lib/sim/community.js';
import { addAuthority, admitAction, feeChange, GovernanceTraffic, type Sentiment } from '../../src/lib/sim/governance.js';
import { DEFAULT_MESSAGE_TRAFFIC, MessageTraffic, Recipients } from '../../src/lib/sim/messages.js';
import { createSimulation, finish, type SimResult } from '../../src/lib/sim/simulate.js';
import type { Simulation } from '../../src/lib/sim/world.js';
import { agreedChain, simSeed } from './helpers.js';

const SEED = simSeed(21);
const BLOCKS = 100;
const NEW_FEE = 10;
/** Node 4 starts outside the community. */
const NEWCOMER = 4;
const UNANIMOUS: Sentiment = { turnout: 1, support: 1, fickle: 0 };

let sim: Simulation;
let result: SimResult;

beforeAll(async () => {
	const newcomer = memberKey(SEED, NEWCOMER);
	const governance = new GovernanceTraffic({
		script: [
			{ at: 1_000, proposer: 1, title: 'Admit member 4', action: admitAction(newcomer, 'member 4'), sentiment: UNANIMOUS },
			{ at: 2_000, proposer: 2, title: `Raise the minimum message fee to ${NEW_FEE}`, action: feeChange({ minimumFee: NEW_FEE }, 3), sentiment: UNANIMOUS },
			// Once admitted (an authority must be a member): the proposer retries until then.
			{ at: 16_000, proposer: 3, title: 'Elect member 4 to seal blocks', action: addAuthority(toHex(newcomer.publicKey)), sentiment: UNANIMOUS }
		]
	});
	const messages = new MessageTraffic({ ...DEFAULT_MESSAGE_TRAFFIC, perSecond: 2, toTopic: 0, shortLived: 0, opening: false, topics: [], patterns: [] });
	sim = await createSimulation({
		nodes: 5,
		blocks: BLOCKS,
		consensus: 'poa',
		seed: SEED,
		traffic: false,
		outsiders: 1,
		sealers: 1,
		churn: 0,
		actors: [governance, messages, new Recipients({ ack: 1, lateAck: 0, retry: 0, reject: 0 })]
	});
	result = await finish(sim, BLOCKS, 200_000);
}, 60_000);

afterAll(() => sim?.close());

const state = () => agreedChain(sim, result).state;
const executed = (title: string) => listProposals(state()).find((p) => p.title === title && p.status === 'executed');

describe(`a proof-of-authority community governs itself (seed ${SEED})`, () => {
	it('admits the newcomer by proposal', () => {
		const proposal = executed('Admit member 4');
		expect(proposal, `seed ${SEED}`).toBeDefined();
		const member = getMember(state(), sim.members[NEWCOMER]!.key);
		expect(member?.since).toBe(proposal!.executed!.height);
		expect(proposal!.outcome).toMatchObject({ passed: true, quorumReached: true });
	});

	it('elects the newcomer a second authority, who seals blocks from the height the election takes effect', () => {
		const proposal = executed('Elect member 4 to seal blocks');
		expect(proposal, `seed ${SEED}`).toBeDefined();
		const origin = settingOrigin(state(), 'authorities');
		expect(origin.setting.origin.proposal).toBe(proposal!.id);
		const from = origin.setting.origin.effectiveFrom;
		expect(from).toBe(proposal!.executed!.height + 1);
		expect(getAuthorities(state())).toEqual([sim.members[0]!.key, sim.members[NEWCOMER]!.key].sort());
		const sealers = result.blocks.slice(1).map((b) => ({ height: b.header.height, by: toHex(b.header.proposer) }));
		expect(sealers.filter((s) => s.height < from).every((s) => s.by === sim.members[0]!.key)).toBe(true);
		const newcomerBlocks = sealers.filter((s) => s.by === sim.members[NEWCOMER]!.key);
		expect(newcomerBlocks.length, `seed ${SEED}`).toBeGreaterThan(0);
		expect(Math.min(...newcomerBlocks.map((s) => s.height))).toBeGreaterThanOrEqual(from);
	});

	it('charges the new message fee from the height the fee change takes effect, and the old one before', () => {
		const proposal = executed(`Raise the minimum message fee to ${NEW_FEE}`);
		expect(proposal, `seed ${SEED}`).toBeDefined();
		const origin = settingOrigin(state(), 'policy.fee');
		expect(origin.setting.origin.proposal).toBe(proposal!.id);
		expect(getPolicy(state(), 'fee').minimumFee).toBe(NEW_FEE);
		const from = origin.setting.origin.effectiveFrom;
		const charged = result.blocks.slice(1).flatMap((b) => b.txs.filter((tx) => tx.kind === 'msg.send').map((tx) => ({ height: b.header.height, paid: tx.fee, m: getMessage(state(), txIdHex(tx))! })));
		const before = charged.filter((c) => c.height < from);
		const after = charged.filter((c) => c.height >= from);
		expect(before.length, `seed ${SEED}`).toBeGreaterThan(0);
		expect(after.length, `seed ${SEED}`).toBeGreaterThan(0);
		for (const c of before) expect(c.m.required).toBeLessThan(NEW_FEE);
		for (const c of after) {
			expect(c.m.required).toBeGreaterThanOrEqual(NEW_FEE);
			// Members pay what the schedule in force asks, no more.
			expect(c.paid).toBe(c.m.required);
		}
		expect(result.violations).toEqual([]);
	});
});
