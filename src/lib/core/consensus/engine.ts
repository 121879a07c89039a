/**
 * One interface for every consensus engine, in the manner of ethereumjs's
 * blockchain package. An engine never trusts what a block says about itself:
 * it recomputes who may seal, how much the block weighs and what is final
 * from the parent's state and the ancestors on the same branch.
 */
import type { Bytes, Hex } from '../bytes.js';
import type { Encodable } from '../codec.js';
import type { ChainParams } from '../params.js';
import type { StateTree } from '../state/tree.js';
import type { BlockHeader, UnsignedHeader } from '../block/block.js';

export type EngineName = 'poa' | 'pos' | 'pow' | 'fba';
export const ENGINE_NAMES: readonly EngineName[] = ['poa', 'pos', 'pow', 'fba'];

/** What an engine may read when it judges a block on top of `parent`. */
export interface EngineContext {
	/** The state after the parent block: authority sets, stake, validators. */
	readonly state: StateTree;
	readonly params: ChainParams;
	/** The header at this height on the parent's branch (height ≤ parent.height). */
	readonly ancestor: (height: number) => BlockHeader | undefined;
}

/** A validator whose vote counts, and how much it counts (stake under PoS, 1 under FBA). */
export interface Validator {
	readonly key: Hex;
	readonly weight: number;
}

/**
 * For engines whose finality counts on-chain votes (`consensus.vote`): who
 * votes and what a proven double vote costs. Engines without it (PoA, PoW)
 * take finality from sealing alone and accept no votes.
 */
export interface VotingRules {
	/** The validators, sorted by key, as of `state` (positive weights only). */
	validators(state: StateTree): readonly Validator[];
	/** Whether `who` is a validator in `state`; cheaper than listing them all. */
	isValidator(state: StateTree, who: Hex): boolean;
	/** The penalty for equivocation: the offender stops being a validator from the next block. */
	penalize(state: StateTree, offender: Hex): void;
}

/** A seal proposal: the seal fields and the earliest time the block should be published. */
export interface SealPlan {
	readonly seal: Encodable;
	readonly notBefore: number;
}

export interface ConsensusEngine {
	readonly name: EngineName;
	/** Checks the engine's configuration in the genesis document and writes the initial consensus state. */
	genesis(config: unknown, state: StateTree): void;
	/** The seal of the genesis header. */
	genesisSeal(config: unknown): Encodable;
	/** Throws E_BLOCK_PROPOSER or E_BLOCK_SEAL when the header breaks the engine's rules. */
	verifySeal(header: UnsignedHeader, parent: BlockHeader, ctx: EngineContext): void;
	/** The fork-choice weight the (verified) header adds to its branch. */
	weight(header: UnsignedHeader, parent: BlockHeader, ctx: EngineContext): bigint;
	/** Whether this key is among those who may seal at all (an authority, a validator, a staker). */
	canSeal(who: Hex, ctx: EngineContext): boolean;
	/** How `proposer` may seal on top of `parent`, or null when it may not. */
	plan(proposer: Hex, parent: BlockHeader, now: number, ctx: EngineContext): SealPlan | null;
	/**
	 * Completes a seal that needs the rest of the header (proof of work grinds
	 * its nonce here). Returns null when `budget` attempts were not enough.
	 */
	finishSeal(header: UnsignedHeader, ctx: EngineContext, budget: number): UnsignedHeader | null;
	/**
	 * The highest height on the branch ending at `head` that can no longer be
	 * reverted, given the state after `head`. Never lower than `previous`.
	 */
	finalizedHeight(head: BlockHeader, previous: number, ctx: EngineContext): number;
	/** Present when votes finalize blocks. */
	readonly voting?: VotingRules;
}

export type { Bytes };
