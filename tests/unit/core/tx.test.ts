/**
 * Signed transactions: a fixed vector, the signature binding every field, the
 * id covering every byte, and decodeTx rejecting anything but the exact layout.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { decodeTx, encodeTx, signTx, txFromTuple, txId, txIdHex, txSignedMessage, txSigningPayload, txToTuple, TX_VERSION, type Tx, type UnsignedTx } from '../../../src/lib/core/tx/tx.js';
import { decode, encode, type Encodable } from '../../../src/lib/core/codec.js';
import { AgoraError } from '../../../src/lib/core/errors.js';
import { concat, fromHex, toHex, utf8 } from '../../../src/lib/core/bytes.js';
import { verify, verifyRaw } from '../../../src/lib/core/keys.js';
import { expectAgoraError, key } from '../../helpers/community.js';

const CHAIN = new Uint8Array(32).fill(0xcc);
const alice = key(1);
const bob = key(2);

function unsigned(over: Partial<UnsignedTx> = {}): UnsignedTx {
	return { chain: CHAIN, from: alice.publicKey, nonce: 7, fee: 25, created: 1_750_000_001_000, expires: 1_750_003_601_000, kind: 'post', body: { text: 'hello' }, ...over };
}

/** Whether the transaction's own signature verifies (what verifyBlock checks). */
function sigValid(tx: Tx): boolean {
	return verifyRaw(txSignedMessage(tx), tx.sig, tx.from);
}

const FIXED_ENCODING =
	'8a01' +
	'5820' + 'cc'.repeat(32) +
	'5820' + '7422b9887598068e32c4448a949adb290d0f4e35b9e01b0ee5f1a1e600fe2674' +
	'07' + // nonce
	'1819' + // fee 25
	'1b000001977420dfe8' + // created
	'1b000001977457ce68' + // expires
	'64706f7374' + // "post"
	'a164746578746568656c6c6f' + // {text: "hello"}
	'5840' +
	'48b53948f5195202c925f58ab2c451e0fd4e73c65fdc2c8e3a6739c0e22be7799aae44f83c4509ee368ee2ce88adbd2bbb89a614b80bfa947606cafa4318590e';
const FIXED_ID = '3e168177e6beb14faff75f17d6ae6148aac2d3d3aa3197db5e55f2faa4f1cd62';

describe('tx: fixed vector', () => {
	const tx = signTx(unsigned(), alice);

	it('encodes to the fixed bytes and id', () => {
		expect(toHex(alice.publicKey)).toBe('7422b9887598068e32c4448a949adb290d0f4e35b9e01b0ee5f1a1e600fe2674');
		expect(toHex(encodeTx(tx))).toBe(FIXED_ENCODING);
		expect(txIdHex(tx)).toBe(FIXED_ID);
	});

	it('the id is SHA-256 over "agora/v1/tx\\0" and the whole signed encoding (node crypto agrees)', () => {
		const h = createHash('sha256').update(Buffer.from('agora/v1/tx\0')).update(fromHex(FIXED_ENCODING)).digest('hex');
		expect(h).toBe(FIXED_ID);
	});

	it('the signature is plain Ed25519 over "agora/v1/tx-sign\\0" and the unsigned tuple (node crypto agrees)', () => {
		// The unsigned tuple: the same fields, a 9-item array, no signature.
		const unsignedHex = '89' + FIXED_ENCODING.slice(2, FIXED_ENCODING.length - 2 * (2 + 64));
		expect(toHex(txSigningPayload(tx))).toBe(unsignedHex);
		const message = concat(utf8('agora/v1/tx-sign\0'), fromHex(unsignedHex));
		expect(toHex(txSignedMessage(tx))).toBe(toHex(message));
		const spki = concat(fromHex('302a300506032b6570032100'), alice.publicKey);
		const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
		expect(nodeVerify(null, message, publicKey, tx.sig)).toBe(true);
	});

	it('decodes back to the same transaction, with the same id', () => {
		const back = decodeTx(fromHex(FIXED_ENCODING));
		expect(back).toEqual(tx);
		expect(txIdHex(back)).toBe(FIXED_ID);
		expect(sigValid(back)).toBe(true);
	});

	it('the encoding is the tuple [version, chain, from, nonce, fee, created, expires, kind, body, sig]', () => {
		expect(decode(encodeTx(tx))).toEqual([TX_VERSION, CHAIN, alice.publicKey, 7, 25, 1_750_000_001_000, 1_750_003_601_000, 'post', { text: 'hello' }, tx.sig]);
		expect(txToTuple(tx)).toEqual(decode(encodeTx(tx)));
	});
});

/** Every field of an unsigned transaction, each with a generator of a different valid value. */
type Field = keyof UnsignedTx;
const FIELDS: Field[] = ['chain', 'from', 'nonce', 'fee', 'created', 'expires', 'kind', 'body'];

function otherValue(field: Field, tx: UnsignedTx): fc.Arbitrary<unknown> {
	const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
	const notSame = <T>(arb: fc.Arbitrary<T>, current: unknown): fc.Arbitrary<T> => arb.filter((v) => toHex(encode(v as Encodable)) !== toHex(encode(current as Encodable)));
	switch (field) {
		case 'chain':
		case 'from':
			return notSame(bytes32, tx[field]);
		case 'nonce':
		case 'fee':
		case 'created':
		case 'expires':
			return notSame(fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constant((tx[field] as number) + 1)), tx[field]);
		case 'kind':
			return notSame(fc.oneof(fc.constantFrom('post', 'member.join', 'member.leave', 'posT'), fc.string({ minLength: 1, maxLength: 32 })), tx.kind);
		case 'body':
			return notSame(fc.oneof(fc.record({ text: fc.string({ maxLength: 8 }) }), fc.constant({ text: 'hello', extra: 1 }), fc.constant({ Text: 'hello' })), tx.body);
	}
}

const fieldChange = fc.constantFrom(...FIELDS).chain((field) => otherValue(field, unsigned()).map((value) => ({ field, value })));

describe('tx: the signature binds every field', () => {
	it('the signed transaction verifies', () => {
		expect(sigValid(signTx(unsigned(), alice))).toBe(true);
	});

	it.each(FIELDS)('changing %s invalidates the signature', (field) => {
		const tx = signTx(unsigned(), alice);
		const value = fc.sample(otherValue(field, tx), { numRuns: 1, seed: 42 })[0];
		const changed = { ...tx, [field]: value } as Tx;
		expect(sigValid(changed)).toBe(false);
	});

	it('property: changing any one field invalidates the signature', () => {
		const tx = signTx(unsigned(), alice);
		fc.assert(
			fc.property(fieldChange, ({ field, value }) => {
				expect(sigValid({ ...tx, [field]: value } as Tx)).toBe(false);
			}),
			{ numRuns: 150 }
		);
	});

	it('the signature binds the sender: Bob cannot claim Alice\'s signed transaction, nor Alice Bob\'s', () => {
		const byAlice = signTx(unsigned(), alice);
		expect(sigValid({ ...byAlice, from: bob.publicKey })).toBe(false);
		// Alice signing a transaction that says it is from Bob does not make it Bob's.
		const forged = signTx(unsigned({ from: bob.publicKey }), alice);
		expect(sigValid(forged)).toBe(false);
	});

	it('fields cannot be shifted into one another (the reference\'s "k=v:k=v" ambiguity)', () => {
		const x = txSigningPayload(unsigned({ kind: 'post', body: { text: 'a:b' } }));
		const y = txSigningPayload(unsigned({ kind: 'post:a', body: { text: 'b' } }));
		expect(toHex(x)).not.toBe(toHex(y));
		fc.assert(
			fc.property(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }), fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }), (k1, t1, k2, t2) => {
				fc.pre(k1 !== k2 || t1 !== t2);
				expect(toHex(txSigningPayload(unsigned({ kind: k1, body: { text: t1 } })))).not.toBe(toHex(txSigningPayload(unsigned({ kind: k2, body: { text: t2 } }))));
			})
		);
	});

	it('a transaction signature does not verify as a block-header signature or in any other domain', () => {
		const tx = signTx(unsigned(), alice);
		const payload = txSigningPayload(tx);
		expect(verify('txSign', payload, tx.sig, tx.from)).toBe(true);
		expect(verify('headerSign', payload, tx.sig, tx.from)).toBe(false);
		expect(verify('tx', payload, tx.sig, tx.from)).toBe(false);
	});
});

describe('tx: the id covers every field', () => {
	it.each([...FIELDS, 'sig' as const])('changing %s changes the id', (field) => {
		const tx = signTx(unsigned(), alice);
		const value = field === 'sig' ? signTx(unsigned({ nonce: 8 }), alice).sig : fc.sample(otherValue(field, tx), { numRuns: 1, seed: 7 })[0];
		expect(txIdHex({ ...tx, [field]: value } as Tx)).not.toBe(txIdHex(tx));
	});

	it('the fee is covered (unlike the reference): same everything else, different fee, different id', () => {
		const a = signTx(unsigned({ fee: 1 }), alice);
		const b = signTx(unsigned({ fee: 2 }), alice);
		expect(txIdHex(a)).not.toBe(txIdHex(b));
	});

	it('property: changing any one field (or the signature) changes the id', () => {
		const tx = signTx(unsigned(), alice);
		fc.assert(
			fc.property(fc.oneof(fieldChange, fc.uint8Array({ minLength: 64, maxLength: 64 }).map((sig) => ({ field: 'sig' as const, value: sig }))), ({ field, value }) => {
				fc.pre(field !== 'sig' || toHex(value as Uint8Array) !== toHex(tx.sig));
				expect(txIdHex({ ...tx, [field]: value } as Tx)).not.toBe(txIdHex(tx));
			}),
			{ numRuns: 200 }
		);
	});

	it('ids are cached per object and do not depend on object identity', () => {
		const a = signTx(unsigned(), alice);
		const b = signTx(unsigned(), alice);
		expect(txIdHex(a)).toBe(txIdHex(b));
		// Cached: the same object gives the same bytes object; another object equal bytes, not the same object.
		expect(txId(a)).toBe(txId(a));
		expect(txId(a)).not.toBe(txId(b));
		expect(txId(a)).toEqual(txId(b));
	});
});

describe('tx: tampering with the encoding', () => {
	const txs = [
		signTx(unsigned(), alice),
		signTx(unsigned({ kind: 'member.join', body: { name: 'bob' }, from: bob.publicKey, nonce: 0, fee: 0 }), bob),
		signTx(unsigned({ kind: 'member.leave', body: {}, nonce: 300, fee: 70_000 }), alice)
	];

	it('any single changed byte makes the transaction fail to decode, or fail its signature with a new id', () => {
		fc.assert(
			fc.property(fc.constantFrom(...txs), fc.nat(), fc.integer({ min: 1, max: 255 }), (tx, at, delta) => {
				const bytes = encodeTx(tx).slice();
				const i = at % bytes.length;
				bytes[i] = (bytes[i]! + delta) & 0xff;
				let back: Tx;
				try {
					back = decodeTx(bytes);
				} catch (e) {
					expect(e).toBeInstanceOf(AgoraError);
					return;
				}
				expect(sigValid(back), `byte ${i} changed and the signature still verifies`).toBe(false);
				expect(txIdHex(back)).not.toBe(txIdHex(tx));
			}),
			{ numRuns: 200 }
		);
	});

	it('the same holds byte by byte over the whole fixed transaction, for a flipped low bit', () => {
		const tx = txs[0]!;
		const bytes = encodeTx(tx);
		for (let i = 0; i < bytes.length; i++) {
			const t = bytes.slice();
			t[i]! ^= 1;
			let back: Tx | undefined;
			try {
				back = decodeTx(t);
			} catch (e) {
				expect(e).toBeInstanceOf(AgoraError);
			}
			if (back) {
				expect(sigValid(back), `byte ${i}`).toBe(false);
				expect(txIdHex(back)).not.toBe(txIdHex(tx));
			}
		}
	});

	it('truncation anywhere and trailing bytes fail to decode', () => {
		const bytes = encodeTx(txs[0]!);
		for (let n = 0; n < bytes.length; n++) expect(() => decodeTx(bytes.subarray(0, n))).toThrow(AgoraError);
		expect(() => decodeTx(concat(bytes, new Uint8Array([0])))).toThrow(AgoraError);
	});
});

describe('tx: decodeTx rejects anything but the exact layout', () => {
	const tx = signTx(unsigned(), alice);
	const tuple = (): Encodable[] => txToTuple(tx);
	const withItem = (i: number, value: Encodable): Encodable[] => tuple().map((v, k) => (k === i ? value : v));

	const cases: Array<[string, () => Encodable, 'E_SCHEMA' | 'E_TX_FEE', string]> = [
		['version 0', () => withItem(0, 0), 'E_SCHEMA', 'tx.version'],
		['version 2', () => withItem(0, 2), 'E_SCHEMA', 'tx.version'],
		['version as a string', () => withItem(0, '1'), 'E_SCHEMA', 'tx.version'],
		['a field missing (9 items)', () => tuple().slice(0, 9), 'E_SCHEMA', 'tx'],
		['an extra field (11 items)', () => [...tuple(), 0], 'E_SCHEMA', 'tx'],
		['a map instead of a tuple', () => ({ version: 1 }), 'E_SCHEMA', 'tx'],
		['a chain id of 31 bytes', () => withItem(1, CHAIN.subarray(1)), 'E_SCHEMA', 'tx.chain'],
		['a chain id of 33 bytes', () => withItem(1, concat(CHAIN, new Uint8Array(1))), 'E_SCHEMA', 'tx.chain'],
		['a chain id as hex', () => withItem(1, toHex(CHAIN)), 'E_SCHEMA', 'tx.chain'],
		['a sender key of 31 bytes', () => withItem(2, alice.publicKey.subarray(1)), 'E_SCHEMA', 'tx.from'],
		['a sender key of 33 bytes', () => withItem(2, concat(alice.publicKey, new Uint8Array(1))), 'E_SCHEMA', 'tx.from'],
		['a negative nonce', () => withItem(3, -1), 'E_SCHEMA', 'tx.nonce'],
		['a nonce as a string', () => withItem(3, '7'), 'E_SCHEMA', 'tx.nonce'],
		['a negative fee', () => withItem(4, -1), 'E_TX_FEE', 'tx.fee'],
		['a fee as bytes', () => withItem(4, new Uint8Array(1)), 'E_TX_FEE', 'tx.fee'],
		['a negative created time', () => withItem(5, -1), 'E_SCHEMA', 'tx.created'],
		['a null expiry', () => withItem(6, null), 'E_SCHEMA', 'tx.expires'],
		['an empty kind', () => withItem(7, ''), 'E_SCHEMA', 'tx.kind'],
		['a kind of 33 bytes', () => withItem(7, 'k'.repeat(33)), 'E_SCHEMA', 'tx.kind'],
		['a kind as a number', () => withItem(7, 1), 'E_SCHEMA', 'tx.kind'],
		['a signature of 63 bytes', () => withItem(9, tx.sig.subarray(1)), 'E_SCHEMA', 'tx.sig'],
		['a signature of 65 bytes', () => withItem(9, concat(tx.sig, new Uint8Array(1))), 'E_SCHEMA', 'tx.sig'],
		['no signature (null)', () => withItem(9, null), 'E_SCHEMA', 'tx.sig']
	];

	it.each(cases)('%s', (_name, make, code, field) => {
		expectAgoraError(() => decodeTx(encode(make())), code, field);
	});

	it('the valid tuple the cases start from does decode', () => {
		expect(txIdHex(decodeTx(encode(tuple())))).toBe(txIdHex(tx));
		expect(txIdHex(txFromTuple(tuple()))).toBe(txIdHex(tx));
	});

	it('non-canonical bytes are rejected before the layout is looked at', () => {
		// The fixed encoding with the nonce 7 written in two bytes instead of one.
		const bytes = encodeTx(tx);
		const nonceAt = 2 + 34 + 34;
		expect(bytes[nonceAt]).toBe(0x07);
		const padded = concat(bytes.subarray(0, nonceAt), new Uint8Array([0x18, 0x07]), bytes.subarray(nonceAt + 1));
		const e = expectAgoraError(() => decodeTx(padded), 'E_DECODE');
		expect(e.field).toBe('bytes');
	});

	it('round trip: decodeTx(encodeTx(tx)) equals tx for random transactions', () => {
		fc.assert(
			fc.property(
				fc.record({
					chain: fc.uint8Array({ minLength: 32, maxLength: 32 }),
					nonce: fc.maxSafeNat(),
					fee: fc.maxSafeNat(),
					created: fc.maxSafeNat(),
					expires: fc.maxSafeNat(),
					kind: fc.string({ minLength: 1, maxLength: 32, unit: 'grapheme-ascii' }),
					body: fc.oneof(fc.constant({}), fc.record({ text: fc.string() }), fc.constant(null), fc.array(fc.integer()))
				}),
				(fields) => {
					const tx = signTx({ ...fields, from: alice.publicKey } as UnsignedTx, alice);
					const back = decodeTx(encodeTx(tx));
					expect(back).toEqual(tx);
					expect(txIdHex(back)).toBe(txIdHex(tx));
					expect(sigValid(back)).toBe(true);
				}
			),
			{ numRuns: 60 }
		);
	});
});
