/**
 * XChaCha20-Poly1305 behind two functions. Its 24-byte nonce can be drawn at
 * random without fear of reuse, so senders need no nonce bookkeeping.
 * `aeadOpen` answers null for anything that does not authenticate, never
 * throws: a tampered or misaddressed ciphertext is not an error of the reader.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { isBytes, type Bytes } from '../bytes.js';
import { fail } from '../errors.js';

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;

export function aeadSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, aad: Bytes): Bytes {
	if (!isBytes(key, AEAD_KEY_BYTES)) fail('E_KEY', 'key', key, `must be ${AEAD_KEY_BYTES} bytes`);
	if (!isBytes(nonce, AEAD_NONCE_BYTES)) fail('E_KEY', 'nonce', nonce, `must be ${AEAD_NONCE_BYTES} bytes`);
	return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
}

export function aeadOpen(key: unknown, nonce: unknown, ciphertext: unknown, aad: Bytes): Bytes | null {
	if (!isBytes(key, AEAD_KEY_BYTES) || !isBytes(nonce, AEAD_NONCE_BYTES) || !isBytes(ciphertext) || ciphertext.length < AEAD_TAG_BYTES) return null;
	try {
		return xchacha20poly1305(key, nonce, aad).decrypt(ciphertext);
	} catch {
		return null;
	}
}
