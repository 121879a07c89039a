/** Ed25519 identities: RFC 8032 vectors, domain-bound signatures, and a verifier that never throws. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyPairFromSeed, sign, signedMessage, verify, verifyRaw, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES } from '../../../src/lib/core/keys.js';
import { Domain, domainPrefix, type DomainName } from '../../../src/lib/core/hash.js';
import { concat, fromHex, toHex, utf8 } from '../../../src/lib/core/bytes.js';
import { expectAgoraError, key } from '../../helpers/community.js';

const DOMAINS = Object.keys(Domain) as DomainName[];

/** RFC 8032 §7.1, tests 1 to 3: [secret key, public key, message, signature]. */
const RFC8032: Array<[string, string, string, string, string]> = [
	[
		'TEST 1 (empty message)',
		'9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
		'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
		'',
		'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
	],
	[
		'TEST 2 (one byte)',
		'4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
		'3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
		'72',
		'92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'
	],
	[
		'TEST 3 (two bytes)',
		'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
		'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
		'af82',
		'6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'
	]
];

/** The order of the Ed25519 base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function bytesToBigLE(b: Uint8Array): bigint {
	let n = 0n;
	for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
	return n;
}
function bigToBytesLE(n: bigint, length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) {
		out[i] = Number(n & 0xffn);
		n >>= 8n;
	}
	return out;
}

describe('keys: RFC 8032 vectors', () => {
	it.each(RFC8032)('%s verifies through verifyRaw, and the seed gives the public key', (_name, secret, publicKey, message, signature) => {
		expect(toHex(keyPairFromSeed(fromHex(secret)).publicKey)).toBe(publicKey);
		expect(verifyRaw(fromHex(message), fromHex(signature), fromHex(publicKey))).toBe(true);
	});

	it.each(RFC8032)('%s fails with a flipped message, signature or key bit', (_name, _secret, publicKey, message, signature) => {
		const msg = fromHex(message);
		const sig = fromHex(signature);
		const pub = fromHex(publicKey);
		expect(verifyRaw(concat(msg, new Uint8Array([0])), sig, pub)).toBe(false);
		const badSig = sig.slice();
		badSig[5]! ^= 1;
		expect(verifyRaw(msg, badSig, pub)).toBe(false);
		const badPub = pub.slice();
		badPub[3]! ^= 1;
		expect(verifyRaw(msg, sig, badPub)).toBe(false);
	});

	it('rejects the malleated signature (R, S + L): verification is RFC 8032 strict', () => {
		const [, , publicKey, message, signature] = RFC8032[0]!;
		const sig = fromHex(signature);
		const s = bytesToBigLE(sig.subarray(32));
		const malleated = concat(sig.subarray(0, 32), bigToBytesLE(s + L, 32));
		expect(verifyRaw(fromHex(message), malleated, fromHex(publicKey))).toBe(false);
	});

	it('rejects a small-order public key with the trivial signature that would verify any message', () => {
		const identity = fromHex('01' + '00'.repeat(31));
		const trivial = concat(identity, new Uint8Array(32));
		expect(verifyRaw(utf8('anything'), trivial, identity)).toBe(false);
	});
});

describe('keys: key pairs and signatures', () => {
	it('key pairs are deterministic in the seed and have the documented sizes', () => {
		const seed = new Uint8Array(32).fill(7);
		const a = keyPairFromSeed(seed);
		const b = keyPairFromSeed(seed.slice());
		expect(toHex(a.publicKey)).toBe(toHex(b.publicKey));
		expect(a.publicKey.length).toBe(PUBLIC_KEY_BYTES);
		expect(a.secretKey.length).toBe(SECRET_KEY_BYTES);
		// The pair keeps its own copy of the seed.
		seed.fill(0);
		expect(toHex(a.secretKey)).toBe('07'.repeat(32));
	});

	it('the pair keeps its own copy of a seed given as a Node Buffer too', () => {
		const seed = Buffer.alloc(32, 7);
		const pair = keyPairFromSeed(seed);
		seed.fill(0);
		expect(toHex(pair.secretKey)).toBe('07'.repeat(32));
		expect(toHex(sign('tx', utf8('m'), pair.secretKey))).toBe(toHex(sign('tx', utf8('m'), keyPairFromSeed(new Uint8Array(32).fill(7)).secretKey)));
	});

	it.each([0, 16, 31, 33, 64])('keyPairFromSeed rejects a %i-byte seed with E_KEY', (n) => {
		expectAgoraError(() => keyPairFromSeed(new Uint8Array(n)), 'E_KEY', 'seed');
	});

	it('keyPairFromSeed rejects a seed that is not bytes', () => {
		expectAgoraError(() => keyPairFromSeed('00'.repeat(32) as unknown as Uint8Array), 'E_KEY', 'seed');
	});

	it.each([0, 31, 33, 64])('sign rejects a %i-byte secret key with E_KEY', (n) => {
		expectAgoraError(() => sign('tx', utf8('x'), new Uint8Array(n)), 'E_KEY', 'secretKey');
	});

	it('a signature covers the domain prefix followed by the payload', () => {
		const k = key(1);
		const payload = utf8('payload');
		expect(toHex(signedMessage('txSign', payload))).toBe(toHex(concat(domainPrefix('txSign'), payload)));
		const sig = sign('txSign', payload, k.secretKey);
		expect(sig.length).toBe(SIGNATURE_BYTES);
		expect(verifyRaw(signedMessage('txSign', payload), sig, k.publicKey)).toBe(true);
		// …and not the bare payload.
		expect(verifyRaw(payload, sig, k.publicKey)).toBe(false);
	});

	it('signing is deterministic', () => {
		const k = key(2);
		expect(toHex(sign('tx', utf8('m'), k.secretKey))).toBe(toHex(sign('tx', utf8('m'), k.secretKey)));
	});

	it('sign/verify round trip for random payloads, domains and keys', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(...DOMAINS), fc.uint8Array({ maxLength: 100 }), (seed, domain, payload) => {
				const k = keyPairFromSeed(seed);
				expect(verify(domain, payload, sign(domain, payload, k.secretKey), k.publicKey)).toBe(true);
			}),
			{ numRuns: 50 }
		);
	});

	it('a signature made for one domain never verifies under another', () => {
		const k = key(3);
		fc.assert(
			fc.property(fc.constantFrom(...DOMAINS), fc.constantFrom(...DOMAINS), fc.uint8Array({ maxLength: 64 }), (a, b, payload) => {
				fc.pre(a !== b);
				expect(verify(b, payload, sign(a, payload, k.secretKey), k.publicKey)).toBe(false);
			}),
			{ numRuns: 50 }
		);
	});

	it('a signature does not verify under another key', () => {
		const payload = utf8('hello');
		const sig = sign('tx', payload, key(4).secretKey);
		expect(verify('tx', payload, sig, key(5).publicKey)).toBe(false);
	});

	it('tampering with any bit of payload, signature or key makes verification fail', () => {
		const k = key(6);
		fc.assert(
			fc.property(
				fc.uint8Array({ minLength: 1, maxLength: 64 }),
				fc.constantFrom('payload', 'signature', 'key'),
				fc.nat(),
				fc.integer({ min: 0, max: 7 }),
				(payload, what, at, bit) => {
					const sig = sign('txSign', payload, k.secretKey);
					const target = (what === 'payload' ? payload : what === 'signature' ? sig : k.publicKey).slice();
					target[at % target.length]! ^= 1 << bit;
					const ok =
						what === 'payload'
							? verify('txSign', target, sig, k.publicKey)
							: what === 'signature'
								? verify('txSign', payload, target, k.publicKey)
								: verify('txSign', payload, sig, target);
					expect(ok).toBe(false);
				}
			),
			{ numRuns: 150 }
		);
	});
});

describe('keys: verify returns false and never throws on malformed input', () => {
	const k = key(7);
	const payload = utf8('msg');
	const sig = sign('tx', payload, k.secretKey);
	const cases: Array<[string, unknown, unknown]> = [
		['empty signature', new Uint8Array(0), k.publicKey],
		['63-byte signature', sig.subarray(0, 63), k.publicKey],
		['65-byte signature', concat(sig, new Uint8Array(1)), k.publicKey],
		['empty key', sig, new Uint8Array(0)],
		['31-byte key', sig, k.publicKey.subarray(0, 31)],
		['33-byte key', sig, concat(k.publicKey, new Uint8Array(1))],
		['64-byte key (a secret key and public key)', sig, concat(k.secretKey, k.publicKey)],
		['signature as hex string', toHex(sig), k.publicKey],
		['key as hex string', sig, toHex(k.publicKey)],
		['signature as number array', Array.from(sig), k.publicKey],
		['key as number array', sig, Array.from(k.publicKey)],
		['null signature', null, k.publicKey],
		['undefined key', sig, undefined],
		['numbers', 1, 2],
		['objects', {}, {}],
		['signature as Uint16Array', new Uint16Array(32), k.publicKey],
		['key whose y is not below p', sig, fromHex('ff'.repeat(31) + '7f')],
		['key that is not a curve point', sig, fromHex('02' + '00'.repeat(31))],
		['all-zero signature', new Uint8Array(64), k.publicKey],
		['all-ones signature', new Uint8Array(64).fill(0xff), k.publicKey]
	];

	it.each(cases)('%s', (_name, signature, publicKey) => {
		expect(() => verify('tx', payload, signature, publicKey)).not.toThrow();
		expect(verify('tx', payload, signature, publicKey)).toBe(false);
	});

	it('random signatures and keys never verify and never throw', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (s, p) => {
				expect(verify('tx', payload, s, p)).toBe(false);
			}),
			{ numRuns: 100 }
		);
	});

	it('the valid signature of these cases does verify (the cases are not vacuous)', () => {
		expect(verify('tx', payload, sig, k.publicKey)).toBe(true);
	});
});
