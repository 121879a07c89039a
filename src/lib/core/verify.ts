/**
 * Batch signature verification behind one function type, so the chain can
 * use the fastest Ed25519 the runtime offers (WebCrypto in browsers, node's
 * crypto in Node, spread over threads) while the core stays pure. The noble
 * implementation here is the portable reference every other one must match.
 */
import type { Bytes } from './bytes.js';
import { verifyRaw } from './keys.js';

export interface SigCheck {
	/** The full signed message, domain prefix included. */
	readonly message: Bytes;
	readonly signature: Bytes;
	readonly publicKey: Bytes;
}

/** Answers one boolean per check, in order; never rejects for a bad signature. */
export type Verifier = (checks: readonly SigCheck[]) => Promise<boolean[]>;

export const nobleVerifier: Verifier = async (checks) => checks.map((c) => verifyRaw(c.message, c.signature, c.publicKey));
