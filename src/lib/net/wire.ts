/**
 * The peer wire protocol: versioned, framed, canonical CBOR. A frame is
 * `[version, type, body]`. Every frame from a peer is untrusted: its size is
 * bounded before decoding, its shape checked after, and anything off is an
 * E_FRAME error the caller answers by dropping the peer.
 */
import { type Bytes } from '../core/bytes.js';
import { decode, encode, type Encodable } from '../core/codec.js';
import { AgoraError, isAgoraError } from '../core/errors.js';
import { HASH_BYTES } from '../core/hash.js';
import * as s from '../core/schema.js';
import { blockFromTuple, blockToTuple, type Block } from '../core/block/block.js';
import { txFromTuple, txToTuple, type Tx } from '../core/tx/tx.js';

export const WIRE_VERSION = 1;
/** Larger than the largest block (1 MiB of transactions) plus its header. */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024;
export const MAX_LOCATOR = 64;
export const MAX_BLOCKS_PER_FRAME = 256;
export const MAX_TXS_PER_FRAME = 256;
export const MAX_AGENT_BYTES = 64;
/** The largest drafts update one frame may carry, and so the largest the drafts may grow (drafts.ts): well within a frame. */
export const MAX_DRAFT_UPDATE_BYTES = 1024 * 1024;
/** A state vector names one clock per replica that ever wrote: a few bytes each. */
export const MAX_DRAFT_VECTOR_BYTES = 64 * 1024;

export type Frame =
	/** Sent first by both sides: which community, how far along. */
	| { readonly type: 'hello'; readonly chain: Bytes; readonly height: number; readonly head: Bytes | null; readonly weight: bigint; readonly agent: string }
	/** Asks for canonical blocks after the first locator hash the peer knows. */
	| { readonly type: 'getBlocks'; readonly locator: readonly Bytes[]; readonly max: number }
	| { readonly type: 'blocks'; readonly blocks: readonly Block[] }
	/** A new head, announced by gossip. */
	| { readonly type: 'newBlock'; readonly block: Block }
	| { readonly type: 'txs'; readonly txs: readonly Tx[] }
	/** Where the sender's head is now, sent periodically: a peer that missed an announcement still learns it is behind. */
	| { readonly type: 'status'; readonly height: number; readonly head: Bytes; readonly weight: bigint }
	/** Keepalive: a peer that answers nothing for a while is gone (a closed tab leaves no close behind). */
	| { readonly type: 'ping'; readonly nonce: number }
	| { readonly type: 'pong'; readonly nonce: number }
	/** Proposal drafts (drafts.ts): what the sender's replica has, so the peer answers with what it lacks. */
	| { readonly type: 'draftsHave'; readonly vector: Bytes }
	/** A Yjs update of the drafts: an answer to draftsHave, or an edit passed on. */
	| { readonly type: 'draftsUpdate'; readonly update: Bytes };

export type FrameType = Frame['type'];
export type DraftsFrame = Extract<Frame, { type: 'draftsHave' | 'draftsUpdate' }>;

function weightBytes(w: bigint): Bytes {
	let hex = w.toString(16);
	if (hex.length % 2) hex = '0' + hex;
	return w === 0n ? new Uint8Array() : Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
}

/** A fork-choice weight: big-endian unsigned bytes without leading zeros (none at all for 0). */
function readWeight(value: unknown, path: string): bigint {
	const bytes = s.bytes(value, path, undefined, 64);
	if (bytes.length > 0 && bytes[0] === 0) throw new AgoraError('E_FRAME', 'weight has a leading zero byte', path, bytes);
	return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function bodyOf(frame: Frame): Encodable {
	switch (frame.type) {
		case 'hello':
			return { chain: frame.chain, height: frame.height, head: frame.head, weight: weightBytes(frame.weight), agent: frame.agent };
		case 'status':
			return { height: frame.height, head: frame.head, weight: weightBytes(frame.weight) };
		case 'getBlocks':
			return { locator: [...frame.locator], max: frame.max };
		case 'blocks':
			return frame.blocks.map(blockToTuple);
		case 'newBlock':
			return blockToTuple(frame.block);
		case 'txs':
			return frame.txs.map(txToTuple);
		case 'ping':
		case 'pong':
			return frame.nonce;
		case 'draftsHave':
			return frame.vector;
		case 'draftsUpdate':
			return frame.update;
	}
}

export function encodeFrame(frame: Frame): Bytes {
	return encode([WIRE_VERSION, frame.type, bodyOf(frame)]);
}

function readFrame(value: unknown): Frame {
	const [version, type, body] = s.tuple(value, 'frame', 3);
	if (version !== WIRE_VERSION) throw new AgoraError('E_FRAME', `wire version ${String(version)} is not supported`, 'frame.version', version);
	switch (type) {
		case 'hello': {
			const r = s.exactRecord(body, 'hello', ['chain', 'height', 'head', 'weight', 'agent']);
			return {
				type,
				chain: s.bytes(r.chain, 'hello.chain', HASH_BYTES),
				height: s.int(r.height, 'hello.height'),
				head: r.head === null ? null : s.bytes(r.head, 'hello.head', HASH_BYTES),
				weight: readWeight(r.weight, 'hello.weight'),
				agent: s.str(r.agent, 'hello.agent', MAX_AGENT_BYTES)
			};
		}
		case 'status': {
			const r = s.exactRecord(body, 'status', ['height', 'head', 'weight']);
			return { type, height: s.int(r.height, 'status.height'), head: s.bytes(r.head, 'status.head', HASH_BYTES), weight: readWeight(r.weight, 'status.weight') };
		}
		case 'getBlocks': {
			const r = s.exactRecord(body, 'getBlocks', ['locator', 'max']);
			return {
				type,
				locator: s.array(r.locator, 'getBlocks.locator', MAX_LOCATOR).map((h, i) => s.bytes(h, `getBlocks.locator[${i}]`, HASH_BYTES)),
				max: s.int(r.max, 'getBlocks.max', 1, MAX_BLOCKS_PER_FRAME)
			};
		}
		case 'blocks':
			return { type, blocks: s.array(body, 'blocks', MAX_BLOCKS_PER_FRAME).map((b, i) => blockFromTuple(b, Infinity, `blocks[${i}]`)) };
		case 'newBlock':
			return { type, block: blockFromTuple(body, Infinity, 'newBlock') };
		case 'txs':
			return { type, txs: s.array(body, 'txs', MAX_TXS_PER_FRAME).map((t, i) => txFromTuple(t, `txs[${i}]`)) };
		case 'ping':
		case 'pong':
			return { type, nonce: s.int(body, `${type}.nonce`, 0, 0xffffffff) };
		case 'draftsHave':
			return { type, vector: s.bytes(body, 'draftsHave.vector', undefined, MAX_DRAFT_VECTOR_BYTES) };
		case 'draftsUpdate':
			return { type, update: s.bytes(body, 'draftsUpdate.update', undefined, MAX_DRAFT_UPDATE_BYTES) };
		default:
			throw new AgoraError('E_FRAME', `unknown frame type ${JSON.stringify(type)}`, 'frame.type', type);
	}
}

/** Decodes one frame; every failure is an E_FRAME AgoraError that names what was wrong. */
export function decodeFrame(bytes: Bytes): Frame {
	if (bytes.length > MAX_FRAME_BYTES) throw new AgoraError('E_FRAME', `frame of ${bytes.length} bytes exceeds ${MAX_FRAME_BYTES}`, 'frame', bytes.length);
	try {
		return readFrame(decode(bytes));
	} catch (e) {
		if (isAgoraError(e) && e.code === 'E_FRAME') throw e;
		const why = isAgoraError(e) ? `${e.code}: ${e.message}` : String(e);
		throw new AgoraError('E_FRAME', `malformed frame (${why})`, isAgoraError(e) ? e.field ?? 'frame' : 'frame', isAgoraError(e) ? e.value : bytes);
	}
}
