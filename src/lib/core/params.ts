/**
 * Chain parameters: fixed at genesis, kept in state, and (for those the DAO
 * governs) changed only by an executed proposal. Ratios are integers in parts
 * per million so that consensus never touches floating point.
 */
import type { Encodable } from './codec.js';
import * as s from './schema.js';

export const PPM = 1_000_000;

/** floor(amount * ppm / 1e6) without leaving the safe integers. */
export function ppmOf(amount: number, ppm: number): number {
	// A product that is a safe integer is exact, and so is its remainder: the common case needs no BigInt.
	const product = amount * ppm;
	if (Number.isSafeInteger(product) && Number.isSafeInteger(amount) && Number.isSafeInteger(ppm)) return (product - (product % PPM)) / PPM;
	return Number((BigInt(amount) * BigInt(ppm)) / BigInt(PPM));
}

export interface ChainParams {
	/** Target time between blocks; PoA pacing and the PoW retarget aim for it. */
	readonly blockTimeMs: number;
	readonly maxBlockTxs: number;
	readonly maxBlockBytes: number;
	readonly maxTxBytes: number;
	/** The longest a transaction may stay valid (expires - created). */
	readonly maxTxLifetimeMs: number;
	/** How far a block or transaction time may run ahead of the receiver's clock. */
	readonly maxFutureDriftMs: number;
	/** A block's time must exceed the median of this many ancestors' times. */
	readonly medianTimeBlocks: number;
	readonly minFee: number;
	/** Share of every fee that goes to the treasury; the rest goes to the proposer. */
	readonly treasuryFeePpm: number;
}

export const DEFAULT_PARAMS: ChainParams = {
	blockTimeMs: 1_000,
	maxBlockTxs: 1_000,
	maxBlockBytes: 1 << 20,
	maxTxBytes: 16 * 1024,
	maxTxLifetimeMs: 30 * 24 * 3600 * 1000,
	maxFutureDriftMs: 15_000,
	medianTimeBlocks: 11,
	minFee: 0,
	treasuryFeePpm: 0
};

const KEYS = Object.keys(DEFAULT_PARAMS) as Array<keyof ChainParams>;

export function readParams(value: unknown, path = 'params'): ChainParams {
	const r = s.exactRecord(value, path, KEYS);
	return {
		blockTimeMs: s.int(r.blockTimeMs, `${path}.blockTimeMs`, 1),
		maxBlockTxs: s.int(r.maxBlockTxs, `${path}.maxBlockTxs`, 1),
		maxBlockBytes: s.int(r.maxBlockBytes, `${path}.maxBlockBytes`, 1024),
		maxTxBytes: s.int(r.maxTxBytes, `${path}.maxTxBytes`, 256),
		maxTxLifetimeMs: s.int(r.maxTxLifetimeMs, `${path}.maxTxLifetimeMs`, 1),
		maxFutureDriftMs: s.int(r.maxFutureDriftMs, `${path}.maxFutureDriftMs`, 0),
		medianTimeBlocks: s.int(r.medianTimeBlocks, `${path}.medianTimeBlocks`, 1, 1000),
		minFee: s.int(r.minFee, `${path}.minFee`),
		treasuryFeePpm: s.int(r.treasuryFeePpm, `${path}.treasuryFeePpm`, 0, PPM)
	};
}

export function paramsToEncodable(p: ChainParams): Encodable {
	return { ...p };
}
