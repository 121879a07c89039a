/**
 * X25519 keys derived from members' Ed25519 identities (RFC 7748 over the
 * birational map of RFC 8032's curve), so a member needs no second key pair
 * to receive encrypted messages: anyone who knows a member's public key can
 * encrypt to it, and only the holder of its seed can decrypt.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { isBytes, type Bytes } from '../bytes.js';
import { fail } from '../errors.js';
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from '../keys.js';

export const X25519_BYTES = 32;

/** The X25519 public key of an Ed25519 public key; E_KEY when it is not a point on the curve. */
export function x25519PublicOf(edPublicKey: Bytes): Bytes {
	if (!isBytes(edPublicKey, PUBLIC_KEY_BYTES)) fail('E_KEY', 'publicKey', edPublicKey, `must be ${PUBLIC_KEY_BYTES} bytes`);
	try {
		return ed25519.utils.toMontgomery(edPublicKey);
	} catch {
		fail('E_KEY', 'publicKey', edPublicKey, 'is not an Ed25519 public key');
	}
}

/** The X25519 secret of an Ed25519 seed: the clamped first half of SHA-512(seed), as Ed25519 itself uses it. */
export function x25519SecretOf(edSeed: Bytes): Bytes {
	if (!isBytes(edSeed, SECRET_KEY_BYTES)) fail('E_KEY', 'secretKey', edSeed, `must be ${SECRET_KEY_BYTES} bytes`);
	return ed25519.utils.toMontgomerySecret(edSeed);
}

export function x25519PublicFromSecret(secret: Bytes): Bytes {
	return x25519.getPublicKey(secret);
}

/** The shared secret, or null for a low-order or malformed public key (whose "secret" anyone could compute). */
export function x25519Shared(secret: Bytes, publicKey: unknown): Bytes | null {
	if (!isBytes(publicKey, X25519_BYTES)) return null;
	try {
		return x25519.getSharedSecret(secret, publicKey);
	} catch {
		return null;
	}
}
