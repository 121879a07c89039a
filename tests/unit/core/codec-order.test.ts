/**
 * The codec orders map keys with cborg's default sorter (by UTF-8 length,
 * then bytewise) because it is faster; that is only right if, for the maps
 * the codec carries (text keys only), it gives exactly RFC 8949's bytewise
 * order of the encoded keys. Checked against cborg's own RFC 8949 encoder
 * on arbitrary nested values, keys of every length class and any Unicode.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codecString } from '../../helpers/arbitraries.js';
import { decode as cborDecode, encode as cborEncode, rfc8949EncodeOptions } from 'cborg';
import { encode, type Encodable } from '../../../src/lib/core/codec.js';
import { toHex } from '../../../src/lib/core/bytes.js';

/** Keys short and long enough for every text head size up to two length bytes (0–23, 24–255, 256+). */
const keyArb = fc.oneof(codecString({ maxLength: 8 }), codecString({ minLength: 20, maxLength: 30 }), fc.string({ minLength: 250, maxLength: 300 }));

const valueArb: fc.Arbitrary<Encodable> = fc.letrec<{ value: Encodable }>((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		fc.constant(null),
		fc.boolean(),
		fc.maxSafeInteger(),
		codecString({ maxLength: 10 }),
		fc.uint8Array({ maxLength: 20 }),
		fc.array(tie('value'), { maxLength: 4 }),
		fc.dictionary(keyArb, tie('value'), { maxKeys: 8, noNullPrototype: true })
	)
})).value;

describe('codec: map key order', () => {
	it('is byte for byte cborg\'s RFC 8949 encoding', () => {
		fc.assert(
			fc.property(valueArb, (value) => {
				expect(toHex(encode(value))).toBe(toHex(cborEncode(value, rfc8949EncodeOptions)));
			}),
			{ numRuns: 2000 }
		);
	});

	it('puts a shorter key first even when it sorts later as a string, at every head size', () => {
		const long = 'a'.repeat(24);
		const longer = 'a'.repeat(256);
		const value = { [longer]: 1, [long]: 2, aa: 3, b: 4 };
		// Read back as a Map, which keeps the order of the encoding.
		const order = [...(cborDecode(encode(value), { useMaps: true }) as Map<string, number>).keys()];
		expect(order).toEqual(['b', 'aa', long, longer]);
	});
});
