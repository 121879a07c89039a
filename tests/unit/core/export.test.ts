/**
 * The chain export format (docs/export-format.md): its byte layout as a
 * vector checked by an independent implementation of the framing, the
 * writer's and reader's rules one test each, streaming in chunks of any size,
 * loading into a Chain with the first bad block named, and transaction
 * inclusion proofs checked against a header alone.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { blockHash, blockHashHex, encodeBlock, signHeader, txMerkleTree, type Block } from '../../../src/lib/core/block/block.js';
import { concat, toHex, utf8 } from '../../../src/lib/core/bytes.js';
import { encode } from '../../../src/lib/core/codec.js';
import { AgoraError, type ErrorCode } from '../../../src/lib/core/errors.js';
import { ExportError, MAX_RECORD_BYTES } from '../../../src/lib/core/export/format.js';
import { loadExport, type LoadOptions } from '../../../src/lib/core/export/load.js';
import { readExport, type ExportItem, type ExportSource } from '../../../src/lib/core/export/reader.js';
import { encodeExport, exportChunks } from '../../../src/lib/core/export/writer.js';
import { checkTxProof, txProof, txProofFromJson, txProofToJson, type TxProof } from '../../../src/lib/core/export/proof.js';
import { nobleVerifier } from '../../../src/lib/core/verify.js';
import { encodeTx, signTx, txId } from '../../../src/lib/core/tx/tx.js';
import { key, resign, T0 } from '../../helpers/community.js';
import { founder, LATER, smallChain } from '../cli/fixtures.js';

const fixture = await smallChain(4);
const { blocks, bytes } = fixture;
const chainId = blockHash(blocks[0]!.header);
const loadOptions: LoadOptions = { verifier: nobleVerifier, now: LATER };

/* An independent implementation of the framing, straight from the specification. */
const MAGIC_HEX = '8941474f52410d0a';
function be(n: number | bigint, width: number): Uint8Array {
	const out = new Uint8Array(width);
	let v = BigInt(n);
	for (let i = width - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
	return out;
}
interface FrameOptions {
	readonly magic?: Uint8Array;
	readonly version?: number;
	readonly chain?: Uint8Array;
	readonly count?: number;
	readonly trailerLength?: number;
}
function frame(records: ReadonlyArray<readonly [number, Uint8Array]>, o: FrameOptions = {}): Uint8Array {
	const body = concat(
		o.magic ?? Uint8Array.from(Buffer.from(MAGIC_HEX, 'hex')),
		be(o.version ?? 1, 2),
		o.chain ?? chainId,
		...records.map(([tag, payload]) => concat(Uint8Array.of(tag), be(payload.length, 4), payload)),
		Uint8Array.of(0x45),
		be(o.trailerLength ?? 40, 4),
		be(o.count ?? records.length, 8)
	);
	return concat(body, sha256(concat(utf8('agora/v1/export\0'), body)));
}
const blockRecords = (list: readonly Block[]): Array<[number, Uint8Array]> => list.map((b) => [0x42, encodeBlock(b)]);

async function items(source: ExportSource): Promise<ExportItem[]> {
	const out: ExportItem[] = [];
	for await (const item of readExport(source)) out.push(item);
	return out;
}

async function readError(source: ExportSource): Promise<ExportError> {
	try {
		await items(source);
	} catch (e) {
		expect(e).toBeInstanceOf(ExportError);
		return e as ExportError;
	}
	throw new Error('the export was read without error');
}

function expectAt(e: ExportError, code: ErrorCode, at: { record: number | null; offset?: number; height?: number; tx?: number }, message?: RegExp): void {
	expect({ code: e.code, record: e.record, ...(at.offset === undefined ? {} : { offset: e.offset }), height: e.height, tx: e.tx }, e.message).toEqual({
		code,
		record: at.record,
		...(at.offset === undefined ? {} : { offset: at.offset }),
		height: at.height,
		tx: at.tx
	});
	if (message) expect(e.message).toMatch(message);
}

const recordOffsets: number[] = [];
{
	let at = 42;
	for (const b of blocks) {
		recordOffsets.push(at);
		at += 5 + encodeBlock(b).length;
	}
	recordOffsets.push(at);
}
const trailerOffset = recordOffsets[blocks.length]!;

describe('export layout', () => {
	it('is the magic, version 1 and the chain id, one block record per block, then the count and the digest of every byte before it', () => {
		expect(toHex(bytes.subarray(0, 8))).toBe(MAGIC_HEX);
		expect(toHex(bytes.subarray(8, 10))).toBe('0001');
		expect(toHex(bytes.subarray(10, 42))).toBe(toHex(chainId));
		blocks.forEach((b, i) => {
			const at = recordOffsets[i]!;
			const payload = encodeBlock(b);
			expect(bytes[at]).toBe(0x42);
			expect(toHex(bytes.subarray(at + 1, at + 5))).toBe(toHex(be(payload.length, 4)));
			expect(toHex(bytes.subarray(at + 5, at + 5 + payload.length))).toBe(toHex(payload));
		});
		expect(toHex(bytes.subarray(trailerOffset, trailerOffset + 13))).toBe('45' + '00000028' + '0000000000000005');
		expect(bytes.length).toBe(trailerOffset + 45);
		const digest = sha256(concat(utf8('agora/v1/export\0'), bytes.subarray(0, bytes.length - 32)));
		expect(toHex(bytes.subarray(bytes.length - 32))).toBe(toHex(digest));
		expect(toHex(frame(blockRecords(blocks)))).toBe(toHex(bytes));
	});

	it('comes out of the writer one chunk per record', () => {
		const chunks = [...exportChunks(blocks)];
		expect(chunks).toHaveLength(blocks.length + 2);
		expect(chunks.map((c) => c.length)).toEqual([42, ...blocks.map((b) => 5 + encodeBlock(b).length), 45]);
	});
});

describe('the writer refuses what is not a chain from its genesis', () => {
	it('refuses no blocks at all', () => {
		expect(() => encodeExport([])).toThrow(expect.objectContaining({ code: 'E_EXPORT', field: 'blocks' }));
	});
	it('refuses a first block that is not a genesis block', () => {
		expect(() => encodeExport(blocks.slice(1))).toThrow(expect.objectContaining({ code: 'E_EXPORT', field: 'blocks[0].header.height' }));
		const { genesis: _g, ...noConfig } = blocks[0]!;
		expect(() => encodeExport([noConfig])).toThrow(expect.objectContaining({ code: 'E_EXPORT', field: 'blocks[0].genesis' }));
	});
	it('refuses blocks out of height order', () => {
		expect(() => encodeExport([blocks[0]!, blocks[2]!])).toThrow(expect.objectContaining({ code: 'E_EXPORT', field: 'blocks[1].header.height' }));
	});
});

describe('the reader', () => {
	it('yields the chain id, each block at its offset and the totals', async () => {
		const got = await items([bytes]);
		expect(got[0]).toEqual({ type: 'start', version: 1, chainId });
		expect(got.slice(1, -1).map((i) => i.type === 'block' && [i.index, i.offset, toHex(encodeBlock(i.block))])).toEqual(blocks.map((b, i) => [i, recordOffsets[i], toHex(encodeBlock(b))]));
		expect(got[got.length - 1]).toEqual({ type: 'end', blocks: blocks.length, bytes: bytes.length });
	});

	it('reads the same from chunks of any size, synchronous or not (property)', async () => {
		const whole = (await items([bytes])).map((i) => (i.type === 'block' ? toHex(encodeBlock(i.block)) : i));
		await fc.assert(
			fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), fc.boolean(), async (cuts, asynchronous) => {
				const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
				const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
				const source: ExportSource = asynchronous ? (async function* () { yield* chunks; })() : chunks;
				const got = (await items(source)).map((i) => (i.type === 'block' ? toHex(encodeBlock(i.block)) : i));
				expect(got).toEqual(whole);
			}),
			{ seed: 20251122, numRuns: 60 }
		);
	});

	it('lets go of its source when it stops early', async () => {
		let closed = 0;
		const source: AsyncIterable<Uint8Array> = {
			[Symbol.asyncIterator]: () => {
				const chunks = [bytes.subarray(0, 100), Uint8Array.of(0xff), bytes.subarray(100)];
				return {
					next: async () => (chunks.length ? { done: false, value: chunks.shift()! } : { done: true, value: undefined }),
					return: async () => {
						closed++;
						return { done: true, value: undefined };
					}
				};
			}
		};
		await readError(source);
		expect(closed).toBe(1);
		const early = readExport(source);
		await early.next();
		await early.return(undefined);
		expect(closed).toBe(2);
	});

	it('rejects the wrong magic', async () => {
		expectAt(await readError([frame(blockRecords(blocks), { magic: utf8('AGORA!\r\n') })]), 'E_EXPORT', { record: null, offset: 0 }, /not an Agora export/);
	});
	it('rejects a file that ends inside the magic', async () => {
		expectAt(await readError([bytes.subarray(0, 5)]), 'E_EXPORT', { record: null, offset: 0 }, /ends at byte 5, inside the magic/);
	});
	it('rejects a file that ends inside the preamble', async () => {
		expectAt(await readError([bytes.subarray(0, 20)]), 'E_EXPORT', { record: null, offset: 0 }, /ends at byte 20, inside the preamble/);
	});
	it('rejects a version it does not know', async () => {
		expectAt(await readError([frame(blockRecords(blocks), { version: 2 })]), 'E_EXPORT', { record: null, offset: 0 }, /version 2 is not supported/);
	});
	it('rejects an unknown record tag', async () => {
		const records = blockRecords(blocks);
		records[1] = [0x43, records[1]![1]];
		expectAt(await readError([frame(records)]), 'E_EXPORT', { record: 1, offset: recordOffsets[1] }, /unknown record tag 0x43/);
	});
	it('rejects a record longer than the limit before reading it', async () => {
		const head = concat(bytes.subarray(0, recordOffsets[1]!), Uint8Array.of(0x42), be(MAX_RECORD_BYTES + 1, 4));
		expectAt(await readError([head]), 'E_EXPORT', { record: 1, offset: recordOffsets[1] }, /larger than the limit/);
	});
	it('rejects a file that ends inside a record', async () => {
		expectAt(await readError([bytes.subarray(0, recordOffsets[2]! + 9)]), 'E_EXPORT', { record: 2, offset: recordOffsets[2] }, /inside record 2/);
	});
	it('rejects a file that ends between records, before the trailer', async () => {
		expectAt(await readError([bytes.subarray(0, recordOffsets[3])]), 'E_EXPORT', { record: 3, offset: recordOffsets[3] }, /no trailer was found/);
	});
	it('rejects a file that ends inside the trailer', async () => {
		expectAt(await readError([bytes.subarray(0, bytes.length - 1)]), 'E_EXPORT', { record: 5, offset: trailerOffset }, /inside the trailer/);
	});
	it('rejects a trailer of the wrong length', async () => {
		expectAt(await readError([frame(blockRecords(blocks), { trailerLength: 41 })]), 'E_EXPORT', { record: 5, offset: trailerOffset }, /trailer's length must be 40/);
	});
	it('rejects a trailer whose count is not the number of blocks', async () => {
		expectAt(await readError([frame(blockRecords(blocks), { count: 4 })]), 'E_EXPORT', { record: 5, offset: trailerOffset }, /counts 4 blocks but the file holds 5/);
	});
	it('rejects an export without blocks', async () => {
		expectAt(await readError([frame([])]), 'E_EXPORT', { record: 0, offset: 42 }, /holds no blocks/);
	});
	it('rejects a digest that does not match', async () => {
		const bad = bytes.slice();
		bad[bad.length - 1]! ^= 1;
		expectAt(await readError([bad]), 'E_EXPORT', { record: 5, offset: trailerOffset }, /digest/);
	});
	it('rejects bytes after the trailer', async () => {
		expectAt(await readError([bytes, Uint8Array.of(0)]), 'E_EXPORT', { record: 6, offset: bytes.length }, /after the trailer/);
	});
	it('rejects blocks out of height order', async () => {
		expectAt(await readError([frame(blockRecords([blocks[0]!, blocks[2]!, blocks[1]!]))]), 'E_EXPORT', { record: 1, height: 1 }, /height is 2/);
	});
	it('rejects a genesis block that is not the chain the preamble names', async () => {
		expectAt(await readError([frame(blockRecords(blocks), { chain: new Uint8Array(32) })]), 'E_EXPORT', { record: 0, height: 0 }, /not the chain id/);
	});
	it('rejects a record that is not CBOR', async () => {
		const records = blockRecords(blocks);
		records[2] = [0x42, Uint8Array.of(0xff)];
		expectAt(await readError([frame(records)]), 'E_DECODE', { record: 2, height: 2 });
	});
	it('rejects a record that is not canonical CBOR', async () => {
		const records = blockRecords(blocks);
		records[2] = [0x42, Uint8Array.of(0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02)]; // {b: 1, a: 2}: keys out of order
		expectAt(await readError([frame(records)]), 'E_NON_CANONICAL', { record: 2, height: 2 });
	});
	it('rejects a record that is not a block', async () => {
		const records = blockRecords(blocks);
		records[2] = [0x42, encode([1, 2])];
		expectAt(await readError([frame(records)]), 'E_SCHEMA', { record: 2, height: 2 });
	});
});

/** The fixture with block `height` replaced (its transactions' root recomputed and the header signed again). */
function tampered(height: number, change: (b: Block) => Block): Uint8Array {
	return encodeExport(blocks.map((b, i) => (i === height ? change(b) : b)));
}
const withTxs = (b: Block, txs: Block['txs']): Block => ({ ...resign(b, founder, { txRoot: txMerkleTree(txs).root }), txs });

async function loadError(file: Uint8Array, opts: Partial<LoadOptions> = {}): Promise<ExportError> {
	try {
		await loadExport([file], { ...loadOptions, ...opts });
	} catch (e) {
		expect(e).toBeInstanceOf(ExportError);
		return e as ExportError;
	}
	throw new Error('the export loaded without error');
}

describe('loading an export into a chain', () => {
	it('replays it to the same head, state and finality, in one batch or block by block', async () => {
		for (const batchSignatures of [4096, 1]) {
			const loaded = await loadExport([bytes], { ...loadOptions, batchSignatures });
			expect(loaded).toMatchObject({ version: 1, blocks: 5, bytes: bytes.length });
			expect(loaded.chain.head.hash).toBe(fixture.chain.head.hash);
			expect(toHex(loaded.chain.state.root())).toBe(toHex(fixture.chain.state.root()));
			expect(loaded.chain.finalized.height).toBe(fixture.chain.finalized.height);
		}
	});

	it('names the block and transaction of a bad transaction signature', async () => {
		const file = tampered(2, (b) => withTxs(b, [b.txs[0]!, { ...b.txs[1]!, sig: b.txs[1]!.sig.map((x, i) => (i === 0 ? x ^ 1 : x)) }]));
		expectAt(await loadError(file), 'E_TX_SIGNATURE', { record: 2, offset: recordOffsets[2], height: 2, tx: 1 }, /^block 2 \(record 2 at byte \d+\), transaction 1: /);
	});

	it('names the block of a bad proposer signature, the genesis block included', async () => {
		expectAt(await loadError(tampered(3, (b) => ({ ...b, header: { ...b.header, sig: b.header.sig.map((x) => x ^ 1) } }))), 'E_BLOCK_SIGNATURE', { record: 3, height: 3 });
		const other = key(9);
		expectAt(await loadError(tampered(0, (b) => ({ ...b, header: signHeader({ ...b.header }, other) }))), 'E_BLOCK_SIGNATURE', { record: 0, height: 0 });
	});

	it('names the block whose state root is not the state after it, however the blocks are batched', async () => {
		const file = tampered(2, (b) => resign(b, founder, { stateRoot: new Uint8Array(32) }));
		for (const batchSignatures of [4096, 3, 1]) expectAt(await loadError(file, { batchSignatures }), 'E_BLOCK_STATE_ROOT', { record: 2, height: 2 });
	});

	it('names the transaction that breaks a state rule', async () => {
		const file = tampered(3, (b) => withTxs(b, [b.txs[0]!, b.txs[0]!]));
		expectAt(await loadError(file), 'E_TX_NONCE', { record: 3, height: 3, tx: 1 });
	});

	it('names a block whose parent is not the block before it', async () => {
		expectAt(await loadError(tampered(2, (b) => resign(b, founder, { parent: new Uint8Array(32).fill(7) }))), 'E_BLOCK_PARENT', { record: 2, height: 2 });
	});

	it('refuses blocks from the future of the reader\'s clock', async () => {
		expectAt(await loadError(bytes, { now: T0 - 20_000 }), 'E_BLOCK_TIME', { record: 1, height: 1 });
	});

	it('reports the first bad block even when a later block of the same batch has a bad signature', async () => {
		const list = blocks.map((b, i) => (i === 1 ? resign(b, founder, { stateRoot: new Uint8Array(32) }) : i === 3 ? { ...b, header: { ...b.header, sig: new Uint8Array(64) } } : b));
		expectAt(await loadError(encodeExport(list)), 'E_BLOCK_STATE_ROOT', { record: 1, height: 1 });
	});

	it('reports a bad block before a damaged trailer later in the file', async () => {
		const file = tampered(2, (b) => resign(b, founder, { stateRoot: new Uint8Array(32) }));
		file[file.length - 1]! ^= 1;
		expectAt(await loadError(file), 'E_BLOCK_STATE_ROOT', { record: 2, height: 2 });
	});
});

describe('transaction inclusion proofs', () => {
	const everyTx = blocks.flatMap((b) => b.txs.map((_, i) => [b, i] as const));
	const roundTrip = (p: TxProof): TxProof => txProofFromJson(JSON.parse(JSON.stringify(txProofToJson(p))));
	const reason = (p: TxProof): string => {
		const r = checkTxProof(p);
		return r.valid ? 'valid' : r.reason;
	};

	it('proves every transaction against its header alone, through JSON', () => {
		for (const [b, i] of everyTx) {
			const r = checkTxProof(roundTrip(txProof(b, i)));
			expect(r.valid).toBe(true);
			if (r.valid) expect([blockHashHex(r.header), toHex(txId(r.tx))]).toEqual([blockHashHex(b.header), toHex(txId(b.txs[i]!))]);
		}
	});

	it('rejects a proof moved to another index or tree size (property)', () => {
		fc.assert(
			fc.property(fc.constantFrom(...everyTx), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), ([b, i], index, size) => {
				fc.pre(index !== i || size !== b.txs.length);
				expect(checkTxProof({ ...txProof(b, i), index, size }).valid).toBe(false);
			}),
			{ seed: 20251122, numRuns: 200 }
		);
	});

	it('rejects another block\'s header, even with that header\'s own hash', () => {
		const p = txProof(blocks[2]!, 0);
		const other = blocks[3]!.header;
		expect(reason({ ...p, header: txProof(blocks[3]!, 0).header, blockHash: blockHash(other) })).toMatch(/Merkle path/);
		expect(reason({ ...p, header: txProof(blocks[3]!, 0).header })).toMatch(/hashes to/);
	});

	it('rejects another transaction, even with that transaction\'s own id', () => {
		const p = txProof(blocks[2]!, 0);
		const other = blocks[2]!.txs[1]!;
		expect(reason({ ...p, tx: encodeTx(other), txid: txId(other) })).toMatch(/Merkle path/);
		expect(reason({ ...p, tx: encodeTx(other) })).toMatch(/id is/);
	});

	it('rejects a header its proposer did not sign', () => {
		const b = blocks[2]!;
		const forged = signHeader({ ...b.header }, key(9));
		expect(reason({ ...txProof(b, 0), header: txProof({ ...b, header: forged }, 0).header, blockHash: blockHash(forged) })).toMatch(/signature/);
	});

	it('rejects a transaction of another chain', () => {
		const b = blocks[2]!;
		const foreign = signTx({ ...b.txs[0]!, chain: new Uint8Array(32).fill(1) }, founder);
		const block = withTxs(b, [foreign, b.txs[1]!]);
		expect(reason(txProof(block, 0))).toMatch(/another chain/);
	});

	it('rejects bytes that are not a header or a transaction, without throwing', () => {
		const p = txProof(blocks[2]!, 0);
		expect(reason({ ...p, header: Uint8Array.of(0xff) })).toMatch(/header does not decode/);
		expect(reason({ ...p, tx: Uint8Array.of(1) })).toMatch(/transaction does not decode/);
		expect(reason({ ...p, path: [Uint8Array.of(1)] })).toMatch(/Merkle path/);
	});

	it('reads only well-formed JSON, naming the field that is wrong', () => {
		const json = txProofToJson(txProof(blocks[2]!, 0));
		expect(() => txProofFromJson({ ...json, format: 'other' })).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'proof.format' }));
		expect(() => txProofFromJson({ ...json, txid: 'abc' })).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'proof.txid' }));
		expect(() => txProofFromJson({ ...json, path: [1] })).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'proof.path[0]' }));
		expect(() => txProofFromJson({ ...json, extra: 1 })).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'proof.extra' }));
		expect(() => txProof(blocks[2]!, 5)).toThrow(AgoraError);
	});
});
