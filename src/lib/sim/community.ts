/**
 * The simulated community: every member's key from the run's seed, and a
 * genesis for the chosen engine in which the first few members seal (PoA
 * authorities, PoS validators with seeded stakes, FBA validators, PoW
 * miners) and every member has a balance to transfer and pay fees from.
 */
import type { Encodable } from '../core/codec.js';
import type { EngineName } from '../core/consensus/engine.js';
import { createGenesis } from '../core/genesis.js';
import { keyPairFromSeed, type KeyPair } from '../core/keys.js';
import type { Block } from '../core/block/block.js';
import { Rng } from './rng.js';

/** 2026-01-01T00:00:00Z: the simulated epoch (any fixed time does; a run never reads the real clock). */
export const SIM_EPOCH = 1_767_225_600_000;
export const SIM_BLOCK_TIME_MS = 1_000;
export const MEMBER_BALANCE = 1_000_000;
/** PoW: blocks this deep are final; long enough for a partition of a few seconds to heal first. */
export const POW_FINALITY_DEPTH = 12;
export const POW_RETARGET_BLOCKS = 10;

export interface SimCommunity {
	readonly genesis: Block;
	readonly keys: readonly KeyPair[];
	/** Indices of the members who seal (and vote, under PoS and FBA). */
	readonly sealers: readonly number[];
	/** Each sealer's share of what sealing needs: stake under PoS, 1 otherwise. */
	readonly sealerWeights: readonly number[];
}

export interface CommunityPlan {
	readonly seed: number;
	readonly members: number;
	readonly consensus: EngineName;
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

export function createCommunity(plan: CommunityPlan): SimCommunity {
	const keys = Array.from({ length: plan.members }, (_, i) => memberKey(plan.seed, i));
	const sealers = Array.from({ length: sealerCount(plan.consensus, plan.members) }, (_, i) => i);
	const stakes = Rng.stream(plan.seed, 'stakes');
	const sealerWeights = sealers.map(() => (plan.consensus === 'pos' ? stakes.int(1, 10) * 1000 : 1));
	const pub = (i: number): Uint8Array => keys[i]!.publicKey;
	const engine = engineConfig(plan, sealers.map(pub), sealerWeights);
	const genesis = createGenesis({
		name: `Simulated ${plan.consensus} community ${plan.seed}`,
		time: SIM_EPOCH,
		salt: Rng.stream(plan.seed, 'genesis').bytes(16),
		founder: keys[0]!,
		founderName: 'member 0',
		engine,
		params: { blockTimeMs: SIM_BLOCK_TIME_MS },
		members: keys.map((k, i) => ({ key: k.publicKey, name: `member ${i}` })),
		allocations: keys.map((k) => ({ key: k.publicKey, amount: MEMBER_BALANCE }))
	});
	return { genesis, keys, sealers, sealerWeights };
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
