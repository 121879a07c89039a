/**
 * The simulated community: every member's key from the run's seed, and a
 * genesis for the chosen engine in which the first few members seal (PoA
 * authorities, PoS validators with seeded stakes, FBA validators, PoW
 * miners) and every member has a balance to transfer and pay fees from.
 *
 * Governance and the queue run on the simulator's time scale (a block every
 * half second to a second): votes last seconds, not days, and unanswered
 * messages are redelivered and dead-lettered within a minute, so even a
 * 120-block run sees proposals executed and defeated and messages acked,
 * dead-lettered and expired.
 */
import type { Encodable } from '../core/codec.js';
import type { EngineName } from '../core/consensus/engine.js';
import { createGenesis } from '../core/genesis.js';
import { keyPairFromSeed, type KeyPair } from '../core/keys.js';
import type { Block } from '../core/block/block.js';
import type { DaoConfig } from '../core/state/dao/config.js';
import { DEFAULT_POLICIES, type Policies } from '../core/state/policy.js';
import { Rng } from './rng.js';

/** 2026-01-01T00:00:00Z: the simulated epoch (any fixed time does; a run never reads the real clock). */
export const SIM_EPOCH = 1_767_225_600_000;
export const SIM_BLOCK_TIME_MS = 1_000;
export const MEMBER_BALANCE = 1_000_000;
/** PoW: blocks this deep are final; long enough for a partition of a few seconds to heal first. */
export const POW_FINALITY_DEPTH = 12;
export const POW_RETARGET_BLOCKS = 10;
/** Half of every fee goes to the treasury, which governance spends. */
export const SIM_TREASURY_FEE_PPM = 500_000;

/** The DAO in seconds: voting opens a block after a proposal, lasts 12 s, and a passed action is executable 4 s later for 30 s. */
export const SIM_DAO: Partial<DaoConfig> = {
	membership: 'invite',
	votingDelayMs: 1_000,
	votingPeriodMs: 12_000,
	executionDelayMs: 4_000,
	gracePeriodMs: 30_000,
	quorumPpm: 400_000,
	proposalLimit: 3,
	proposalWindowMs: 30_000,
	emergencyVotingPeriodMs: 6_000,
	emergencyExecutionDelayMs: 0
};

/**
 * The queue in seconds: an unacknowledged message is delivered again after
 * 4, then 8, then 16 s and dead-lettered after its third window (28 s);
 * messages live 90 s unless they say otherwise; quotas count per minute.
 */
export const SIM_POLICIES: Partial<Policies> = {
	delivery: {
		...DEFAULT_POLICIES.delivery,
		visibilityTimeoutMs: 4_000,
		maxBackoffMs: 16_000,
		defaultMaxDeliveries: 3,
		maxDeliveriesLimit: 8,
		dedupWindowMs: 60_000,
		orderGapTimeoutMs: 10_000,
		defaultTtlMs: 90_000,
		maxTtlMs: 600_000,
		metricsPeriodMs: 10_000
	},
	priority: { ...DEFAULT_POLICIES.priority, quotaWindowMs: 60_000 }
};

export interface SimCommunity {
	readonly genesis: Block;
	/** One key per node (index = node index), then one per absent member. */
	readonly keys: readonly KeyPair[];
	/** Founding members who have no node: they never vote, answer or seal, as members who joined and never came back. */
	readonly absent: readonly KeyPair[];
	/** Indices of the nodes whose members are founding members (the others start outside the community). */
	readonly founders: readonly number[];
	/** Indices of the nodes that seal at genesis (and vote, under PoS and FBA). */
	readonly sealers: readonly number[];
	/** Each sealer's share of what sealing needs: stake under PoS, 1 otherwise. */
	readonly sealerWeights: readonly number[];
}

export interface CommunityPlan {
	readonly seed: number;
	readonly nodes: number;
	readonly consensus: EngineName;
	/** The last `outsiders` nodes are not founding members: they sync the chain and take part once admitted (default 0). */
	readonly outsiders?: number;
	/** Founding members without a node (default 0). */
	readonly absent?: number;
	/** How many of the first nodes seal at genesis (default: `sealerCount`). */
	readonly sealers?: number;
	/** PoW only: the community's total seal attempts per millisecond, to start at a difficulty that gives one block per block time. */
	readonly hashesPerMs?: number;
}

/** How many of the members seal: "the first few", enough for the engine's rules to matter. */
export function sealerCount(consensus: EngineName, members: number): number {
	return Math.min(members, consensus === 'pos' || consensus === 'fba' ? 7 : 5);
}

export function memberKey(seed: number, index: number): KeyPair {
	return keyPairFromSeed(Rng.stream(seed, `key/${index}`).bytes(32));
}

/** The k-th person who asks to be admitted: a key that is no member at genesis and has no node. */
export function applicantKey(seed: number, k: number): KeyPair {
	return keyPairFromSeed(Rng.stream(seed, `applicant/${k}`).bytes(32));
}

export function createCommunity(plan: CommunityPlan): SimCommunity {
	const keys = Array.from({ length: plan.nodes + (plan.absent ?? 0) }, (_, i) => memberKey(plan.seed, i));
	const absent = keys.slice(plan.nodes);
	const founders = Array.from({ length: plan.nodes - (plan.outsiders ?? 0) }, (_, i) => i);
	const sealers = founders.slice(0, plan.sealers ?? sealerCount(plan.consensus, founders.length));
	const stakes = Rng.stream(plan.seed, 'stakes');
	const sealerWeights = sealers.map(() => (plan.consensus === 'pos' ? stakes.int(1, 10) * 1000 : 1));
	const pub = (i: number): Uint8Array => keys[i]!.publicKey;
	const engine = engineConfig(plan, sealers.map(pub), sealerWeights);
	const members = [...founders, ...absent.map((_, k) => plan.nodes + k)];
	const genesis = createGenesis({
		name: `Simulated ${plan.consensus} community ${plan.seed}`,
		time: SIM_EPOCH,
		salt: Rng.stream(plan.seed, 'genesis').bytes(16),
		founder: keys[0]!,
		founderName: 'member 0',
		engine,
		params: { blockTimeMs: SIM_BLOCK_TIME_MS, treasuryFeePpm: SIM_TREASURY_FEE_PPM },
		members: members.map((i) => ({ key: pub(i), name: `member ${i}` })),
		allocations: keys.map((k) => ({ key: k.publicKey, amount: MEMBER_BALANCE })),
		policies: SIM_POLICIES,
		dao: SIM_DAO
	});
	return { genesis, keys, absent, founders, sealers, sealerWeights };
}

function engineConfig(plan: CommunityPlan, sealers: readonly Uint8Array[], weights: readonly number[]): { name: string } & Record<string, Encodable> {
	switch (plan.consensus) {
		case 'poa':
			return { name: 'poa', authorities: [...sealers] };
		case 'pos':
			return { name: 'pos', minStake: 1, validators: sealers.map((key, i) => ({ key, stake: weights[i]! })) };
		case 'fba':
			return { name: 'fba', validators: [...sealers] };
		case 'pow':
			return {
				name: 'pow',
				difficulty: Math.max(1, Math.round((plan.hashesPerMs ?? 1) * SIM_BLOCK_TIME_MS)),
				retargetBlocks: POW_RETARGET_BLOCKS,
				finalityDepth: POW_FINALITY_DEPTH
			};
	}
}
