/**
 * Misbehaving peers against honest nodes: a proof-of-work block below its
 * target and a proof-of-authority block sealed too often are rejected by
 * every honest node that receives them, which drops the sender; a validator
 * that votes for two blocks at one height is proven to have done so, on
 * chain, and loses its place among the validators.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/lib/core/bytes.js';
import { blockHashHex, type Block } from '../../src/lib/core/block/block.js';
import { listEvidence } from '../../src/lib/core/state/consensus.js';
import { DoubleVoter, InvalidBlockSender, poaSealedTooOften, powBelowTarget, scriptedPeer } from '../../src/lib/sim/byzantine.js';
import { createSimulation, finish } from '../../src/lib/sim/simulate.js';
import type { Simulation } from '../../src/lib/sim/world.js';
import { simSeed } from './helpers.js';

const SEED = simSeed(3);
const BLOCKS = 12;
const MAX_VIRTUAL_MS = 150_000;
/** The honest members the misbehaving peer is linked to. */
const VICTIMS = [1, 2, 3];
let sim: Simulation | null = null;
afterEach(() => {
	sim?.close();
	sim = null;
});

async function community(consensus: 'poa' | 'pow' | 'pos' | 'fba'): Promise<Simulation> {
	// What the honest nodes make of a misbehaving peer is the point: no governance or message traffic.
	sim = await createSimulation({ nodes: 8, blocks: BLOCKS, consensus, seed: SEED, traffic: false, churn: 0, loss: 0 });
	return sim;
}

/** Runs the community with a peer that sends `make`'s block at 5 s, and checks every honest node's answer. */
async function rejectsInvalidBlock(s: Simulation, make: (sim: Simulation) => Block, reason: RegExp): Promise<void> {
	const peer = scriptedPeer(s, 'mallory', VICTIMS);
	const sender = new InvalidBlockSender(peer, 5_000, make);
	s.add(sender);
	const result = await finish(s, BLOCKS, MAX_VIRTUAL_MS);
	const bad = blockHashHex(sender.sent!.header);
	// No honest node took the block, on any branch.
	for (const m of s.members) expect(m.node.chain!.node(bad), `${m.name}, seed ${SEED}`).toBeUndefined();
	// Each node it was sent to dropped the sender as misbehaving, naming the rule.
	const mallory = s.network.size - 1;
	const drops = s.network.closes.filter((c) => c.other === mallory);
	expect(drops.map((c) => c.by).sort(), `seed ${SEED}`).toEqual(VICTIMS);
	for (const c of drops) {
		expect(c.misbehaved).toBe(true);
		expect(c.reason).toMatch(reason);
	}
	expect(peer.links.size).toBe(0);
	expect(result.violations).toEqual([]);
}

describe('misbehaving peers', () => {
	it(`a proof-of-work block below its target is rejected and its sender dropped (seed ${SEED})`, async () => {
		const s = await community('pow');
		// A member's key, and a block with the right difficulty whose nonce does not meet it.
		await rejectsInvalidBlock(s, (x) => powBelowTarget(x.chainOf(1), x.community.keys[7]!, x.clock.now()), /^E_BLOCK_SEAL: header\.seal\.nonce gives a work hash above the target/);
	});

	it(`a proof-of-authority block sealed by an authority that sealed the block before is rejected and its sender dropped (seed ${SEED})`, async () => {
		const s = await community('poa');
		const keyOf = (hex: string) => s.community.keys.find((k) => toHex(k.publicKey) === hex)!;
		await rejectsInvalidBlock(s, (x) => poaSealedTooOften(x.chainOf(1), keyOf, x.clock.now()), /^E_BLOCK_SEAL: authority [0-9a-f]+… sealed one of the last 2 blocks/);
	});

	for (const consensus of ['pos', 'fba'] as const) {
		it(`a ${consensus} validator that votes twice at one height is proven on chain and loses its place (seed ${SEED})`, async () => {
			const s = await community(consensus);
			const offender = s.community.keys[2]!;
			const voter = new DoubleVoter(scriptedPeer(s, 'mallory', VICTIMS), offender);
			s.add(voter);
			const result = await finish(s, BLOCKS, MAX_VIRTUAL_MS);
			expect(voter.conflicting.length, `seed ${SEED}`).toBeGreaterThan(0);
			const recorded = listEvidence(s.chainOf(0).state);
			expect(recorded.map((e) => e.offender), `seed ${SEED}`).toEqual([toHex(offender.publicKey)]);
			expect(recorded[0]!.penalized).toBe(true);
			expect(result.stats.evidenceInChain, `seed ${SEED}`).toBe(1);
			expect(s.chainOf(0).engine.voting!.isValidator(s.chainOf(0).state, toHex(offender.publicKey))).toBe(false);
			expect(result.violations).toEqual([]);
		});
	}
});
