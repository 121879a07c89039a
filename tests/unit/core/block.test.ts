/**
 * Blocks: the header layout, the hash and signature covering every header
 * field, decodeBlock's checks, and tampering with an encoded block.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
	blockHash,
	blockHashHex,
	blockToTuple,
	blockTxBytes,
	decodeBlock,
	encodeBlock,
	encodeHeader,
	headerFromTuple,
	headerSignedMessage,
	headerSigningPayload,
	headerToTuple,
	BLOCK_VERSION,
	txMerkleTree,
	type Block,
	signHeader,
	type BlockHeader,
	type UnsignedHeader
} from '../../../src/lib/core/block/block.js';
import { signatureChecks, type Chain } from '../../../src/lib/core/chain.js';
import { arrayHead, decode, encode, type Encodable } from '../../../src/lib/core/codec.js';
import { AgoraError } from '../../../src/lib/core/errors.js';
import { verify, verifyRaw } from '../../../src/lib/core/keys.js';
import { merkleRoot, verifyInclusion } from '../../../src/lib/core/merkle.js';
import { encodeTx } from '../../../src/lib/core/tx/tx.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { expectAgoraError, expectAgoraErrorAsync, genesisFor, key, makeTx, openChain, proposeAt, T0, verified } from '../../helpers/community.js';

const founder = key(0);
const bob = key(1);
let chain: Chain;
/** A valid block at height 1 with two transactions. */
let block: Block;

beforeAll(async () => {
	chain = await openChain(genesisFor(founder));
	const txs = [makeTx(chain, bob, 0, 'member.join', { name: 'bob' }), makeTx(chain, bob, 1, 'post', { text: 'hello' })];
	block = proposeAt(chain, founder, txs, T0 + 2000).block;
});

function unsignedOf(h: BlockHeader): UnsignedHeader {
	const { sig: _sig, ...rest } = h;
	return rest;
}

const headerSigValid = (h: BlockHeader): boolean => verifyRaw(headerSignedMessage(h), h.sig, h.proposer);

type HField = keyof UnsignedHeader;
const HFIELDS: HField[] = ['chain', 'height', 'parent', 'time', 'proposer', 'txRoot', 'stateRoot', 'clock', 'seal'];

function otherHeaderValue(field: HField, h: UnsignedHeader): fc.Arbitrary<Encodable> {
	const b32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
	const differs = (arb: fc.Arbitrary<Encodable>): fc.Arbitrary<Encodable> => arb.filter((v) => toHex(encode(v)) !== toHex(encode(h[field] as Encodable)));
	switch (field) {
		case 'chain':
		case 'parent':
		case 'proposer':
		case 'txRoot':
		case 'stateRoot':
			return differs(b32);
		case 'height':
		case 'time':
			return differs(fc.oneof(fc.maxSafeNat(), fc.constant((h[field] as number) + 1)));
		case 'clock':
			return differs(fc.dictionary(fc.constantFrom('a', 'b', toHex(founder.publicKey), toHex(bob.publicKey)), fc.integer({ min: 1, max: 5 }), { maxKeys: 3 }));
		case 'seal':
			return differs(fc.oneof(fc.constant({ difficulty: 1 }), fc.constant({ difficulty: 2 }), fc.constant({}), fc.constant({ difficulty: 2, nonce: 0 })));
	}
}

describe('block: header layout', () => {
	it('the header is the tuple [version, chain, height, parent, time, proposer, txRoot, stateRoot, clock, seal, sig]', () => {
		const h = block.header;
		expect(decode(encodeHeader(h))).toEqual([BLOCK_VERSION, h.chain, 1, h.parent, h.time, h.proposer, h.txRoot, h.stateRoot, h.clock, h.seal, h.sig]);
		expect(headerToTuple(h)).toEqual(decode(encodeHeader(h)));
		expect(decode(headerSigningPayload(h))).toEqual(headerToTuple(h).slice(0, 10));
	});

	it('the block hash is SHA-256 under "agora/v1/header" of the whole signed header', async () => {
		const { createHash } = await import('node:crypto');
		const expected = createHash('sha256').update(Buffer.from('agora/v1/header\0')).update(encodeHeader(block.header)).digest('hex');
		expect(blockHashHex(block.header)).toBe(expected);
		expect(toHex(blockHash(block.header))).toBe(expected);
	});

	it('the proposer signs the header under "agora/v1/header-sign"', () => {
		expect(verify('headerSign', headerSigningPayload(block.header), block.header.sig, founder.publicKey)).toBe(true);
		expect(verify('txSign', headerSigningPayload(block.header), block.header.sig, founder.publicKey)).toBe(false);
	});

	it('txRoot is the Merkle root of the signed transaction encodings, and proves each of them', () => {
		expect(toHex(block.header.txRoot)).toBe(toHex(merkleRoot(block.txs.map(encodeTx))));
		const tree = txMerkleTree(block.txs);
		block.txs.forEach((tx, i) => {
			expect(verifyInclusion(encodeTx(tx), tree.proof(i), block.header.txRoot)).toBe(true);
		});
		expect(blockTxBytes(block.txs)).toBe(block.txs.reduce((n, tx) => n + encodeTx(tx).length, 0));
	});

	it('signatureChecks lists the header signature, then every transaction signature', () => {
		const checks = signatureChecks(block);
		expect(checks).toHaveLength(3);
		expect(toHex(checks[0]!.publicKey)).toBe(toHex(founder.publicKey));
		expect(checks.every((c) => verifyRaw(c.message, c.signature, c.publicKey))).toBe(true);
	});
});

describe('block: the hash and signature cover every header field', () => {
	it.each(HFIELDS)('changing %s changes the hash and breaks the signature', (field) => {
		const h = block.header;
		const value = fc.sample(otherHeaderValue(field, h), { numRuns: 1, seed: 3 })[0]!;
		const changed = { ...h, [field]: value } as BlockHeader;
		expect(blockHashHex(changed)).not.toBe(blockHashHex(h));
		expect(headerSigValid(changed)).toBe(false);
	});

	it('changing the signature changes the hash', () => {
		const h = block.header;
		const sig = h.sig.slice();
		sig[10]! ^= 1;
		expect(blockHashHex({ ...h, sig })).not.toBe(blockHashHex(h));
	});

	it('property: changing any header field changes the hash and breaks the signature', () => {
		const h = block.header;
		const change = fc.constantFrom(...HFIELDS).chain((field) => otherHeaderValue(field, h).map((value) => ({ field, value })));
		fc.assert(
			fc.property(change, ({ field, value }) => {
				const changed = { ...h, [field]: value } as BlockHeader;
				expect(blockHashHex(changed)).not.toBe(blockHashHex(h));
				expect(headerSigValid(changed)).toBe(false);
			}),
			{ numRuns: 100 }
		);
	});

	it('the signature binds the proposer key: another key signing the same header does not verify as the proposer', () => {
		const bySomeoneElse = signHeader(unsignedOf(block.header), key(7));
		expect(toHex(bySomeoneElse.proposer)).toBe(toHex(founder.publicKey));
		expect(headerSigValid(bySomeoneElse)).toBe(false);
	});
});

describe('block: decodeBlock', () => {
	it('round trip: decodeBlock(encodeBlock(b)) has the same hash, transactions and encoding', () => {
		const back = decodeBlock(encodeBlock(block));
		expect(blockHashHex(back.header)).toBe(blockHashHex(block.header));
		expect(back.txs.map((t) => toHex(encodeTx(t)))).toEqual(block.txs.map((t) => toHex(encodeTx(t))));
		expect(toHex(encodeBlock(back))).toBe(toHex(encodeBlock(block)));
		expect(back.genesis).toBeUndefined();
	});

	it('encodeBlock joins the cached parts into exactly the encoding of the whole tuple, at every array-head size', () => {
		const genesis = genesisFor(founder);
		expect(toHex(encodeBlock(genesis))).toBe(toHex(encode(blockToTuple(genesis))));
		for (const count of [0, 1, 23, 24, 255, 256]) {
			const many: Block = { header: block.header, txs: Array.from({ length: count }, (_, i) => block.txs[i % block.txs.length]!) };
			expect(toHex(encodeBlock(many)), `${count} transactions`).toBe(toHex(encode(blockToTuple(many))));
		}
	});

	it('arrayHead is the head cborg writes for an array of that many items', () => {
		for (const count of [0, 23, 24, 255, 256, 65_535, 65_536]) {
			const whole = encode(new Array(count).fill(null));
			expect(toHex(arrayHead(count)), `${count}`).toBe(toHex(whole.subarray(0, whole.length - count)));
		}
	});

	const header = (): Encodable[] => headerToTuple(block.header);
	const withItem = (i: number, v: Encodable): Encodable[] => header().map((x, k) => (k === i ? v : x));
	const txs = (): Encodable[] => (decode(encodeBlock(block)) as Encodable[])[1] as Encodable[];

	const cases: Array<[string, () => Encodable, string, string]> = [
		['header version 2', () => [withItem(0, 2), txs()], 'E_SCHEMA', 'block.header.version'],
		['header with 10 items', () => [header().slice(0, 10), txs()], 'E_SCHEMA', 'block.header'],
		['header with 12 items', () => [[...header(), 0], txs()], 'E_SCHEMA', 'block.header'],
		['chain id of 31 bytes', () => [withItem(1, new Uint8Array(31)), txs()], 'E_SCHEMA', 'block.header.chain'],
		['negative height', () => [withItem(2, -1), txs()], 'E_SCHEMA', 'block.header.height'],
		['parent of 33 bytes', () => [withItem(3, new Uint8Array(33)), txs()], 'E_SCHEMA', 'block.header.parent'],
		['time as a string', () => [withItem(4, 'now'), txs()], 'E_SCHEMA', 'block.header.time'],
		['proposer of 31 bytes', () => [withItem(5, new Uint8Array(31)), txs()], 'E_SCHEMA', 'block.header.proposer'],
		['txRoot of 31 bytes', () => [withItem(6, new Uint8Array(31)), txs()], 'E_SCHEMA', 'block.header.txRoot'],
		['stateRoot missing (null)', () => [withItem(7, null), txs()], 'E_SCHEMA', 'block.header.stateRoot'],
		['clock with a zero entry', () => [withItem(8, { a: 0 }), txs()], 'E_BLOCK_CLOCK', 'block.header.clock'],
		['clock as a list', () => [withItem(8, [1]), txs()], 'E_BLOCK_CLOCK', 'block.header.clock'],
		['signature of 63 bytes', () => [withItem(10, new Uint8Array(63)), txs()], 'E_SCHEMA', 'block.header.sig'],
		['no transaction list', () => [header()], 'E_SCHEMA', 'block'],
		['four items', () => [header(), txs(), {}, 0], 'E_SCHEMA', 'block'],
		['transactions not a list', () => [header(), {}], 'E_SCHEMA', 'block.txs'],
		['a malformed transaction', () => [header(), [txs()[0]!, [1, 2, 3]]], 'E_SCHEMA', 'block.txs[1]'],
		['a map instead of a tuple', () => ({ header: header() }), 'E_SCHEMA', 'block']
	];

	it.each(cases)('rejects %s', (_name, make, code, field) => {
		expectAgoraError(() => decodeBlock(encode(make())), code as 'E_SCHEMA', field);
	});

	it('rejects more transactions than allowed before reading them', () => {
		expectAgoraError(() => decodeBlock(encodeBlock(block), 1), 'E_SCHEMA', 'block.txs');
		expect(decodeBlock(encodeBlock(block), 2).txs).toHaveLength(2);
	});

	it('headerFromTuple reads exactly what headerToTuple wrote', () => {
		expect(blockHashHex(headerFromTuple(headerToTuple(block.header)))).toBe(blockHashHex(block.header));
	});
});

describe('block: tampering with an encoded block', () => {
	it('the untampered block is accepted (the property below is not vacuous)', async () => {
		const fresh = await openChain(genesisFor(founder));
		expect(fresh.add(await verified(decodeBlock(encodeBlock(block))), T0 + 2000).status).toBe('head');
	});

	it('any single changed byte makes it fail to decode, fail verification, or be rejected by the chain', async () => {
		const bytes = encodeBlock(block);
		const target = await openChain(genesisFor(founder));
		await fc.assert(
			fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (at, delta) => {
				const t = bytes.slice();
				const i = at % t.length;
				t[i] = (t[i]! + delta) & 0xff;
				let stage = 'decode';
				try {
					const b = decodeBlock(t);
					stage = 'verify';
					const vb = await verified(b);
					stage = 'add';
					target.add(vb, T0 + 2000);
					stage = 'accepted';
				} catch (e) {
					expect(e).toBeInstanceOf(AgoraError);
				}
				expect(stage, `byte ${i} changed by ${delta}`).not.toBe('accepted');
				expect(target.height).toBe(0);
			}),
			{ numRuns: 150 }
		);
	});

	it('a header signature from the wrong key or over other fields fails verifyBlock', async () => {
		await expectAgoraErrorAsync(() => verified({ ...block, header: { ...block.header, time: block.header.time + 1 } }), 'E_BLOCK_SIGNATURE', 'header.sig');
		await expectAgoraErrorAsync(() => verified({ ...block, header: { ...block.header, proposer: bob.publicKey } }), 'E_BLOCK_SIGNATURE', 'header.sig');
	});

	it('a transaction whose signature does not match fails verifyBlock, naming it', async () => {
		const [t0, t1] = block.txs as [Block['txs'][0], Block['txs'][0]];
		const forged = { ...t1, sig: t0.sig };
		await expectAgoraErrorAsync(() => verified({ ...block, txs: [t0, forged] }), 'E_TX_SIGNATURE', 'txs[1].sig');
	});
});
