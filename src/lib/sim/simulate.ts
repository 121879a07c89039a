/**
 * `runSimulation`: a seeded community of real nodes on a simulated network,
 * run in virtual time until the honest nodes agree on a final chain of the
 * requested length. The same options always give the same blocks, byte for
 * byte: every choice comes from the seed, no real clock or timer is read.
 */
import { AgoraError } from '../core/errors.js';
import type { Block } from '../core/block/block.js';
import { ENGINE_NAMES, type EngineName } from '../core/consensus/engine.js';
import { EVIDENCE_KIND } from '../core/state/consensus.js';
import * as s from '../core/schema.js';
import { MemberTraffic, type Actor } from './actors.js';
import { GovernanceTraffic } from './governance.js';
import { MessageTraffic, Recipients } from './messages.js';
import { Simulation, type Partition, type WorldOptions } from './world.js';

export interface SimOptions {
	readonly nodes: number;
	readonly blocks: number;
	readonly consensus: EngineName;
	readonly seed: number;
	/** One-way latency of a frame, drawn uniformly (default 20–150 ms). */
	readonly latencyMs?: { readonly min: number; readonly max: number };
	/** Probability a frame is lost (default 0.01). */
	readonly loss?: number;
	/** Partitions in virtual ms after the start; members named in no group form one more group. */
	readonly partitions?: ReadonlyArray<{ readonly from: number; readonly to: number; readonly groups: number[][] }>;
	/** Probability per virtual second that a member goes offline or comes back (default 0.01). */
	readonly churn?: number;
	/** Transactions members send per virtual second, all together (default 2). */
	readonly txsPerSecond?: number;
	/** Governance and message traffic besides those transactions (default true): see `trafficActors`. */
	readonly traffic?: boolean;
	/** The last `outsiders` nodes start outside the community, to be admitted by a proposal (default 0). */
	readonly outsiders?: number;
	/** Founding members with no node, who never answer a message or vote (default 1). */
	readonly absent?: number;
	/** How many of the first nodes seal at genesis (default 5, under PoS and FBA 7, or all the founding nodes if fewer). */
	readonly sealers?: number;
	/** Links each member keeps (default 4). */
	readonly degree?: number;
	/** Give up after this much virtual time (default: 60 s plus 10 s per block). */
	readonly maxVirtualMs?: number;
	/** More actors (governance, queue traffic …), started after the members' own traffic. */
	readonly actors?: readonly Actor[];
}

export interface SimResult {
	readonly genesis: Block;
	/** The canonical chain as the honest nodes agree on it: genesis first, then exactly `blocks` blocks. */
	readonly blocks: Block[];
	/** The height up to which every online honest node has the chain final (at least `blocks`, as returned). */
	readonly finalized: number;
	readonly virtualMs: number;
	/** Frames sent, lost and delivered, links, reorganisations, churn, transactions … */
	readonly stats: Record<string, number>;
	/** Safety violations the chain watch saw (a finalized block reverted); empty in a sound run. */
	readonly violations: readonly string[];
}

export const SIM_DEFAULTS = {
	latencyMs: { min: 20, max: 150 },
	loss: 0.01,
	churn: 0.01,
	txsPerSecond: 2,
	traffic: true,
	absent: 1,
	degree: 4,
	banMs: 60_000,
	/** PoW miners: 64 attempts every 500 ms each. */
	mining: { attempts: 64, everyMs: 500 }
} as const;

export const MAX_SIM_NODES = 1_000;
export const MAX_SIM_BLOCKS = 100_000;

/** The options checked and completed with the defaults. */
export interface SimPlan extends WorldOptions {
	readonly blocks: number;
	readonly txsPerSecond: number;
	readonly traffic: boolean;
	readonly maxVirtualMs: number;
}

/** Checks the options, naming the first bad one (E_SCHEMA), and fills in the defaults. */
export function planOf(o: SimOptions): SimPlan {
	const nodes = s.int(o.nodes, 'nodes', 1, MAX_SIM_NODES);
	const blocks = s.int(o.blocks, 'blocks', 1, MAX_SIM_BLOCKS);
	const latency = o.latencyMs ?? SIM_DEFAULTS.latencyMs;
	const min = s.int(latency.min, 'latencyMs.min', 0, 60_000);
	const max = s.int(latency.max, 'latencyMs.max', min, 60_000);
	const partitions: Partition[] = (o.partitions ?? []).map((p, i) => {
		const from = s.int(p.from, `partitions[${i}].from`);
		const to = s.int(p.to, `partitions[${i}].to`, from);
		const groups = s.array(p.groups, `partitions[${i}].groups`, nodes).map((g, j) => s.array(g, `partitions[${i}].groups[${j}]`, nodes).map((n, k) => s.int(n, `partitions[${i}].groups[${j}][${k}]`, 0, nodes - 1)));
		return { from, to, groups };
	});
	const outsiders = s.int(o.outsiders ?? 0, 'outsiders', 0, nodes - 1);
	return {
		seed: s.int(o.seed, 'seed'),
		nodes,
		outsiders,
		absent: s.int(o.absent ?? SIM_DEFAULTS.absent, 'absent', 0, MAX_SIM_NODES),
		...(o.sealers === undefined ? {} : { sealers: s.int(o.sealers, 'sealers', 1, nodes - outsiders) }),
		blocks,
		consensus: s.oneOf(o.consensus, 'consensus', ENGINE_NAMES),
		network: { latencyMs: { min, max }, loss: probability(o.loss ?? SIM_DEFAULTS.loss, 'loss'), degree: s.int(o.degree ?? SIM_DEFAULTS.degree, 'degree', 1), banMs: SIM_DEFAULTS.banMs },
		partitions,
		churn: probability(o.churn ?? SIM_DEFAULTS.churn, 'churn'),
		mining: SIM_DEFAULTS.mining,
		txsPerSecond: nonNegative(o.txsPerSecond ?? SIM_DEFAULTS.txsPerSecond, 'txsPerSecond'),
		traffic: s.bool(o.traffic ?? SIM_DEFAULTS.traffic, 'traffic'),
		maxVirtualMs: s.int(o.maxVirtualMs ?? 60_000 + 10_000 * blocks, 'maxVirtualMs', 1)
	};
}

/**
 * The governance and message traffic of a simulated community: the opening
 * proposals, then a random one every 5 s and a delegation or its revocation
 * every 8 s; 1.5 messages a second, and their recipients' answers.
 */
export function trafficActors(): Actor[] {
	return [new GovernanceTraffic({ opening: true, meanGapMs: 5_000, delegationGapMs: 8_000 }), new MessageTraffic(), new Recipients()];
}

/** Builds the simulated community the options describe, with its members' traffic and the extra actors, not yet running. */
export function createSimulation(options: SimOptions): Promise<Simulation> {
	return build(planOf(options), options.actors ?? []);
}

export async function runSimulation(options: SimOptions): Promise<SimResult> {
	const plan = planOf(options);
	const sim = await build(plan, options.actors ?? []);
	try {
		return await finish(sim, plan.blocks, plan.maxVirtualMs);
	} finally {
		sim.close();
	}
}

async function build(plan: SimPlan, actors: readonly Actor[]): Promise<Simulation> {
	const sim = await Simulation.create(plan);
	sim.add(new MemberTraffic(plan.txsPerSecond));
	for (const actor of [...(plan.traffic ? trafficActors() : []), ...actors]) sim.add(actor);
	return sim;
}

/** Runs `sim` until its online members agree on a final chain of `blocks` blocks and returns that chain. */
export async function finish(sim: Simulation, blocks: number, maxVirtualMs: number): Promise<SimResult> {
	const converged = await sim.run(() => sim.agreedFinal(blocks) !== null, maxVirtualMs);
	if (!converged) {
		const heads = sim.members.map((m) => `${m.name}${sim.isOnline(m.index) ? '' : ' (offline)'}: height ${m.node.chain?.height} final ${m.node.chain?.finalized.height}`);
		throw new AgoraError('E_SIM_STALLED', `simulation with seed ${sim.options.seed} did not agree on ${blocks} final blocks within ${maxVirtualMs} virtual ms (${heads.join('; ')})`, 'seed', sim.options.seed);
	}
	const reference = sim.members.find((m) => sim.isOnline(m.index))!.node.chain!;
	const chain = Array.from({ length: blocks + 1 }, (_, h) => reference.blockAt(h)!.block);
	return {
		genesis: chain[0]!,
		blocks: chain,
		finalized: blocks,
		virtualMs: sim.elapsedMs,
		stats: statsOf(sim, chain),
		violations: [...sim.watch.violations]
	};
}

function statsOf(sim: Simulation, chain: readonly Block[]): Record<string, number> {
	const txs = chain.reduce((n, b) => n + b.txs.length, 0);
	const evidence = chain.reduce((n, b) => n + b.txs.filter((tx) => tx.kind === EVIDENCE_KIND).length, 0);
	return {
		...sim.network.stats,
		...sim.stats,
		events: sim.clock.executed,
		reorgs: sim.watch.reorgs,
		maxReorgDepth: sim.watch.maxReorgDepth,
		txsInChain: txs,
		evidenceInChain: evidence
	};
}

function probability(value: unknown, path: string): number {
	if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new AgoraError('E_SCHEMA', `${path} must be a probability in [0, 1) (got ${String(value)})`, path, value);
	return value;
}

function nonNegative(value: unknown, path: string): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new AgoraError('E_SCHEMA', `${path} must be a non-negative number (got ${String(value)})`, path, value);
	return value;
}
