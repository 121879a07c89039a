/**
 * Writes the export format (see format.ts) as a stream of chunks, one per
 * record, so a caller can send them to a file, a Blob or a socket without
 * holding the whole chain's bytes at once.
 */
import { concat, u32, u64, type Bytes } from '../bytes.js';
import { fail } from '../errors.js';
import { blockHash, encodeBlock, type Block } from '../block/block.js';
import { EXPORT_MAGIC, EXPORT_VERSION, END_PAYLOAD_BYTES, exportHasher, MAX_RECORD_BYTES, TAG_BLOCK, TAG_END } from './format.js';

function record(tag: number, payload: Bytes): Bytes {
	if (payload.length > MAX_RECORD_BYTES) fail('E_EXPORT', 'record', payload.length, `is larger than ${MAX_RECORD_BYTES} bytes`);
	return concat(Uint8Array.of(tag), u32(payload.length), payload);
}

/**
 * The export of `blocks`: the genesis block, then every block in height
 * order (a chain's canonical blocks 0…head). Throws E_EXPORT, before
 * yielding the bad record, when they are not in that order.
 */
export function* exportChunks(blocks: Iterable<Block>): Generator<Bytes, void, undefined> {
	const hasher = exportHasher();
	let count = 0;
	for (const block of blocks) {
		if (block.header.height !== count) fail('E_EXPORT', `blocks[${count}].header.height`, block.header.height, `must be ${count}: an export holds heights 0, 1, 2… in order`);
		if (count === 0) {
			if (block.genesis === undefined) fail('E_EXPORT', 'blocks[0].genesis', undefined, 'is missing: an export starts with the genesis block');
			const version = Uint8Array.of(EXPORT_VERSION >> 8, EXPORT_VERSION & 0xff);
			const preamble = concat(EXPORT_MAGIC, version, blockHash(block.header));
			hasher.update(preamble);
			yield preamble;
		}
		const bytes = record(TAG_BLOCK, encodeBlock(block));
		hasher.update(bytes);
		yield bytes;
		count++;
	}
	if (count === 0) fail('E_EXPORT', 'blocks', count, 'must hold at least the genesis block');
	const head = concat(Uint8Array.of(TAG_END), u32(END_PAYLOAD_BYTES), u64(count));
	hasher.update(head);
	yield concat(head, hasher.digest());
}

/** The whole export in one buffer (for small chains and tests). */
export function encodeExport(blocks: Iterable<Block>): Bytes {
	return concat(...exportChunks(blocks));
}
