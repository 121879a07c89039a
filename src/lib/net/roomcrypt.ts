/**
 * End-to-end encryption of signaling messages under the room secret from the
 * invite link, so a relay sees room names and opaque blobs, never who offers
 * what to whom. AES-256-GCM with a key from HKDF-SHA256 over the secret,
 * bound to the room name; WebCrypto, present in browsers and in Node 20.
 */
import { utf8 } from '../core/bytes.js';
import { fail } from '../core/errors.js';
import { fromBase64, toBase64 } from './base64.js';

/** Fewer bytes than this would make the key guessable; invites carry 32. */
export const MIN_SECRET_BYTES = 16;
const IV_BYTES = 12;
/** HKDF salt: names what the key is for, so the secret can key other things later without reuse. */
const KEY_LABEL = utf8('agora/v1/signaling-key');

export class RoomCipher {
	private constructor(
		private readonly key: CryptoKey,
		private readonly room: Uint8Array<ArrayBuffer>
	) {}

	static async derive(secret: Uint8Array, room: string): Promise<RoomCipher> {
		if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_BYTES) {
			fail('E_KEY', 'roomSecret', secret, `must be at least ${MIN_SECRET_BYTES} bytes`);
		}
		const subtle = globalThis.crypto?.subtle;
		// Browsers hide WebCrypto outside secure contexts, e.g. a page opened over plain http from a LAN address.
		if (!subtle) fail('E_KEY', 'crypto.subtle', subtle, 'is unavailable: open the app over https or on localhost');
		const material = await subtle.importKey('raw', new Uint8Array(secret), 'HKDF', false, ['deriveKey']);
		const roomBytes = new Uint8Array(utf8(room));
		const key = await subtle.deriveKey(
			{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(KEY_LABEL), info: roomBytes },
			material,
			{ name: 'AES-GCM', length: 256 },
			false,
			['encrypt', 'decrypt']
		);
		return new RoomCipher(key, roomBytes);
	}

	/** Base64 of a fresh random IV followed by the ciphertext; the room name is authenticated as associated data. */
	async seal(plaintext: Uint8Array): Promise<string> {
		const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
		const sealed = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: this.room }, this.key, new Uint8Array(plaintext));
		const out = new Uint8Array(IV_BYTES + sealed.byteLength);
		out.set(iv);
		out.set(new Uint8Array(sealed), IV_BYTES);
		return toBase64(out);
	}

	/** The plaintext, or null when the blob is not base64, too short, or not sealed under this key and room. */
	async open(blob: string): Promise<Uint8Array | null> {
		const bytes = fromBase64(blob);
		if (!bytes || bytes.length < IV_BYTES + 16) return null;
		try {
			const plain = await globalThis.crypto.subtle.decrypt(
				{ name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: this.room },
				this.key,
				bytes.subarray(IV_BYTES)
			);
			return new Uint8Array(plain);
		} catch {
			return null;
		}
	}
}

/**
 * The first characters of a sealed blob encode its random IV, so they name the
 * message without decrypting it: enough to skip our own echoes and the copy
 * that arrives through a second relay.
 */
export const SEALED_ID_CHARS = Math.ceil(IV_BYTES / 3) * 4;
