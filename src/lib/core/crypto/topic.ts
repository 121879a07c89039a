/**
 * Encrypted topics. A topic's owner draws a 32-byte topic key and declares
 * its id (a hash that names the key without revealing it) on chain; the key
 * itself reaches subscribers inside direct messages, which only they can
 * open. Topic messages are sealed under a key derived from the topic key and
 * the topic's name, binding the sender, the topic and the key id as
 * associated data.
 */
import { concat, type Bytes } from '../bytes.js';
import { decode, encode } from '../codec.js';
import { domainPrefix, hash } from '../hash.js';
import * as s from '../schema.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, aeadOpen, aeadSeal } from './aead.js';
import { encodeTopicEnvelope, ENVELOPE_VERSION, readTopicEnvelope } from './envelope.js';
import { deriveKey } from './kdf.js';
import { draw, type RandomBytes } from './random.js';

/** The content type of a direct message that hands a subscriber a topic key. */
export const TOPIC_KEY_CONTENT_TYPE = 'application/vnd.agora.topic-key+cbor';
export const TOPIC_KEY_BYTES = AEAD_KEY_BYTES;

export interface TopicMessage {
	readonly plaintext: Bytes;
	readonly topic: string;
	readonly key: Bytes;
	/** The sender's Ed25519 public key. */
	readonly sender: Bytes;
	readonly random: RandomBytes;
}

export interface TopicKeyShare {
	readonly topic: string;
	readonly key: Bytes;
}

export function newTopicKey(random: RandomBytes): Bytes {
	return draw(random, TOPIC_KEY_BYTES);
}

/** The public name of a topic key, as the topic declares it on chain. */
export function topicKeyId(key: Bytes): Bytes {
	return hash('topicKeyId', key);
}

function messageKey(key: Bytes, topic: string): Bytes {
	return deriveKey('msgTopic', key, new Uint8Array(0), encode(['message', topic]));
}

function associatedData(sender: Bytes, topic: string, kid: Bytes): Bytes {
	return concat(domainPrefix('msgTopic'), encode([sender, topic, kid]));
}

export function sealTopic(m: TopicMessage): Bytes {
	const nonce = draw(m.random, AEAD_NONCE_BYTES);
	const kid = topicKeyId(m.key);
	const ct = aeadSeal(messageKey(m.key, m.topic), nonce, m.plaintext, associatedData(m.sender, m.topic, kid));
	return encodeTopicEnvelope({ v: ENVELOPE_VERSION, kid, nonce, ct });
}

/** Opens a topic message; null, never a throw, when it is malformed, under another key, tampered with or re-addressed. */
export function openTopic(envelope: Bytes, key: Bytes, topic: string, sender: Bytes): Bytes | null {
	try {
		const e = readTopicEnvelope(envelope);
		return aeadOpen(messageKey(key, topic), e.nonce, e.ct, associatedData(sender, topic, e.kid));
	} catch {
		return null;
	}
}

/** The plaintext of a topic-key share (send it sealed with `sealDirect`, content type TOPIC_KEY_CONTENT_TYPE). */
export function encodeTopicKeyShare(share: TopicKeyShare): Bytes {
	return encode({ topic: share.topic, key: share.key });
}

export function readTopicKeyShare(plaintext: Bytes): TopicKeyShare | null {
	try {
		const r = s.exactRecord(decode(plaintext), 'share', ['topic', 'key']);
		return { topic: s.str(r.topic, 'share.topic', 1024, 1), key: s.bytes(r.key, 'share.key', TOPIC_KEY_BYTES) };
	} catch {
		return null;
	}
}
