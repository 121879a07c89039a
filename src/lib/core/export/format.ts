/**
 * The chain export format, version 1 (docs/export-format.md is the
 * specification): a preamble naming the chain, one length-prefixed record per
 * block in height order, then a trailer with the block count and a
 * domain-separated SHA-256 over every byte before it. Records carry the
 * block's canonical CBOR, so a reader validates one block at a time without
 * holding the file, and no byte is outside the final digest.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { AgoraError, type ErrorCode } from '../errors.js';
import { domainPrefix, HASH_BYTES } from '../hash.js';
import type { Bytes } from '../bytes.js';

/** PNG-style: a high-bit byte and CR LF, so 7-bit or line-ending mangling in transit is caught at byte 0. */
export const EXPORT_MAGIC: Bytes = Uint8Array.of(0x89, 0x41, 0x47, 0x4f, 0x52, 0x41, 0x0d, 0x0a);
export const EXPORT_VERSION = 1;
/** Magic, a big-endian u16 version, the 32-byte chain id. */
export const PREAMBLE_BYTES = EXPORT_MAGIC.length + 2 + HASH_BYTES;
/** A record's tag byte and big-endian u32 payload length. */
export const RECORD_HEAD_BYTES = 5;
/** One block's canonical CBOR encoding. */
export const TAG_BLOCK = 0x42; // 'B'
/** The trailer: the block count (u64) and the digest. */
export const TAG_END = 0x45; // 'E'
export const END_PAYLOAD_BYTES = 8 + HASH_BYTES;
/** Bounds what a reader buffers for one record, whatever a damaged length field says. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

/** The running digest of an export: SHA-256 under the `exportFile` domain over every byte before the digest. */
export function exportHasher(): { update(bytes: Bytes): void; digest(): Bytes } {
	const h = sha256.create();
	h.update(domainPrefix('exportFile'));
	return h;
}

/** Where in an export something went wrong. */
export interface ExportLocation {
	/** The record's position (0 is the genesis block, the trailer follows the last block); null for the preamble. */
	readonly record: number | null;
	/** Byte offset of the record (or preamble) in the file. */
	readonly offset: number;
	/** The block's height, when the record is a block. */
	readonly height?: number;
	/** The transaction's index in that block, when one transaction is at fault. */
	readonly tx?: number;
}

/** A typed error that also says where in the file it was found. */
export class ExportError extends AgoraError implements ExportLocation {
	readonly record: number | null;
	readonly offset: number;
	readonly height?: number;
	readonly tx?: number;

	constructor(code: ErrorCode, why: string, at: ExportLocation, field?: string, value?: unknown) {
		super(code, `${describeLocation(at)}: ${why}`, field, value);
		this.record = at.record;
		this.offset = at.offset;
		if (at.height !== undefined) this.height = at.height;
		if (at.tx !== undefined) this.tx = at.tx;
	}
}

function describeLocation(at: ExportLocation): string {
	if (at.record === null) return `preamble at byte ${at.offset}`;
	const record = `record ${at.record} at byte ${at.offset}`;
	if (at.height === undefined) return record;
	return `block ${at.height} (${record})${at.tx === undefined ? '' : `, transaction ${at.tx}`}`;
}
