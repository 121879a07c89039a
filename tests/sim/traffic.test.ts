/**
 * The default governance and message traffic, in one proof-of-authority run
 * of six nodes (five authorities and a member who can be elected): every
 * kind of step the actors promise shows up on chain, as real transactions
 * that the state machine accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/lib/core/bytes.js';
import { readProposalContent } from '../../src/lib/core/state/dao/proposal.js';
import { listProposals } from '../../src/lib/core/state/dao/queries.js';
import { isMember } from '../../src/lib/core/state/members.js';
import { GUARANTEES, PRIORITIES } from '../../src/lib/core/state/policy.js';
import { queueSummary } from '../../src/lib/core/state/queue/queries.js';
import { getDelivery, getMessage, recipientsOf } from '../../src/lib/core/state/queue/records.js';
import type { Tx } from '../../src/lib/core/tx/tx.js';
import { txIdHex } from '../../src/lib/core/tx/tx.js';
import { applicantKey } from '../../src/lib/sim/community.js';
import { createSimulation, finish, type SimResult } from '../../src/lib/sim/simulate.js';
import type { Simulation } from '../../src/lib/sim/world.js';
import { agreedChain, simSeed } from './helpers.js';

const SEED = simSeed(41);
const BLOCKS = 100;
let sim: Simulation;
let result: SimResult;
let txs: Tx[];

beforeAll(async () => {
	sim = await createSimulation({ nodes: 6, blocks: BLOCKS, consensus: 'poa', seed: SEED });
	result = await finish(sim, BLOCKS, 200_000);
	txs = result.blocks.flatMap((b) => b.txs);
}, 60_000);

afterAll(() => sim?.close());

const state = () => agreedChain(sim, result).state;
const ofKind = (kind: string) => txs.filter((tx) => tx.kind === kind);

describe(`default governance traffic (seed ${SEED})`, () => {
	it('executes some proposals and defeats others, by their threshold and by their quorum; one is cancelled', () => {
		const proposals = listProposals(state());
		const statuses = proposals.map((p) => p.status);
		expect(statuses, `seed ${SEED}`).toContain('executed');
		expect(statuses).toContain('cancelled');
		const defeated = proposals.filter((p) => p.status === 'defeated');
		expect(defeated.some((p) => p.outcome!.quorumReached), `seed ${SEED}`).toBe(true);
		expect(defeated.some((p) => !p.outcome!.quorumReached), `seed ${SEED}`).toBe(true);
	});

	it('admits an applicant, elects the member who could not seal, and that member seals afterwards', () => {
		expect(isMember(state(), toHex(applicantKey(SEED, 0).publicKey)), `seed ${SEED}`).toBe(true);
		const elected = sim.members[5]!.key;
		const election = listProposals(state(), ['executed']).find((p) => p.rule === 'binary' && p.action.type === 'authorities');
		expect(election, `seed ${SEED}`).toBeDefined();
		expect(result.blocks.some((b) => toHex(b.header.proposer) === elected && b.header.height > election!.executed!.height), `seed ${SEED}`).toBe(true);
	});

	it('has members change their vote, delegate and take delegations back', () => {
		const votes = ofKind('dao.vote').map((tx) => ({ voter: toHex(tx.from), ...(tx.body as { proposal: Uint8Array; choice: string }) }));
		const changed = votes.some((a, i) => votes.some((b, j) => j > i && a.voter === b.voter && toHex(a.proposal) === toHex(b.proposal) && a.choice !== b.choice));
		expect(changed, `seed ${SEED}`).toBe(true);
		const delegations = ofKind('dao.delegate').map((tx) => (tx.body as { to: Uint8Array | null }).to);
		expect(delegations.some((to) => to !== null), `seed ${SEED}`).toBe(true);
		expect(delegations.some((to) => to === null), `seed ${SEED}`).toBe(true);
		// Every proposal made was a well-formed one the chain accepted.
		for (const tx of ofKind('dao.propose')) expect(() => readProposalContent(tx.body)).not.toThrow();
	});
});

describe(`default message traffic (seed ${SEED})`, () => {
	it('sends direct and topic messages of every priority and guarantee to declared topics and their subscribers', () => {
		const sent = ofKind('msg.send').map((tx) => getMessage(state(), txIdHex(tx))!);
		for (const p of PRIORITIES) expect(sent.some((m) => m.priority === p), `${p}, seed ${SEED}`).toBe(true);
		for (const g of GUARANTEES) expect(sent.some((m) => m.guarantee === g), `${g}, seed ${SEED}`).toBe(true);
		expect(sent.some((m) => m.to !== null)).toBe(true);
		expect(sent.some((m) => m.topic !== null && m.recipients > 0), `seed ${SEED}`).toBe(true);
		expect(ofKind('topic.create').length).toBe(3);
		expect(ofKind('topic.subscribe').length).toBeGreaterThanOrEqual(6);
	});

	it('has messages acked (some on a later delivery), rejected, dead-lettered and expired', () => {
		const q = queueSummary(state());
		expect(q.acked, `seed ${SEED}`).toBeGreaterThan(0);
		expect(q.deadLettered, `seed ${SEED}`).toBeGreaterThan(0);
		expect(q.expired, `seed ${SEED}`).toBeGreaterThan(0);
		// (A nack asking for a retry needs a recipient that defers answering: a node that answers by itself answers first.)
		expect(ofKind('msg.nack').map((tx) => (tx.body as { requeue: boolean }).requeue), `seed ${SEED}`).toContain(false);
		const deliveries = ofKind('msg.send').flatMap((tx) => {
			const id = txIdHex(tx);
			return recipientsOf(state(), id, getMessage(state(), id)!).map((r) => getDelivery(state(), id, r)!);
		});
		expect(deliveries.some((d) => d.status === 'acked' && d.attempts >= 2), `seed ${SEED}`).toBe(true);
		expect(deliveries.some((d) => d.deadReason === 'maxDeliveries'), `seed ${SEED}`).toBe(true);
		expect(deliveries.some((d) => d.deadReason === 'rejected'), `seed ${SEED}`).toBe(true);
		expect(result.violations).toEqual([]);
	});
});
