/**
 * Randomness comes into the core as a parameter (the worker passes
 * crypto.getRandomValues, tests a seeded source), never from a global.
 */
import { isBytes, type Bytes } from '../bytes.js';
import { fail } from '../errors.js';

/** Returns `n` fresh random bytes. */
export type RandomBytes = (n: number) => Bytes;

/** Draws `n` bytes and checks the source kept its promise. */
export function draw(random: RandomBytes, n: number): Bytes {
	const out = random(n);
	if (!isBytes(out, n)) fail('E_KEY', 'random', out, `must return ${n} bytes`);
	return out;
}
