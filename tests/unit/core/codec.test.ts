/**
 * The canonical codec: deterministic CBOR (RFC 8949 §4.2.1). Fixed vectors
 * (mostly RFC 8949 Appendix A), a round-trip property, and rejection of every
 * kind of non-canonical or malformed input with a typed error.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codecString } from '../../helpers/arbitraries.js';
import { decode, encode, type Encodable } from '../../../src/lib/core/codec.js';
import { AgoraError, type ErrorCode } from '../../../src/lib/core/errors.js';
import { fromHex, toHex } from '../../../src/lib/core/bytes.js';
import { expectAgoraError } from '../../helpers/community.js';

const bytes = (hex: string): Uint8Array => fromHex(hex);

/** An arbitrary value the codec must carry: everything `Encodable` allows. */
const encodableArb: fc.Arbitrary<Encodable> = fc.letrec<{ value: Encodable }>((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		fc.constant(null),
		fc.boolean(),
		fc.maxSafeInteger(),
		fc.integer({ min: -30, max: 30 }),
		codecString({ maxLength: 12 }),
		fc.uint8Array({ maxLength: 40 }),
		fc.array(tie('value'), { maxLength: 5 }),
		fc.dictionary(codecString({ maxLength: 6 }), tie('value'), { maxKeys: 5, noNullPrototype: true })
	)
})).value;

describe('codec: fixed vectors', () => {
	const vectors: Array<[string, Encodable, string]> = [
		// unsigned integers: the shortest head that holds the value
		['0', 0, '00'],
		['1', 1, '01'],
		['10', 10, '0a'],
		['23 (largest immediate)', 23, '17'],
		['24 (smallest one-byte)', 24, '1818'],
		['100', 100, '1864'],
		['255', 255, '18ff'],
		['256', 256, '190100'],
		['1000', 1000, '1903e8'],
		['65535', 65535, '19ffff'],
		['65536', 65536, '1a00010000'],
		['1000000', 1000000, '1a000f4240'],
		['2^32 - 1', 0xffffffff, '1affffffff'],
		['2^32', 0x100000000, '1b0000000100000000'],
		['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
		// negative integers
		['-1', -1, '20'],
		['-10', -10, '29'],
		['-24', -24, '37'],
		['-25', -25, '3818'],
		['-100', -100, '3863'],
		['-1000', -1000, '3903e7'],
		['MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER, '3b001ffffffffffffe'],
		// text strings are UTF-8
		['empty string', '', '60'],
		['"a"', 'a', '6161'],
		['"IETF"', 'IETF', '6449455446'],
		['quote and backslash', '"\\', '62225c'],
		['ü', '\u00fc', '62c3bc'],
		['水', '\u6c34', '63e6b0b4'],
		['U+10151 (surrogate pair)', '\ud800\udd51', '64f0908591'],
		['24-byte string', 'abcdefghijklmnopqrstuvwx', '7818' + toHex(new TextEncoder().encode('abcdefghijklmnopqrstuvwx'))],
		// byte strings
		['empty bytes', new Uint8Array(0), '40'],
		['4 bytes', bytes('01020304'), '4401020304'],
		['a subarray encodes only its own bytes', new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4), '43010203'],
		// simple values
		['false', false, 'f4'],
		['true', true, 'f5'],
		['null', null, 'f6'],
		// arrays
		['[]', [], '80'],
		['[1, 2, 3]', [1, 2, 3], '83010203'],
		['[1, [2, 3], [4, 5]]', [1, [2, 3], [4, 5]], '8301820203820405'],
		['25 items', Array.from({ length: 25 }, (_, i) => i + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
		// maps: keys in bytewise order of their encodings
		['{}', {}, 'a0'],
		['{a: 1, b: [2, 3]}', { a: 1, b: [2, 3] }, 'a26161016162820203'],
		['["a", {b: "c"}]', ['a', { b: 'c' }], '826161a161626163'],
		['five keys', { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' }, 'a56161614161626142616361436164614461656145'],
		['keys given out of order', { b: 1, a: 2 }, 'a2616102616201'],
		// "b" (61 62) sorts before "aa" (62 61 61): the length is in the first byte
		['shorter key first, unlike string order', { aa: 1, b: 2 }, 'a2616202626161' + '01'],
		// "｡" U+FF61 (3 UTF-8 bytes) before "𐀀" U+10000 (4 bytes), although UTF-16 order says otherwise
		['bytewise UTF-8 order, not UTF-16 order', { '\ud800\udc00': 1, '\uff61': 2 }, 'a263efbda10264f090808001'],
		['nested map keys are sorted too', { z: { y: 1, x: 2 } }, 'a1617aa2617802617901']
	];

	it.each(vectors)('%s', (_name, value, hex) => {
		expect(toHex(encode(value))).toBe(hex);
		expect(decode(bytes(hex))).toEqual(value);
	});

	it('encodes objects the same whatever the insertion order of their keys', () => {
		fc.assert(
			fc.property(fc.dictionary(codecString({ maxLength: 6 }), fc.integer(), { maxKeys: 8 }), (obj) => {
				const reversed = Object.fromEntries(Object.entries(obj).reverse());
				expect(toHex(encode(reversed))).toBe(toHex(encode(obj)));
			})
		);
	});
});

describe('codec: round trip', () => {
	it('decode(encode(v)) equals v, and re-encoding gives the same bytes', () => {
		fc.assert(
			fc.property(encodableArb, (value) => {
				const encoded = encode(value);
				const decoded = decode(encoded);
				expect(decoded).toEqual(value);
				expect(toHex(encode(decoded as Encodable))).toBe(toHex(encoded));
			}),
			{ numRuns: 500 }
		);
	});

	it('different values never share an encoding', () => {
		fc.assert(
			fc.property(encodableArb, encodableArb, (a, b) => {
				fc.pre(!isDeepEqual(a, b));
				expect(toHex(encode(a))).not.toBe(toHex(encode(b)));
			}),
			{ numRuns: 300 }
		);
	});

	it('encode returns a plain Uint8Array of every size (never a pooled Node Buffer whose slice() is a view)', () => {
		for (let n = 0; n < 600; n += 7) {
			const out = encode([new Uint8Array(n), 'x'.repeat(n % 50)]);
			expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
			const copy = out.slice();
			copy[0] = copy[0]! ^ 0xff;
			expect(out[0]).not.toBe(copy[0]);
		}
	});

	it('decoded byte strings are plain Uint8Arrays that own their bytes', () => {
		const input = bytes('4401020304');
		const out = decode(input) as Uint8Array;
		expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
		expect([...out]).toEqual([1, 2, 3, 4]);
		input[1] = 9;
		expect([...out]).toEqual([1, 2, 3, 4]);
	});
});

function isDeepEqual(a: unknown, b: unknown): boolean {
	try {
		expect(a).toEqual(b);
		return true;
	} catch {
		return false;
	}
}

describe('codec: decode rejects non-canonical and malformed input', () => {
	const NC: ErrorCode = 'E_NON_CANONICAL';
	const DE: ErrorCode = 'E_DECODE';
	/** [name, hex, the codes it may be reported as] */
	const cases: Array<[string, string, ErrorCode[]]> = [
		['map keys out of order', 'a2616201616101', [NC]],
		['map keys in UTF-16 order instead of bytewise', 'a264f09080800163efbda102', [NC]],
		['longer key before shorter key', 'a2626161016162' + '02', [NC]],
		['duplicate map keys', 'a2616101616102', [DE, NC]],
		['integer 0 in one extra byte', '1800', [DE, NC]],
		['integer 23 in one extra byte', '1817', [DE, NC]],
		['integer 1 in two bytes', '190001', [DE, NC]],
		['integer 1 in four bytes', '1a00000001', [DE, NC]],
		['integer 1 in eight bytes', '1b0000000000000001', [DE, NC]],
		['integer 255 in two bytes', '1900ff', [DE, NC]],
		['negative integer in an extra byte', '3800', [DE, NC]],
		['byte-string length in an extra byte', '580100', [DE, NC]],
		['text length in an extra byte', '780161', [DE, NC]],
		['array length in an extra byte', '980101', [DE, NC]],
		['map length in an extra byte', 'b801616101', [DE, NC]],
		['indefinite-length array', '9f01ff', [DE, NC]],
		['indefinite-length map', 'bf616101ff', [DE, NC]],
		['indefinite-length bytes', '5f4100ff', [DE, NC]],
		['indefinite-length text', '7f6161ff', [DE, NC]],
		['half float 1.0 (an integer in float clothing)', 'f93c00', [DE, NC]],
		['half float 1.5', 'f93e00', [DE, NC]],
		['single float 1.5', 'fa3fc00000', [DE, NC]],
		['double float 1.5', 'fb3ff8000000000000', [DE, NC]],
		['negative zero', 'f98000', [DE, NC]],
		['NaN', 'f97e00', [DE, NC]],
		['Infinity', 'f97c00', [DE, NC]],
		['-Infinity', 'f9fc00', [DE, NC]],
		['undefined', 'f7', [DE, NC]],
		['unassigned simple value', 'e0', [DE, NC]],
		['two-byte simple value', 'f820', [DE, NC]],
		['trailing byte after an integer', '0000', [DE, NC]],
		['trailing byte after an array', '8001', [DE, NC]],
		['two maps back to back', 'a0a0', [DE, NC]],
		['empty input', '', [DE]],
		['truncated text', '62c3', [DE]],
		['truncated integer', '1a0000', [DE]],
		['truncated array', '830102', [DE]],
		['reserved additional info 28', '1c', [DE]],
		['break byte alone', 'ff', [DE]],
		['integer above MAX_SAFE_INTEGER', '1b0020000000000000', [DE, NC]],
		['integer 2^64 - 1', '1bffffffffffffffff', [DE, NC]],
		['negative integer below MIN_SAFE_INTEGER', '3b0020000000000000', [DE, NC]],
		['invalid UTF-8 (lone continuation byte)', '6180', [DE, NC]],
		['invalid UTF-8 (0xff)', '61ff', [DE, NC]],
		['UTF-8 encoded surrogate', '63eda080', [DE, NC]],
		['overlong UTF-8', '62c0af', [DE, NC]],
		['integer map key', 'a10101', [DE, NC]],
		['byte-string map key', 'a1410101', [DE, NC]],
		['tag 1 (epoch time)', 'c100', [DE, NC]],
		['tag 2 (bignum)', 'c24101', [DE, NC]],
		['tag 24 (embedded CBOR)', 'd818426162', [DE, NC]]
	];

	it.each(cases)('%s', (_name, hex, codes) => {
		let error: unknown;
		try {
			decode(bytes(hex));
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(AgoraError);
		expect(codes).toContain((error as AgoraError).code);
		expect((error as AgoraError).field).toBe('bytes');
	});

	it('rejects input that is not a Uint8Array', () => {
		for (const input of [null, undefined, 'a0', [0xa0], new Uint16Array([0xa0]).buffer]) {
			expectAgoraError(() => decode(input as unknown as Uint8Array), 'E_DECODE', 'bytes');
		}
	});

	it('rejects deeply nested input with a typed error, never a crash', () => {
		const deep = new Uint8Array(100_001).fill(0x81);
		deep[deep.length - 1] = 0x80;
		let error: unknown;
		try {
			decode(deep);
		} catch (e) {
			error = e;
		}
		// Decoding it is allowed too, as long as it is the canonical encoding; it must not escape as a RangeError.
		if (error !== undefined) expect(error).toBeInstanceOf(AgoraError);
	});

	it('random bytes either decode to a value whose encoding is exactly those bytes, or fail with E_DECODE / E_NON_CANONICAL', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 0, maxLength: 24 }), (input) => {
				checkDecodeIsCanonical(input);
			}),
			{ numRuns: 2000 }
		);
	});

	it('a single changed byte of a canonical encoding is rejected or decodes to a different value with exactly those bytes', () => {
		fc.assert(
			fc.property(encodableArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (value, at, delta) => {
				const encoded = encode(value);
				const tampered = encoded.slice();
				const i = at % tampered.length;
				tampered[i] = (tampered[i]! + delta) & 0xff;
				const decoded = checkDecodeIsCanonical(tampered);
				if (decoded !== undefined) expect(isDeepEqual(decoded.value, value)).toBe(false);
			}),
			{ numRuns: 1000 }
		);
	});
});

/** Decodes; a success must re-encode to the same bytes, a failure must be a typed decode error. */
function checkDecodeIsCanonical(input: Uint8Array): { value: unknown } | undefined {
	let value: unknown;
	try {
		value = decode(input);
	} catch (e) {
		expect(e).toBeInstanceOf(AgoraError);
		expect(['E_DECODE', 'E_NON_CANONICAL']).toContain((e as AgoraError).code);
		return undefined;
	}
	expect(toHex(encode(value as Encodable))).toBe(toHex(input));
	return { value };
}

describe('codec: encode rejects values outside the canonical subset', () => {
	const cases: Array<[string, unknown]> = [
		['a float', 1.5],
		['a float deep inside', { a: [1, { b: 0.1 }] }],
		['NaN', NaN],
		['Infinity', Infinity],
		['-Infinity', -Infinity],
		['an integer above MAX_SAFE_INTEGER', 2 ** 53],
		['an integer below MIN_SAFE_INTEGER', -(2 ** 53)],
		['a bigint', 10n],
		['undefined', undefined],
		['undefined in an array', [1, undefined]],
		['undefined as a map value', { a: undefined }],
		['a Map', new Map([['a', 1]])],
		['a Set', new Set([1])],
		['a Date', new Date(0)],
		['a symbol', Symbol('s')],
		['a function', () => 1],
		['a lone high surrogate', '\ud800'],
		['a lone low surrogate', 'a\udc00b'],
		['a lone surrogate in a map key', { '\ud800': 1 }],
		// A UTF-8 decoder drops a leading byte-order mark, so the value read back would differ from the one signed.
		['a string starting with a byte-order mark', '\ufeffhello'],
		['a map key starting with a byte-order mark', { '\ufeffk': 1 }]
	];

	it.each(cases)('%s', (_name, value) => {
		expectAgoraError(() => encode(value as Encodable), 'E_ENCODE');
	});

	it('names the field and value of a rejected number', () => {
		const e = expectAgoraError(() => encode({ x: 1.5 }), 'E_ENCODE', 'number');
		expect(e.value).toBe(1.5);
	});
});
