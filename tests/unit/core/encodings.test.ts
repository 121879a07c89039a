/**
 * Encodings the core keeps rather than recomputes: signed messages cut from
 * a record's cached encoding, encodings kept from the bytes a block was
 * decoded from, and the per-object memo they live in. Each must equal what
 * encoding afresh gives, for every shape of input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arrayItemOffsets, encode, withoutLastBytes, type Encodable } from '../../../src/lib/core/codec.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { hash } from '../../../src/lib/core/hash.js';
import { signedMessage } from '../../../src/lib/core/keys.js';
import { encodeTx, txId, txIdHex, txSignedMessage, txSigningPayload, txToTuple, type Tx } from '../../../src/lib/core/tx/tx.js';
import { blockHash, blockHashHex, decodeBlock, encodeBlock, encodeHeader, headerSignedMessage, headerSigningPayload, headerToTuple, type BlockHeader } from '../../../src/lib/core/block/block.js';
import { memo } from '../../../src/lib/core/memo.js';
import { expectAgoraError, genesisFor, key, makeTx, openChain, seal, T0 } from '../../helpers/community.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const bodyArb: fc.Arbitrary<Encodable> = fc.oneof(
	fc.record({ text: fc.string({ maxLength: 40 }) }),
	fc.record({ to: bytes(32, 32), amount: fc.nat() }),
	fc.array(fc.oneof(fc.integer(), fc.string(), bytes(0, 30)), { maxLength: 5 }),
	fc.constant(null)
);
/** Transactions of any field values, with signatures of any length (a malformed one still has an encoding). */
const txArb: fc.Arbitrary<Tx> = fc.record({
	chain: bytes(32, 32),
	from: bytes(32, 32),
	nonce: fc.maxSafeNat(),
	fee: fc.maxSafeNat(),
	created: fc.maxSafeNat(),
	expires: fc.maxSafeNat(),
	kind: fc.string({ minLength: 1, maxLength: 32 }),
	body: bodyArb,
	sig: fc.oneof(bytes(64, 64), bytes(0, 30), bytes(200, 300))
});

describe('signed messages cut from cached encodings', () => {
	it('a transaction\'s equals the domain prefix and its signing payload', () => {
		fc.assert(
			fc.property(txArb, (tx) => {
				const fresh = signedMessage('txSign', txSigningPayload(tx));
				expect(toHex(txSignedMessage(tx))).toBe(toHex(fresh));
				// And again once the encoding is cached.
				encodeTx(tx);
				expect(toHex(txSignedMessage(tx))).toBe(toHex(fresh));
			}),
			{ numRuns: 300 }
		);
	});

	it('a header\'s equals the domain prefix and its signing payload', () => {
		const headerArb = fc.record({
			chain: bytes(32, 32),
			height: fc.maxSafeNat(),
			parent: bytes(32, 32),
			time: fc.maxSafeNat(),
			proposer: bytes(32, 32),
			txRoot: bytes(32, 32),
			stateRoot: bytes(32, 32),
			clock: fc.dictionary(fc.string({ maxLength: 64 }), fc.integer({ min: 1 }), { maxKeys: 4 }),
			seal: bodyArb,
			sig: fc.oneof(bytes(64, 64), bytes(0, 30))
		});
		fc.assert(
			fc.property(headerArb, (h: BlockHeader) => {
				expect(toHex(headerSignedMessage(h))).toBe(toHex(signedMessage('headerSign', headerSigningPayload(h))));
			}),
			{ numRuns: 200 }
		);
	});

	it('refuses an encoding that is not an array of 1 to 23 items ending in the bytes given', () => {
		for (const value of [7, [], Array.from({ length: 24 }, () => 1), { a: 1 }]) {
			expectAgoraError(() => withoutLastBytes(encode(value as Encodable), new Uint8Array(64), new Uint8Array(0)), 'E_ENCODE', 'bytes');
		}
	});
});

describe('encodings kept from decoded bytes', () => {
	it('arrayItemOffsets finds each item\'s encoding', () => {
		fc.assert(
			fc.property(fc.array(fc.oneof(bodyArb, fc.integer(), fc.constant([]), fc.array(bodyArb, { maxLength: 3 })), { maxLength: 30 }), (items) => {
				const encoded = encode(items);
				const at = arrayItemOffsets(encoded);
				expect(at.length).toBe(items.length + 1);
				expect(at[items.length]).toBe(encoded.length);
				items.forEach((item, i) => expect(toHex(encoded.subarray(at[i], at[i + 1]))).toBe(toHex(encode(item))));
			}),
			{ numRuns: 300 }
		);
	});

	it('a decoded block\'s header and transactions hash and encode as if encoded afresh', async () => {
		const founder = key(0);
		const bob = key(1);
		const genesis = genesisFor(founder, { members: [founder, bob].map((k, i) => ({ key: k.publicKey, name: `m${i}` })) });
		const chain = await openChain(genesis);
		const block = await seal(chain, founder, [0, 1, 2].map((n) => makeTx(chain, bob, n, 'post', { text: `hello ${n}` })), T0 + 2000);
		for (const original of [genesis, block]) {
			const decoded = decodeBlock(encodeBlock(original));
			const h = decoded.header;
			expect(toHex(encodeHeader(h))).toBe(toHex(encode(headerToTuple(h))));
			expect(blockHashHex(h)).toBe(toHex(hash('header', encode(headerToTuple(h)))));
			expect(toHex(blockHash(h))).toBe(toHex(blockHash(original.header)));
			decoded.txs.forEach((tx, i) => {
				expect(toHex(encodeTx(tx))).toBe(toHex(encode(txToTuple(tx))));
				expect(txIdHex(tx)).toBe(toHex(hash('tx', encode(txToTuple(tx)))));
				expect(txIdHex(tx)).toBe(txIdHex(original.txs[i]!));
			});
		}
	});
});

describe('memo', () => {
	it('a copy made by spread is a new object with nothing cached', () => {
		fc.assert(
			fc.property(txArb, (tx) => {
				const id = txId(tx);
				const changed = { ...tx, nonce: tx.nonce === 0 ? 1 : tx.nonce - 1 };
				expect(toHex(txId(changed))).not.toBe(toHex(id));
				expect(toHex(txId(changed))).toBe(toHex(hash('tx', encode(txToTuple(changed)))));
				expect(Object.keys(tx)).toEqual(['chain', 'from', 'nonce', 'fee', 'created', 'expires', 'kind', 'body', 'sig']);
				expect(Object.getOwnPropertySymbols({ ...tx })).toEqual([]);
			}),
			{ numRuns: 50 }
		);
	});

	it('keeps values for frozen objects too', () => {
		const m = memo<object, number>('test');
		const open = {};
		const frozen = Object.freeze({});
		expect(m.get(open)).toBeUndefined();
		expect(m.set(open, 1)).toBe(1);
		expect(m.set(frozen, 2)).toBe(2);
		expect([m.get(open), m.get(frozen), m.get({})]).toEqual([1, 2, undefined]);
	});
});
