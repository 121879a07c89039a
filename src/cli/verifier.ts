/**
 * The signature verifier for the chain commands: node's native Ed25519 on
 * this thread for small batches, and a pool of worker threads, started the
 * first time a batch is large enough to repay starting it, for the rest.
 */
import { nodeVerifier } from '../lib/crypto/node.js';
import { VerifierPool } from '../lib/crypto/pool.js';
import type { Verifier } from '../lib/core/verify.js';

/** Below this many checks a batch is done at once on this thread: starting threads would cost more. */
const POOL_THRESHOLD = 512;

export interface CliVerifier {
	readonly verify: Verifier;
	/** Ends the pool's threads, if it was started. */
	close(): Promise<void>;
}

export function cliVerifier(): CliVerifier {
	let pool: VerifierPool | null = null;
	return {
		verify: (checks) => {
			if (checks.length < POOL_THRESHOLD) return nodeVerifier(checks);
			pool ??= new VerifierPool();
			return pool.verify(checks);
		},
		close: async () => {
			await pool?.close();
		}
	};
}
