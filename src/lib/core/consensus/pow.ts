/**
 * Proof of work. The work hash of a header is the `seal`-domain hash of its
 * signing payload (every header field, the seal's nonce and the proposer
 * included, so work cannot be lifted onto another block or another miner),
 * read as a 256-bit big-endian number; it must be below
 * floor(2^256 / difficulty).
 *
 * The difficulty is not the miner's to choose: at heights 1 + k × N (N =
 * retargetBlocks, k ≥ 1) it is the parent's scaled by expected / actual time
 * of the last N blocks, clamped to ×4 and ÷4 and never below 1; in between
 * it is the parent's. A block weighs its difficulty, which verifySeal has
 * proven equal to both the rule and the work done. Blocks finalityDepth
 * below the head are final.
 */
import { toHex, type Bytes } from '../bytes.js';
import { AgoraError, fail } from '../errors.js';
import { hash } from '../hash.js';
import * as s from '../schema.js';
import { isMember } from '../state/members.js';
import type { StateTree } from '../state/tree.js';
import { headerSigningPayload, type BlockHeader, type UnsignedHeader } from '../block/block.js';
import type { ConsensusEngine, EngineContext } from './engine.js';

export const POW_KEY = 'c/pow';
/** The most a retarget may move the difficulty, either way. */
export const MAX_ADJUSTMENT = 4;
export const MAX_RETARGET_BLOCKS = 10_000;

export interface PowSeal {
	readonly difficulty: number;
	readonly nonce: number;
}

interface PowSettings {
	readonly retargetBlocks: number;
	readonly finalityDepth: number;
}

function settings(state: StateTree): PowSettings {
	return state.get(POW_KEY) as unknown as PowSettings;
}

export function readPowSeal(seal: unknown): PowSeal {
	const r = s.exactRecord(seal, 'header.seal', ['difficulty', 'nonce']);
	return { difficulty: s.int(r.difficulty, 'header.seal.difficulty', 1), nonce: s.int(r.nonce, 'header.seal.nonce') };
}

const TWO_256 = 1n << 256n;

export function target(difficulty: number): bigint {
	return TWO_256 / BigInt(difficulty);
}

export function workHash(header: UnsignedHeader): Bytes {
	return hash('seal', headerSigningPayload(header));
}

export function meetsTarget(header: UnsignedHeader, difficulty: number): boolean {
	return below(header, target(difficulty));
}

function below(header: UnsignedHeader, limit: bigint): boolean {
	return BigInt('0x' + toHex(workHash(header))) < limit;
}

/**
 * The header with the first nonce (from 0: every run mines the same block)
 * whose work meets the difficulty in its seal, or null after `budget` tries.
 */
export function mine(header: UnsignedHeader, budget: number): UnsignedHeader | null {
	const { difficulty } = readPowSeal(header.seal);
	const limit = target(difficulty);
	for (let nonce = 0; nonce < budget && nonce <= Number.MAX_SAFE_INTEGER; nonce++) {
		const candidate: UnsignedHeader = { ...header, seal: { difficulty, nonce } };
		if (below(candidate, limit)) return candidate;
	}
	return null;
}

/** The parent's difficulty scaled by expected / actual, clamped to ×4 and ÷4 and never below 1. */
export function retarget(previous: number, actualMs: number, expectedMs: number): number {
	const scaled = (BigInt(previous) * BigInt(expectedMs)) / BigInt(Math.max(1, actualMs));
	const lo = BigInt(Math.max(1, Math.floor(previous / MAX_ADJUSTMENT)));
	const hi = BigInt(Math.min(Number.MAX_SAFE_INTEGER, previous * MAX_ADJUSTMENT));
	return Number(scaled < lo ? lo : scaled > hi ? hi : scaled);
}

/** The difficulty a block on top of `parent` must carry, from the parent and its ancestors. */
export function nextDifficulty(parent: BlockHeader, ctx: EngineContext): number {
	const previous = readPowSeal(parent.seal).difficulty;
	const n = settings(ctx.state).retargetBlocks;
	const height = parent.height + 1;
	if (height === 1 || (height - 1) % n !== 0) return previous;
	const start = ctx.ancestor(parent.height - n);
	if (!start) throw new AgoraError('E_BLOCK_PARENT', `the block at height ${parent.height - n} is missing from this branch`, 'header.parent', parent.height - n);
	return retarget(previous, parent.time - start.time, n * ctx.params.blockTimeMs);
}

export const pow: ConsensusEngine = {
	name: 'pow',

	genesis(config, state) {
		const r = s.exactRecord(config, 'genesis.engine', ['name', 'difficulty', 'retargetBlocks', 'finalityDepth']);
		s.int(r.difficulty, 'genesis.engine.difficulty', 1);
		state.put(POW_KEY, {
			retargetBlocks: s.int(r.retargetBlocks, 'genesis.engine.retargetBlocks', 1, MAX_RETARGET_BLOCKS),
			finalityDepth: s.int(r.finalityDepth, 'genesis.engine.finalityDepth', 1)
		});
	},

	genesisSeal(config) {
		return { difficulty: (config as { difficulty: number }).difficulty, nonce: 0 };
	},

	canSeal(who, ctx) {
		return isMember(ctx.state, who);
	},

	verifySeal(header, parent, ctx) {
		const proposer = toHex(header.proposer);
		if (!isMember(ctx.state, proposer)) throw new AgoraError('E_BLOCK_PROPOSER', `proposer ${proposer.slice(0, 16)}… is not a member`, 'header.proposer', proposer);
		const { difficulty } = readPowSeal(header.seal);
		const expected = nextDifficulty(parent, ctx);
		if (difficulty !== expected) fail('E_BLOCK_SEAL', 'header.seal.difficulty', difficulty, `must be ${expected} at height ${header.height}`);
		if (!meetsTarget(header, difficulty)) fail('E_BLOCK_SEAL', 'header.seal.nonce', readPowSeal(header.seal).nonce, `gives a work hash above the target of difficulty ${difficulty}`);
	},

	weight(header) {
		return BigInt(readPowSeal(header.seal).difficulty);
	},

	plan(proposer, parent, _now, ctx) {
		if (!isMember(ctx.state, proposer)) return null;
		// No wait beyond the parent's time: the difficulty, not a timer, paces the chain.
		return { seal: { difficulty: nextDifficulty(parent, ctx), nonce: 0 }, notBefore: parent.time + 1 };
	},

	finishSeal(header, _ctx, budget) {
		return mine(header, budget);
	},

	finalizedHeight(head, previous, ctx) {
		return Math.max(previous, head.height - settings(ctx.state).finalityDepth);
	}
};
