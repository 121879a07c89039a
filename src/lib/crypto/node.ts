/**
 * Ed25519 verification through Node's crypto (OpenSSL), synchronous: no
 * promise per signature, which is what makes WebCrypto slow one by one in
 * Node. For Node only (the CLI, the simulator, tests, benchmarks).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { toHex } from '../core/bytes.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/keys.js';
import type { SigCheck, Verifier } from '../core/verify.js';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow. */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const MAX_CACHED_KEYS = 10_000;
const keys = new Map<string, KeyObject | null>();

function keyFor(publicKey: Uint8Array): KeyObject | null {
	const id = toHex(publicKey);
	let key = keys.get(id);
	if (key === undefined) {
		if (keys.size >= MAX_CACHED_KEYS) keys.clear();
		const der = new Uint8Array(SPKI_PREFIX.length + PUBLIC_KEY_BYTES);
		der.set(SPKI_PREFIX);
		der.set(publicKey, SPKI_PREFIX.length);
		try {
			key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
		} catch {
			key = null;
		}
		keys.set(id, key);
	}
	return key;
}

/** Verifies one check; false, never an exception, for malformed input. */
export function verifyNode(c: SigCheck): boolean {
	if (!(c.signature instanceof Uint8Array) || c.signature.length !== SIGNATURE_BYTES) return false;
	if (!(c.publicKey instanceof Uint8Array) || c.publicKey.length !== PUBLIC_KEY_BYTES) return false;
	const key = keyFor(c.publicKey);
	if (!key) return false;
	try {
		return verify(null, c.message, key, c.signature);
	} catch {
		return false;
	}
}

export const nodeVerifier: Verifier = async (checks) => checks.map(verifyNode);
