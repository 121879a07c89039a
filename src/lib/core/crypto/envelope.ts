/**
 * The two encrypted payload formats a message can carry, as canonical CBOR
 * maps. The chain checks their shape (so a direct message cannot go out in
 * clear by mistake) but can never read them.
 *
 * - Direct: `{ v, epk, keys, nonce, ct }`. `ct` is the plaintext sealed under
 *   a fresh content key; `keys` holds that content key wrapped once per reader
 *   (the recipient, and by default the sender, so its own copy stays readable
 *   from its key alone), each under a key agreed with the ephemeral key `epk`.
 * - Topic: `{ v, kid, nonce, ct }`. `ct` is sealed under a key derived from the
 *   topic's shared key, which `kid` names without revealing.
 */
import { decode, encode } from '../codec.js';
import { AgoraError } from '../errors.js';
import * as s from '../schema.js';
import type { Bytes } from '../bytes.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from './aead.js';
import { X25519_BYTES } from './x25519.js';

export const ENVELOPE_VERSION = 1;
/** Readers of one direct message: the recipient and the sender, with room to spare. */
export const MAX_READERS = 8;
export const WRAPPED_KEY_BYTES = AEAD_KEY_BYTES + AEAD_TAG_BYTES;
export const KEY_ID_BYTES = 32;

export interface DirectEnvelope {
	readonly v: typeof ENVELOPE_VERSION;
	readonly epk: Bytes;
	readonly keys: readonly Bytes[];
	readonly nonce: Bytes;
	readonly ct: Bytes;
}

export interface TopicEnvelope {
	readonly v: typeof ENVELOPE_VERSION;
	readonly kid: Bytes;
	readonly nonce: Bytes;
	readonly ct: Bytes;
}

export function encodeDirectEnvelope(e: DirectEnvelope): Bytes {
	return encode({ v: e.v, epk: e.epk, keys: [...e.keys], nonce: e.nonce, ct: e.ct });
}

export function encodeTopicEnvelope(e: TopicEnvelope): Bytes {
	return encode({ v: e.v, kid: e.kid, nonce: e.nonce, ct: e.ct });
}

function decodeAt(bytes: Bytes, path: string): unknown {
	try {
		return decode(bytes);
	} catch (e) {
		throw new AgoraError('E_SCHEMA', `${path} is not a canonical CBOR envelope: ${(e as Error).message}`, path, bytes);
	}
}

function readVersion(value: unknown, path: string): typeof ENVELOPE_VERSION {
	s.int(value, `${path}.v`, ENVELOPE_VERSION, ENVELOPE_VERSION);
	return ENVELOPE_VERSION;
}

const readCiphertext = (value: unknown, path: string): Bytes => {
	const ct = s.bytes(value, path);
	if (ct.length < AEAD_TAG_BYTES) throw new AgoraError('E_SCHEMA', `${path} is shorter than an authentication tag`, path, ct);
	return ct;
};

/** Reads a direct envelope's shape; E_SCHEMA names the field at `path`. */
export function readDirectEnvelope(bytes: Bytes, path = 'envelope'): DirectEnvelope {
	const r = s.exactRecord(decodeAt(bytes, path), path, ['v', 'epk', 'keys', 'nonce', 'ct']);
	const keys = s.array(r.keys, `${path}.keys`, MAX_READERS).map((k, i) => s.bytes(k, `${path}.keys[${i}]`, WRAPPED_KEY_BYTES));
	if (keys.length === 0) throw new AgoraError('E_SCHEMA', `${path}.keys must hold at least one wrapped key`, `${path}.keys`, r.keys);
	return {
		v: readVersion(r.v, path),
		epk: s.bytes(r.epk, `${path}.epk`, X25519_BYTES),
		keys,
		nonce: s.bytes(r.nonce, `${path}.nonce`, AEAD_NONCE_BYTES),
		ct: readCiphertext(r.ct, `${path}.ct`)
	};
}

/** Reads a topic envelope's shape; E_SCHEMA names the field at `path`. */
export function readTopicEnvelope(bytes: Bytes, path = 'envelope'): TopicEnvelope {
	const r = s.exactRecord(decodeAt(bytes, path), path, ['v', 'kid', 'nonce', 'ct']);
	return {
		v: readVersion(r.v, path),
		kid: s.bytes(r.kid, `${path}.kid`, KEY_ID_BYTES),
		nonce: s.bytes(r.nonce, `${path}.nonce`, AEAD_NONCE_BYTES),
		ct: readCiphertext(r.ct, `${path}.ct`)
	};
}
