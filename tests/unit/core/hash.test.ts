/** Domain-separated SHA-256: fixed vectors, independence from node's own SHA-256, domain separation. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { Domain, domainPrefix, hash, HASH_BYTES, ZERO_HASH, type DomainName } from '../../../src/lib/core/hash.js';
import { concat, toHex, utf8 } from '../../../src/lib/core/bytes.js';

const DOMAINS = Object.keys(Domain) as DomainName[];

/** The definition, computed with another SHA-256 implementation. */
function reference(domain: DomainName, ...parts: Uint8Array[]): string {
	const h = createHash('sha256');
	h.update(Buffer.from(Domain[domain] + '\0', 'utf8'));
	for (const p of parts) h.update(p);
	return h.digest('hex');
}

describe('hash: fixed vectors', () => {
	it('SHA-256("agora/v1/tx\\0abc")', () => {
		expect(toHex(hash('tx', utf8('abc')))).toBe('d119382ca524a5e7e492922fd7ca7d2a924af6b57e805b7c322bdd908d363730');
	});

	it('SHA-256("agora/v1/header\\0") for no parts', () => {
		expect(toHex(hash('header'))).toBe('495b9bd73c549fec00e09ddc006017c253bf9168bd902089d43ad1bb739baf16');
	});

	it('is not the plain SHA-256 of the bytes', () => {
		expect(toHex(hash('tx', utf8('abc')))).not.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	});

	it('the domain prefix is the tag followed by one NUL byte', () => {
		expect(toHex(domainPrefix('tx'))).toBe(toHex(utf8('agora/v1/tx\0')));
	});

	it('ZERO_HASH is 32 zero bytes', () => {
		expect(HASH_BYTES).toBe(32);
		expect(toHex(ZERO_HASH)).toBe('00'.repeat(32));
	});
});

describe('hash: definition', () => {
	it('equals SHA-256 over the tag, a NUL and the parts in order, for every domain', () => {
		fc.assert(
			fc.property(fc.constantFrom(...DOMAINS), fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 4 }), (domain, parts) => {
				const out = hash(domain, ...parts);
				expect(out.length).toBe(HASH_BYTES);
				expect(toHex(out)).toBe(reference(domain, ...parts));
			}),
			{ numRuns: 300 }
		);
	});

	it('parts are concatenated (callers pass fixed-length or self-delimiting parts)', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
				expect(toHex(hash('merkleNode', a, b))).toBe(toHex(hash('merkleNode', concat(a, b))));
			})
		);
	});
});

describe('hash: domain separation', () => {
	it('every tag is distinct, versioned and free of NUL, so no prefix is a prefix of another', () => {
		const tags = DOMAINS.map((d) => Domain[d]);
		expect(new Set(tags).size).toBe(tags.length);
		for (const tag of tags) {
			expect(tag).toMatch(/^agora\/v1\/[a-z-]+$/);
			expect(tag.includes('\0')).toBe(false);
		}
		for (const a of DOMAINS) {
			for (const b of DOMAINS) {
				if (a === b) continue;
				const pa = domainPrefix(a);
				const pb = domainPrefix(b);
				const isPrefix = pa.length <= pb.length && toHex(pb).startsWith(toHex(pa));
				expect(isPrefix, `${a} prefixes ${b}`).toBe(false);
			}
		}
	});

	it('the same bytes hashed under two different domains give different hashes', () => {
		fc.assert(
			fc.property(fc.constantFrom(...DOMAINS), fc.constantFrom(...DOMAINS), fc.uint8Array({ maxLength: 64 }), (a, b, data) => {
				fc.pre(a !== b);
				expect(toHex(hash(a, data))).not.toBe(toHex(hash(b, data)));
			}),
			{ numRuns: 300 }
		);
	});

	it('every pair of domains separates the empty message', () => {
		const all = DOMAINS.map((d) => toHex(hash(d)));
		expect(new Set(all).size).toBe(DOMAINS.length);
	});
});
