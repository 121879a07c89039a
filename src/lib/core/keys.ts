/**
 * Ed25519 identities. The core never draws randomness: a key pair comes from
 * a 32-byte seed the caller supplies (the worker uses crypto.getRandomValues).
 * Signing and verifying always take a domain, so a signature made for one
 * kind of message never verifies as another.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, isBytes, type Bytes } from './bytes.js';
import { AgoraError, fail } from './errors.js';
import { domainPrefix, type DomainName } from './hash.js';

ed.hashes.sha512 = sha512;

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export interface KeyPair {
	readonly publicKey: Bytes;
	readonly secretKey: Bytes;
}

export function keyPairFromSeed(seed: Bytes): KeyPair {
	if (!isBytes(seed, SECRET_KEY_BYTES)) fail('E_KEY', 'seed', seed, `must be ${SECRET_KEY_BYTES} bytes`);
	// A copy the caller cannot wipe or change under us (Uint8Array.from: a Node Buffer's slice() would be a view).
	return { secretKey: Uint8Array.from(seed), publicKey: ed.getPublicKey(seed) };
}

/** The exact bytes an Ed25519 signature covers for a message of this domain. */
export function signedMessage(domain: DomainName, payload: Bytes): Bytes {
	return concat(domainPrefix(domain), payload);
}

export function sign(domain: DomainName, payload: Bytes, secretKey: Bytes): Bytes {
	if (!isBytes(secretKey, SECRET_KEY_BYTES)) {
		throw new AgoraError('E_KEY', `secret key must be ${SECRET_KEY_BYTES} bytes`, 'secretKey');
	}
	return ed.sign(signedMessage(domain, payload), secretKey);
}

/**
 * RFC 8032 verification (not ZIP-215), so the portable path agrees with the
 * runtime's native Ed25519. Returns false, never throws, on malformed input.
 */
export function verify(domain: DomainName, payload: Bytes, signature: unknown, publicKey: unknown): boolean {
	return verifyRaw(signedMessage(domain, payload), signature, publicKey);
}

/** Verifies an already domain-prefixed message (see `signedMessage`). */
export function verifyRaw(message: Bytes, signature: unknown, publicKey: unknown): boolean {
	if (!isBytes(signature, SIGNATURE_BYTES) || !isBytes(publicKey, PUBLIC_KEY_BYTES)) return false;
	try {
		return ed.verify(signature, message, publicKey, { zip215: false });
	} catch {
		return false;
	}
}
