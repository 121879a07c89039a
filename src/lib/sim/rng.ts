/**
 * The simulator's only source of randomness: xoshiro128** 1.0 (Blackman and
 * Vigna, https://prng.di.unimi.it/xoshiro128starstar.c), a small, fast,
 * well-tested 32-bit generator. Every stream is derived from the run's seed
 * and a label (SHA-256 of both), so adding a stream for a new purpose never
 * shifts the numbers another stream draws, and a run is replayed exactly
 * from its seed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../core/bytes.js';

export class Rng {
	private readonly s: Uint32Array;

	/** A generator in the given state (four 32-bit words, not all zero). */
	constructor(state: readonly [number, number, number, number]) {
		this.s = Uint32Array.from(state);
		if (this.s.every((w) => w === 0)) throw new RangeError('xoshiro128** state must not be all zero');
	}

	/** The stream named `label` of the run seeded with `seed`. */
	static stream(seed: number, label: string): Rng {
		const h = sha256(utf8(`agora-sim/${seed}/${label}`));
		const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
		const state: [number, number, number, number] = [v.getUint32(0), v.getUint32(4), v.getUint32(8), v.getUint32(12)];
		// A zero state has probability 2^-128; the constructor would reject it.
		return new Rng(state);
	}

	/** The next 32-bit output as an unsigned integer. */
	nextU32(): number {
		const s = this.s;
		const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
		const t = s[1]! << 9;
		s[2]! ^= s[0]!;
		s[3]! ^= s[1]!;
		s[1]! ^= s[2]!;
		s[0]! ^= s[3]!;
		s[2]! ^= t;
		s[3] = rotl(s[3]!, 11);
		return result;
	}

	/** A float in [0, 1) with 32 random bits. */
	next(): number {
		return this.nextU32() / 0x1_0000_0000;
	}

	/** An integer in [min, max] (inclusive). */
	int(min: number, max: number): number {
		if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) throw new RangeError(`bad range [${min}, ${max}]`);
		return min + Math.floor(this.next() * (max - min + 1));
	}

	/** True with probability p. */
	chance(p: number): boolean {
		return p > 0 && this.next() < p;
	}

	/** An exponentially distributed wait with this mean (the gap between events of a Poisson process). */
	exponential(mean: number): number {
		return -Math.log(1 - this.next()) * mean;
	}

	pick<T>(items: readonly T[]): T {
		if (items.length === 0) throw new RangeError('cannot pick from an empty list');
		return items[Math.floor(this.next() * items.length)]!;
	}

	/** A new array with the items in random order (Fisher–Yates). */
	shuffle<T>(items: readonly T[]): T[] {
		const out = [...items];
		for (let i = out.length - 1; i > 0; i--) {
			const j = Math.floor(this.next() * (i + 1));
			[out[i], out[j]] = [out[j]!, out[i]!];
		}
		return out;
	}

	bytes(n: number): Uint8Array {
		const out = new Uint8Array(n);
		for (let i = 0; i < n; i += 4) {
			const w = this.nextU32();
			for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (w >>> (8 * k)) & 0xff;
		}
		return out;
	}
}

function rotl(x: number, k: number): number {
	return ((x << k) | (x >>> (32 - k))) >>> 0;
}
