/**
 * A worker thread of the verifier pool (./pool.ts): it answers packed
 * batches of Ed25519 checks with one byte per check (1 valid, 0 not).
 *
 * Plain JavaScript with no imports but Node's own, so that it starts in any
 * host the pool runs in (tsx, vitest, the `agora` CLI) without a TypeScript
 * loader in the thread. It verifies exactly as ./node.ts does (OpenSSL
 * through node:crypto, keys imported once and cached); the pool's tests hold
 * the two to the same answers.
 *
 * A batch arrives as one transferred ArrayBuffer (see `packChecks` in
 * ./pool.ts): n + 1 little-endian u32 message offsets, then n public keys
 * (32 bytes each), then n signatures (64 bytes each), then the messages.
 */
import { createPublicKey, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const KEY_BYTES = 32;
const SIG_BYTES = 64;
const MAX_CACHED_KEYS = 10_000;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow. */
const SPKI_PREFIX = Buffer.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** @type {Map<string, import('node:crypto').KeyObject | null>} */
const keys = new Map();

/** @param {Buffer} publicKey */
function keyFor(publicKey) {
	const id = publicKey.toString('latin1');
	let key = keys.get(id);
	if (key === undefined) {
		if (keys.size >= MAX_CACHED_KEYS) keys.clear();
		try {
			key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
		} catch {
			key = null;
		}
		keys.set(id, key);
	}
	return key;
}

/**
 * Verifies every check of a packed batch.
 * @param {ArrayBuffer} buffer
 * @param {number} n
 * @returns {Uint8Array} one byte per check
 */
function verifyPacked(buffer, n) {
	const ends = new Uint32Array(buffer, 0, n + 1);
	const keysAt = 4 * (n + 1);
	const sigsAt = keysAt + KEY_BYTES * n;
	const out = new Uint8Array(n);
	for (let i = 0; i < n; i++) {
		const key = keyFor(Buffer.from(buffer, keysAt + KEY_BYTES * i, KEY_BYTES));
		if (!key) continue;
		const start = /** @type {number} */ (ends[i]);
		const message = Buffer.from(buffer, start, /** @type {number} */ (ends[i + 1]) - start);
		const signature = Buffer.from(buffer, sigsAt + SIG_BYTES * i, SIG_BYTES);
		try {
			if (verify(null, message, key, signature)) out[i] = 1;
		} catch {
			// A signature OpenSSL cannot even parse is simply not valid.
		}
	}
	return out;
}

parentPort?.on('message', (/** @type {{ id: number, buffer: ArrayBuffer, n: number }} */ task) => {
	const ok = verifyPacked(task.buffer, task.n).buffer;
	parentPort?.postMessage({ id: task.id, ok }, [/** @type {ArrayBuffer} */ (ok)]);
});
