/**
 * Message encryption: the primitives checked against independent
 * implementations and a published vector, then the direct and topic
 * envelopes: round trips, who can and cannot read, and tampering.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, fromHex, toHex, utf8 } from '../../../../src/lib/core/bytes.js';
import { encode } from '../../../../src/lib/core/codec.js';
import { domainPrefix } from '../../../../src/lib/core/hash.js';
import { keyPairFromSeed, type KeyPair } from '../../../../src/lib/core/keys.js';
import { aeadOpen, aeadSeal } from '../../../../src/lib/core/crypto/aead.js';
import { deriveKey } from '../../../../src/lib/core/crypto/kdf.js';
import { x25519PublicFromSecret, x25519PublicOf, x25519SecretOf, x25519Shared } from '../../../../src/lib/core/crypto/x25519.js';
import { openDirect, sealDirect } from '../../../../src/lib/core/crypto/direct.js';
import { encodeTopicKeyShare, newTopicKey, openTopic, readTopicKeyShare, sealTopic, topicKeyId } from '../../../../src/lib/core/crypto/topic.js';
import { encodeDirectEnvelope, readDirectEnvelope, readTopicEnvelope } from '../../../../src/lib/core/crypto/envelope.js';
import type { RandomBytes } from '../../../../src/lib/core/crypto/random.js';
import { expectAgoraError, key } from '../../../helpers/community.js';

/** A deterministic byte source: a counter run through SHA-512, so vectors are reproducible. */
function seeded(seed: number): RandomBytes {
	let counter = 0;
	return (n) => {
		const out = new Uint8Array(n);
		for (let i = 0; i < n; i += 64) out.set(sha512(utf8(`${seed}/${counter++}`)).subarray(0, Math.min(64, n - i)), i);
		return out;
	};
}

const P = 2n ** 255n - 19n;
function modPow(b: bigint, e: bigint): bigint {
	let r = 1n;
	b %= P;
	for (; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
	return r;
}
/** RFC 7748 §4.1's birational map u = (1 + y) / (1 - y), computed by hand. */
function montgomeryU(edPublic: Uint8Array): string {
	const le = Uint8Array.from(edPublic);
	le[31]! &= 0x7f;
	const y = BigInt('0x' + toHex(le.reverse()));
	const u = ((1n + y) * modPow((1n - y + P) % P, P - 2n)) % P;
	return toHex(fromHex(u.toString(16).padStart(64, '0')).reverse());
}

/** node's own X25519, from raw keys. */
function nodeX25519(secret: Uint8Array, publicKey: Uint8Array): string {
	const pkcs8 = concat(fromHex('302e020100300506032b656e04220420'), secret);
	const spki = concat(fromHex('302a300506032b656e032100'), publicKey);
	const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
	const pub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
	return diffieHellman({ privateKey: priv, publicKey: pub }).toString('hex');
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('crypto primitives', () => {
	it('an Ed25519 public key maps to the X25519 key RFC 7748 gives', () => {
		fc.assert(
			fc.property(seedArb, (seed) => {
				const kp = keyPairFromSeed(seed);
				expect(toHex(x25519PublicOf(kp.publicKey))).toBe(montgomeryU(kp.publicKey));
			}),
			{ numRuns: 30 }
		);
	});

	it('the X25519 secret of a seed is the clamped half of SHA-512(seed), and belongs to the mapped public key', () => {
		fc.assert(
			fc.property(seedArb, (seed) => {
				const secret = x25519SecretOf(seed);
				const clamped = sha512(seed).slice(0, 32);
				clamped[0]! &= 248;
				clamped[31]! &= 127;
				clamped[31]! |= 64;
				expect(toHex(secret)).toBe(toHex(clamped));
				expect(toHex(x25519PublicFromSecret(secret))).toBe(toHex(x25519PublicOf(keyPairFromSeed(seed).publicKey)));
			}),
			{ numRuns: 30 }
		);
	});

	it('shared secrets agree with node:crypto and between the two parties', () => {
		fc.assert(
			fc.property(seedArb, seedArb, (a, b) => {
				const sa = x25519SecretOf(a);
				const sb = x25519SecretOf(b);
				const ab = x25519Shared(sa, x25519PublicFromSecret(sb))!;
				expect(toHex(ab)).toBe(toHex(x25519Shared(sb, x25519PublicFromSecret(sa))!));
				expect(toHex(ab)).toBe(nodeX25519(sa, x25519PublicFromSecret(sb)));
			}),
			{ numRuns: 20 }
		);
	});

	it('a low-order or malformed public key gives no shared secret', () => {
		const secret = x25519SecretOf(key(1).secretKey);
		expect(x25519Shared(secret, new Uint8Array(32))).toBeNull();
		expect(x25519Shared(secret, fromHex('0100000000000000000000000000000000000000000000000000000000000000'))).toBeNull();
		expect(x25519Shared(secret, new Uint8Array(31))).toBeNull();
		expect(x25519Shared(secret, 'nope')).toBeNull();
	});

	it('a 32-byte string that is not an Ed25519 point has no X25519 key (E_KEY)', () => {
		// y = 2 has no x on the curve.
		expectAgoraError(() => x25519PublicOf(fromHex('02' + '00'.repeat(31))), 'E_KEY', 'publicKey');
		expectAgoraError(() => x25519PublicOf(new Uint8Array(31)), 'E_KEY', 'publicKey');
		expectAgoraError(() => x25519SecretOf(new Uint8Array(31)), 'E_KEY', 'secretKey');
	});

	it('the KDF is HKDF-SHA256 with the domain prefix opening the info', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 40 }), (ikm, salt, ctx) => {
				const expected = Buffer.from(hkdfSync('sha256', ikm, salt, concat(domainPrefix('msgDirect'), ctx), 32)).toString('hex');
				expect(toHex(deriveKey('msgDirect', ikm, salt, ctx))).toBe(expected);
				expect(toHex(deriveKey('msgTopic', ikm, salt, ctx))).not.toBe(expected);
			}),
			{ numRuns: 50 }
		);
	});

	it('XChaCha20-Poly1305 matches draft-irtf-cfrg-xchacha §A.3.1', () => {
		const plaintext = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
		const k = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
		const nonce = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657');
		const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
		const sealed = aeadSeal(k, nonce, plaintext, aad);
		expect(toHex(sealed)).toBe(
			'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e' +
				'c0875924c1c7987947deafd8780acf49'
		);
		expect(aeadOpen(k, nonce, sealed, aad)).toEqual(plaintext);
		expect(aeadOpen(k, nonce, sealed, new Uint8Array(0))).toBeNull();
		expect(aeadOpen(k, nonce, sealed.subarray(0, 10), aad)).toBeNull();
		expect(aeadOpen(new Uint8Array(31), nonce, sealed, aad)).toBeNull();
		expectAgoraError(() => aeadSeal(k, new Uint8Array(12), plaintext, aad), 'E_KEY', 'nonce');
	});
});

describe('direct messages', () => {
	const alice = key(1);
	const bob = key(2);
	const eve = key(3);
	const text = utf8('meet at the library at noon');
	const sealed = (opts: Partial<Parameters<typeof sealDirect>[0]> = {}): Uint8Array =>
		sealDirect({ plaintext: text, sender: alice, recipient: bob.publicKey, random: seeded(7), ...opts });

	it('a fixed vector: the same inputs and randomness give the same envelope', () => {
		expect(toHex(sealed())).toBe(toHex(sealed()));
		expect(toHex(sealDirect({ plaintext: text, sender: alice, recipient: bob.publicKey, random: seeded(8) }))).not.toBe(toHex(sealed()));
		// Pinned so a change of format or derivation cannot pass unnoticed.
		expect(toHex(sha512(sealed())).slice(0, 32)).toBe(PINNED_DIRECT);
	});

	it('follows the documented construction (opened here with node\'s X25519 and HKDF)', () => {
		const env = sealed();
		const e = readDirectEnvelope(env);
		const shared = Buffer.from(nodeX25519(x25519SecretOf(bob.secretKey), e.epk), 'hex');
		const reader = x25519PublicOf(bob.publicKey);
		const wrapKey = new Uint8Array(hkdfSync('sha256', shared, concat(e.epk, reader), concat(domainPrefix('msgDirect'), encode('wrap')), 32));
		const aad = concat(domainPrefix('msgDirect'), encode([alice.publicKey, bob.publicKey]));
		const contentKey = aeadOpen(wrapKey, new Uint8Array(24), e.keys[0]!, aad)!;
		expect(contentKey).not.toBeNull();
		expect(aeadOpen(contentKey, e.nonce, e.ct, concat(aad, encode([e.epk, [...e.keys]])))).toEqual(text);
	});

	it('the recipient and the sender read it; nobody else does', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer(), (plaintext, seed) => {
				const env = sealDirect({ plaintext, sender: alice, recipient: bob.publicKey, random: seeded(seed) });
				expect(openDirect(env, bob, alice.publicKey, bob.publicKey)).toEqual(plaintext);
				expect(openDirect(env, alice, alice.publicKey, bob.publicKey)).toEqual(plaintext);
				expect(openDirect(env, eve, alice.publicKey, bob.publicKey)).toBeNull();
			}),
			{ numRuns: 25 }
		);
	});

	it('without a sender copy only the recipient reads it', () => {
		const env = sealed({ senderCopy: false });
		expect(readDirectEnvelope(env).keys).toHaveLength(1);
		expect(openDirect(env, bob, alice.publicKey, bob.publicKey)).toEqual(text);
		expect(openDirect(env, alice, alice.publicKey, bob.publicKey)).toBeNull();
	});

	it('a note to oneself carries one wrapped key', () => {
		const env = sealDirect({ plaintext: text, sender: alice, recipient: alice.publicKey, random: seeded(1) });
		expect(readDirectEnvelope(env).keys).toHaveLength(1);
		expect(openDirect(env, alice, alice.publicKey, alice.publicKey)).toEqual(text);
	});

	it('does not open when presented as from someone else or to someone else', () => {
		const env = sealed();
		expect(openDirect(env, bob, eve.publicKey, bob.publicKey)).toBeNull();
		expect(openDirect(env, bob, alice.publicKey, eve.publicKey)).toBeNull();
	});

	it('changing any byte of the envelope makes it unreadable (or unparseable)', () => {
		const env = sealed();
		fc.assert(
			fc.property(fc.nat(env.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
				const t = Uint8Array.from(env);
				t[i]! ^= x;
				expect(openDirect(t, bob, alice.publicKey, bob.publicKey)).toBeNull();
			}),
			{ numRuns: 200 }
		);
	});

	it('a low-order ephemeral key does not open', () => {
		const e = readDirectEnvelope(sealed());
		expect(openDirect(encodeDirectEnvelope({ ...e, epk: new Uint8Array(32) }), bob, alice.publicKey, bob.publicKey)).toBeNull();
	});

	it('a random source that returns the wrong length is refused', () => {
		expectAgoraError(() => sealed({ random: (n) => new Uint8Array(n - 1) }), 'E_KEY', 'random');
	});
});

describe('envelope shapes', () => {
	const good = readDirectEnvelope(sealDirect({ plaintext: utf8('x'), sender: key(1), recipient: key(2).publicKey, random: seeded(3) }));
	const bad: Array<[string, Uint8Array, string]> = [
		['bytes that are not CBOR', utf8('hello'), 'p'],
		['a missing field', encode({ v: 1, epk: good.epk, keys: [...good.keys], nonce: good.nonce }), 'p.ct'],
		['an unknown version', encode({ v: 2, epk: good.epk, keys: [...good.keys], nonce: good.nonce, ct: good.ct }), 'p.v'],
		['a short ephemeral key', encode({ v: 1, epk: good.epk.subarray(1), keys: [...good.keys], nonce: good.nonce, ct: good.ct }), 'p.epk'],
		['no wrapped key', encode({ v: 1, epk: good.epk, keys: [], nonce: good.nonce, ct: good.ct }), 'p.keys'],
		['a short nonce', encode({ v: 1, epk: good.epk, keys: [...good.keys], nonce: good.nonce.subarray(1), ct: good.ct }), 'p.nonce'],
		['a ciphertext shorter than its tag', encode({ v: 1, epk: good.epk, keys: [...good.keys], nonce: good.nonce, ct: new Uint8Array(15) }), 'p.ct']
	];
	for (const [name, bytes, field] of bad) it(`a direct envelope with ${name} is refused (E_SCHEMA ${field})`, () => void expectAgoraError(() => readDirectEnvelope(bytes, 'p'), 'E_SCHEMA', field));

	it('a topic envelope is not a direct one, nor the other way round', () => {
		const topic = sealTopic({ plaintext: utf8('x'), topic: 'a', key: new Uint8Array(32), sender: key(1).publicKey, random: seeded(1) });
		expectAgoraError(() => readDirectEnvelope(topic, 'p'), 'E_SCHEMA', 'p.kid');
		expectAgoraError(() => readTopicEnvelope(encodeDirectEnvelope(good), 'p'), 'E_SCHEMA', 'p.epk');
	});
});

describe('topic messages', () => {
	const topicKey = newTopicKey(seeded(42));
	const sender = key(1).publicKey;
	const text = utf8('the garden meeting moves to Thursday');
	const env = sealTopic({ plaintext: text, topic: 'garden.news', key: topicKey, sender, random: seeded(9) });

	it('subscribers holding the key read it; the envelope names the key by its id', () => {
		expect(openTopic(env, topicKey, 'garden.news', sender)).toEqual(text);
		expect(readTopicEnvelope(env).kid).toEqual(topicKeyId(topicKey));
		expect(toHex(topicKeyId(topicKey))).not.toBe(toHex(topicKey));
	});

	it('another key, another topic or another sender does not open it', () => {
		expect(openTopic(env, newTopicKey(seeded(43)), 'garden.news', sender)).toBeNull();
		expect(openTopic(env, topicKey, 'garden.chat', sender)).toBeNull();
		expect(openTopic(env, topicKey, 'garden.news', key(2).publicKey)).toBeNull();
	});

	it('changing any byte makes it unreadable', () => {
		fc.assert(
			fc.property(fc.nat(env.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
				const t = Uint8Array.from(env);
				t[i]! ^= x;
				expect(openTopic(t, topicKey, 'garden.news', sender)).toBeNull();
			}),
			{ numRuns: 200 }
		);
	});

	it('a topic key travels inside a direct message to a subscriber', () => {
		const alice: KeyPair = key(1);
		const bob: KeyPair = key(2);
		const share = sealDirect({ plaintext: encodeTopicKeyShare({ topic: 'garden.news', key: topicKey }), sender: alice, recipient: bob.publicKey, random: seeded(5) });
		const got = readTopicKeyShare(openDirect(share, bob, alice.publicKey, bob.publicKey)!);
		expect(got).toEqual({ topic: 'garden.news', key: topicKey });
		expect(openTopic(env, got!.key, got!.topic, sender)).toEqual(text);
		expect(readTopicKeyShare(utf8('not a share'))).toBeNull();
		expect(readTopicKeyShare(encode({ topic: 'x', key: new Uint8Array(31) }))).toBeNull();
	});
});

const PINNED_DIRECT = '536d20b641239cd592857c4a0c31b9b7';
