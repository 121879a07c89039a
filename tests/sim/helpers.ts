/** Shared by the simulator tests: the seed (replay any run with AGORA_SIM_SEED), probes into a running simulation, and the chain it agreed on. */
import { blockHashHex, type Block } from '../../src/lib/core/block/block.js';
import type { Chain } from '../../src/lib/core/chain.js';
import type { Simulation } from '../../src/lib/sim/world.js';

/** The seed of the randomised tests: fixed, unless AGORA_SIM_SEED asks for another (printed in every test name). */
export function simSeed(fallback: number): number {
	const env = process.env.AGORA_SIM_SEED;
	return env === undefined ? fallback : Number(env);
}

/** What each member's chain looked like at a virtual time. */
export interface Snapshot {
	heads: string[];
	finalized: number[];
}

/** Records every member's head and finalized height `at` virtual ms after the start. */
export function snapshotAt(sim: Simulation, at: number): Snapshot {
	const snap: Snapshot = { heads: [], finalized: [] };
	sim.add({
		name: `snapshot@${at}`,
		start: (s) =>
			s.clock.setTimeout(() => {
				snap.heads = s.members.map((m) => m.node.chain!.head.hash);
				snap.finalized = s.members.map((m) => m.node.chain!.finalized.height);
			}, at)
	});
	return snap;
}

export function hashes(blocks: readonly Block[]): string[] {
	return blocks.map((b) => blockHashHex(b.header));
}

/** The chain of a member that holds every block of the run's result (one that was offline at the end may be behind). */
export function agreedChain(sim: Simulation, result: { readonly blocks: readonly Block[] }): Chain {
	const last = blockHashHex(result.blocks.at(-1)!.header);
	const chain = sim.members.map((m) => m.node.chain!).find((c) => c.blockAt(result.blocks.length - 1)?.hash === last);
	if (!chain) throw new Error('no member holds the agreed chain');
	return chain;
}
