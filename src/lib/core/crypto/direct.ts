/**
 * End-to-end encryption of direct messages (ECIES over X25519 with
 * XChaCha20-Poly1305). The sender draws an ephemeral X25519 key and a content
 * key; the payload is sealed under the content key, and the content key is
 * wrapped for each reader under HKDF(X25519(ephemeral, reader), epk ‖ reader)
 * in the `msgDirect` domain. Every seal binds the sender's and the recipient's
 * Ed25519 keys as associated data, so a ciphertext lifted into a message from
 * someone else, or to someone else, does not open; the payload's seal also
 * binds the ephemeral key and every wrapped key, so no byte of the envelope
 * can change without the message failing to open for every reader.
 */
import { concat, equalBytes, type Bytes } from '../bytes.js';
import { encode } from '../codec.js';
import { domainPrefix } from '../hash.js';
import type { KeyPair } from '../keys.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, aeadOpen, aeadSeal } from './aead.js';
import { encodeDirectEnvelope, ENVELOPE_VERSION, readDirectEnvelope } from './envelope.js';
import { deriveKey } from './kdf.js';
import { draw, type RandomBytes } from './random.js';
import { x25519PublicFromSecret, x25519PublicOf, x25519SecretOf, x25519Shared } from './x25519.js';

export interface DirectMessage {
	readonly plaintext: Bytes;
	readonly sender: KeyPair;
	/** The recipient's Ed25519 public key. */
	readonly recipient: Bytes;
	readonly random: RandomBytes;
	/** Also wrap the content key for the sender, so its own key reads what it sent (default true). */
	readonly senderCopy?: boolean;
}

/** The wrapped key's nonce can be fixed: each wrapping key is used once, for one ephemeral key. */
const WRAP_NONCE = new Uint8Array(AEAD_NONCE_BYTES);

function associatedData(sender: Bytes, recipient: Bytes): Bytes {
	return concat(domainPrefix('msgDirect'), encode([sender, recipient]));
}

function contentData(aad: Bytes, epk: Bytes, keys: readonly Bytes[]): Bytes {
	return concat(aad, encode([epk, [...keys]]));
}

function wrappingKey(shared: Bytes, epk: Bytes, reader: Bytes): Bytes {
	return deriveKey('msgDirect', shared, concat(epk, reader), encode('wrap'));
}

/** Seals `plaintext` for the recipient (and the sender); returns the envelope bytes to carry as the payload. */
export function sealDirect(m: DirectMessage): Bytes {
	const readers = [m.recipient, ...(m.senderCopy !== false && !equalBytes(m.recipient, m.sender.publicKey) ? [m.sender.publicKey] : [])].map(x25519PublicOf);
	const ephemeral = draw(m.random, 32);
	const epk = x25519PublicFromSecret(ephemeral);
	const contentKey = draw(m.random, AEAD_KEY_BYTES);
	const nonce = draw(m.random, AEAD_NONCE_BYTES);
	const aad = associatedData(m.sender.publicKey, m.recipient);
	const keys = readers.map((reader) => {
		const shared = x25519Shared(ephemeral, reader)!;
		return aeadSeal(wrappingKey(shared, epk, reader), WRAP_NONCE, contentKey, aad);
	});
	return encodeDirectEnvelope({ v: ENVELOPE_VERSION, epk, keys, nonce, ct: aeadSeal(contentKey, nonce, m.plaintext, contentData(aad, epk, keys)) });
}

/**
 * Opens a direct message as `reader` (its recipient or its sender). Returns
 * null, never throws, when the envelope is malformed, not for this reader,
 * tampered with, or sent by or to someone other than `sender` and `recipient`.
 */
export function openDirect(envelope: Bytes, reader: KeyPair, sender: Bytes, recipient: Bytes): Bytes | null {
	try {
		const e = readDirectEnvelope(envelope);
		const secret = x25519SecretOf(reader.secretKey);
		const shared = x25519Shared(secret, e.epk);
		if (!shared) return null;
		const wrapKey = wrappingKey(shared, e.epk, x25519PublicFromSecret(secret));
		const aad = associatedData(sender, recipient);
		for (const wrapped of e.keys) {
			const contentKey = aeadOpen(wrapKey, WRAP_NONCE, wrapped, aad);
			if (contentKey) return aeadOpen(contentKey, e.nonce, e.ct, contentData(aad, e.epk, e.keys));
		}
		return null;
	} catch {
		return null;
	}
}
