/**
 * Every engine in a simulated community of real nodes: the community splits
 * in two, each side goes on alone, and once the partition heals every member
 * ends on the same final chain; a member that was offline catches up under
 * frame loss; and no
 * node ever reverts a block it had finalized (the chain watch checks every
 * node after every event of every run).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_NAMES, type EngineName } from '../../src/lib/core/consensus/engine.js';
import { Outage } from '../../src/lib/sim/actors.js';
import { createSimulation, finish } from '../../src/lib/sim/simulate.js';
import type { Simulation } from '../../src/lib/sim/world.js';
import { hashes, simSeed, snapshotAt } from './helpers.js';

const SEED = simSeed(11);
const BLOCKS = 16;
/** Consensus under stress is what these runs test: members post and pay each other, without governance and message traffic. */
const TRAFFIC = false;
/** A run that has not converged by then has stalled: fail with the simulator's report rather than the test timeout. */
const MAX_VIRTUAL_MS = 150_000;
const SIDES = [
	[0, 1, 2, 5],
	[3, 4, 6, 7]
];
/**
 * When the partition heals, in virtual ms: long enough for both sides to seal (a PoS side may wait many
 * rounds for a proposer of its own), but under proof of work short enough that neither side buries its
 * blocks finality-depth deep: work-based finality cannot survive a longer split, by design.
 */
const HEAL: Record<EngineName, number> = { poa: 30_000, pos: 30_000, fba: 30_000, pow: 10_000 };
let sim: Simulation | null = null;
afterEach(() => {
	sim?.close();
	sim = null;
});

describe.each(ENGINE_NAMES)('a %s community', (consensus) => {
	it(`converges on one final chain after a partition heals (seed ${SEED})`, async () => {
		const heal = HEAL[consensus];
		sim = await createSimulation({ nodes: 8, blocks: BLOCKS, consensus, seed: SEED, traffic: TRAFFIC, churn: 0, loss: 0.02, partitions: [{ from: 2_000, to: heal, groups: SIDES }] });
		const atHeal = snapshotAt(sim, heal - 1);
		const result = await finish(sim, BLOCKS, MAX_VIRTUAL_MS);

		// Each side of the partition went on alone: no head was shared across it when it healed, and some
		// heads of then are now off the chain everyone agrees on (their side had to reorganise).
		const side = (i: number) => SIDES[i]!.map((m) => atHeal.heads[m]!);
		expect(side(0).filter((h) => side(1).includes(h)), `seed ${SEED}`).toEqual([]);
		const final = sim.chainOf(0);
		// (A branch that lost below the finalized block is forgotten altogether.)
		const abandoned = atHeal.heads.filter((hash) => {
			const node = final.node(hash);
			return !node || !final.isCanonical(node);
		});
		expect(abandoned.length, `seed ${SEED}`).toBeGreaterThan(0);
		expect(result.stats.reorgs, `seed ${SEED}`).toBeGreaterThan(0);
		// Now every member has the same final chain.
		const agreed = hashes(result.blocks);
		for (const m of sim.members) {
			const chain = m.node.chain!;
			expect(chain.finalized.height, `${m.name}, seed ${SEED}`).toBeGreaterThanOrEqual(BLOCKS);
			expect(hashes(Array.from({ length: BLOCKS + 1 }, (_, h) => chain.blockAt(h)!.block)), `${m.name}, seed ${SEED}`).toEqual(agreed);
		}
		expect(result.violations, `seed ${SEED}`).toEqual([]);
	});

	it(`a member offline for a while catches up under frame loss (seed ${SEED})`, async () => {
		sim = await createSimulation({ nodes: 8, blocks: BLOCKS, consensus, seed: SEED, traffic: TRAFFIC, churn: 0, loss: 0.15, actors: [new Outage(7, 1_000, 8_000)] });
		const back = snapshotAt(sim, 8_000);
		const result = await finish(sim, BLOCKS, MAX_VIRTUAL_MS);
		expect(result.stats.framesLost, `seed ${SEED}`).toBeGreaterThan(0);
		// It came back behind the others, and now has their final chain.
		expect(sim.chainOf(0).node(back.heads[7]!)!.height, `seed ${SEED}`).toBeLessThan(sim.chainOf(0).node(back.heads[0]!)!.height);
		const chain = sim.chainOf(7);
		expect(chain.finalized.height, `seed ${SEED}`).toBeGreaterThanOrEqual(BLOCKS);
		expect(hashes([chain.blockAt(BLOCKS)!.block]), `seed ${SEED}`).toEqual(hashes([result.blocks[BLOCKS]!]));
		expect(result.violations, `seed ${SEED}`).toEqual([]);
	});
});
