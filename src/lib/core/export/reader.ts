/**
 * Reads the export format (see format.ts) from a stream of chunks of any
 * size, yielding each block as soon as its record is complete, so a caller
 * can validate block by block while the file is still arriving. Everything
 * the format itself promises is checked here: magic, version, record
 * framing, canonical block encoding, heights in order from the genesis
 * block the preamble names, the block count and the digest, and that
 * nothing follows the trailer. Chain rules are the Chain's (see load.ts).
 */
import { equalBytes, type Bytes } from '../bytes.js';
import { AgoraError } from '../errors.js';
import { HASH_BYTES } from '../hash.js';
import { blockHash, decodeBlock, type Block } from '../block/block.js';
import {
	EXPORT_MAGIC,
	EXPORT_VERSION,
	END_PAYLOAD_BYTES,
	ExportError,
	exportHasher,
	MAX_RECORD_BYTES,
	PREAMBLE_BYTES,
	RECORD_HEAD_BYTES,
	TAG_BLOCK,
	TAG_END,
	type ExportLocation
} from './format.js';

/** Chunks of an export: a file stream, a fetch body, or an array of buffers. */
export type ExportSource = AsyncIterable<Bytes> | Iterable<Bytes>;

export type ExportItem =
	| { readonly type: 'start'; readonly version: number; readonly chainId: Bytes }
	| { readonly type: 'block'; readonly index: number; readonly offset: number; readonly block: Block }
	/** Only after the count, the digest and the end of the input have been checked. */
	| { readonly type: 'end'; readonly blocks: number; readonly bytes: number };

/** Pulls exact byte counts out of chunks of any size, counting the offset. */
class ChunkReader {
	private readonly chunks: AsyncIterator<Bytes> | Iterator<Bytes>;
	private chunk: Bytes = new Uint8Array(0);
	private pos = 0;
	offset = 0;

	constructor(source: ExportSource) {
		this.chunks = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
	}

	/** Up to `n` bytes (fewer only at the end of the input), as a fresh Uint8Array that shares no memory with the chunks. */
	async read(n: number): Promise<Bytes> {
		const out = new Uint8Array(n);
		let have = 0;
		while (have < n && (await this.fill())) {
			const take = Math.min(n - have, this.chunk.length - this.pos);
			out.set(this.chunk.subarray(this.pos, this.pos + take), have);
			this.pos += take;
			have += take;
		}
		this.offset += have;
		return have === n ? out : out.subarray(0, have);
	}

	/** Lets go of the source (closes a file stream, releases a stream's lock) when reading stops early. */
	async close(): Promise<void> {
		await this.chunks.return?.();
	}

	/** Whether the input is exhausted. */
	async atEnd(): Promise<boolean> {
		return !(await this.fill());
	}

	/** Makes sure unread bytes are at hand; false at the end of the input. */
	private async fill(): Promise<boolean> {
		while (this.pos >= this.chunk.length) {
			const next = await this.chunks.next();
			if (next.done) return false;
			if (!(next.value instanceof Uint8Array)) throw new TypeError('an export source must yield Uint8Array chunks');
			this.chunk = next.value;
			this.pos = 0;
		}
		return true;
	}
}

function u16(bytes: Bytes, at: number): number {
	return new DataView(bytes.buffer, bytes.byteOffset).getUint16(at);
}

function u32(bytes: Bytes, at: number): number {
	return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at);
}

function u64(bytes: Bytes, at: number): bigint {
	return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at);
}

export async function* readExport(source: ExportSource): AsyncGenerator<ExportItem, void, undefined> {
	const input = new ChunkReader(source);
	try {
		yield* readItems(input);
	} finally {
		await input.close();
	}
}

async function* readItems(input: ChunkReader): AsyncGenerator<ExportItem, void, undefined> {
	const hasher = exportHasher();
	const fail = (at: ExportLocation, why: string, field?: string, value?: unknown): never => {
		throw new ExportError('E_EXPORT', why, at, field, value);
	};
	/** Exactly `n` bytes, or an error saying the file ends inside `what`. */
	const take = async (n: number, at: ExportLocation, what: string): Promise<Bytes> => {
		const bytes = await input.read(n);
		if (bytes.length < n) fail(at, `the file ends at byte ${input.offset}, inside ${what} (it is truncated)`, 'bytes', input.offset);
		return bytes;
	};

	const start: ExportLocation = { record: null, offset: 0 };
	const magic = await input.read(EXPORT_MAGIC.length);
	if (!equalBytes(magic, EXPORT_MAGIC)) {
		fail(start, magic.length < EXPORT_MAGIC.length && equalBytes(magic, EXPORT_MAGIC.subarray(0, magic.length)) ? `the file ends at byte ${magic.length}, inside the magic (it is truncated)` : 'not an Agora export (wrong magic bytes)', 'magic', magic);
	}
	const rest = await take(PREAMBLE_BYTES - EXPORT_MAGIC.length, start, 'the preamble');
	const version = u16(rest, 0);
	if (version !== EXPORT_VERSION) fail(start, `format version ${version} is not supported (this reader knows version ${EXPORT_VERSION})`, 'version', version);
	const chainId = rest.slice(2);
	hasher.update(magic);
	hasher.update(rest);
	yield { type: 'start', version, chainId };

	for (let index = 0; ; index++) {
		const offset = input.offset;
		const at: ExportLocation = { record: index, offset };
		const head = await take(RECORD_HEAD_BYTES, at, 'a record header (no trailer was found)');
		const tag = head[0]!;
		const length = u32(head, 1);
		if (tag === TAG_END) {
			if (length !== END_PAYLOAD_BYTES) fail(at, `the trailer's length must be ${END_PAYLOAD_BYTES} (got ${length})`, 'length', length);
			const count = await take(8, at, 'the trailer');
			hasher.update(head);
			hasher.update(count);
			const digest = await take(HASH_BYTES, at, 'the trailer');
			const blocks = u64(count, 0);
			if (blocks !== BigInt(index)) fail(at, `the trailer counts ${blocks} blocks but the file holds ${index}`, 'count', blocks);
			if (index === 0) fail(at, 'the file holds no blocks: an export starts with the genesis block', 'count', blocks);
			if (!equalBytes(digest, hasher.digest())) fail(at, 'the digest in the trailer does not match the file (some byte was changed)', 'digest', digest);
			if (!(await input.atEnd())) fail({ record: index + 1, offset: input.offset }, 'unexpected bytes after the trailer', 'bytes', input.offset);
			yield { type: 'end', blocks: index, bytes: input.offset };
			return;
		}
		if (tag !== TAG_BLOCK) fail(at, `unknown record tag 0x${tag.toString(16).padStart(2, '0')}`, 'tag', tag);
		if (length > MAX_RECORD_BYTES) fail(at, `a record of ${length} bytes is larger than the limit of ${MAX_RECORD_BYTES}`, 'length', length);
		const payload = await take(length, at, `record ${index} (${length} bytes)`);
		hasher.update(head);
		hasher.update(payload);
		const blockAt: ExportLocation = { ...at, height: index };
		let block: Block;
		try {
			block = decodeBlock(payload);
		} catch (e) {
			if (e instanceof AgoraError) throw new ExportError(e.code, e.message, blockAt, e.field, e.value);
			throw e;
		}
		if (block.header.height !== index) fail(blockAt, `the block's height is ${block.header.height}: an export holds heights 0, 1, 2… in order`, 'header.height', block.header.height);
		if (index === 0 && !equalBytes(blockHash(block.header), chainId)) {
			fail(blockAt, 'the genesis block\'s hash is not the chain id the preamble names', 'header', blockHash(block.header));
		}
		yield { type: 'block', index, offset, block };
	}
}
