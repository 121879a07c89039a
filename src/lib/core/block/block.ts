/**
 * Blocks. The header is a fixed-layout CBOR array; the proposer signs every
 * header field under the `headerSign` domain and the block hash covers the
 * whole signed header, so no header byte is outside both. The transactions
 * are committed to by the Merkle root of their signed encodings.
 */
import { concat, toHex, type Bytes, type Hex } from '../bytes.js';
import { arrayHead, arrayItemOffsets, decode, encode, withoutLastBytes, type Encodable } from '../codec.js';
import { AgoraError } from '../errors.js';
import { domainPrefix, hash, HASH_BYTES } from '../hash.js';
import { sign, signedMessage, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type KeyPair } from '../keys.js';
import { MerkleTree } from '../merkle.js';
import * as s from '../schema.js';
import { memo } from '../memo.js';
import { encodeTx, txFromEncoded, txFromTuple, txToTuple, type Tx } from '../tx/tx.js';
import { isNormalized, type VectorClock } from '../vclock.js';

export const BLOCK_VERSION = 1;

export interface UnsignedHeader {
	/** The chain id (genesis hash); all zeros in the genesis block itself. */
	readonly chain: Bytes;
	readonly height: number;
	readonly parent: Bytes;
	/** Milliseconds since the epoch. */
	readonly time: number;
	readonly proposer: Bytes;
	readonly txRoot: Bytes;
	readonly stateRoot: Bytes;
	/** Blocks sealed per proposer along this branch, this one included. */
	readonly clock: VectorClock;
	/** Engine-specific seal fields (difficulty, nonce, round), checked by the engine. */
	readonly seal: Encodable;
}

export interface BlockHeader extends UnsignedHeader {
	readonly sig: Bytes;
}

export interface Block {
	readonly header: BlockHeader;
	readonly txs: readonly Tx[];
	/** Only in the genesis block: the community's founding configuration, committed to by txRoot. */
	readonly genesis?: Encodable;
}

function unsignedHeaderTuple(h: UnsignedHeader): Encodable[] {
	return [BLOCK_VERSION, h.chain, h.height, h.parent, h.time, h.proposer, h.txRoot, h.stateRoot, h.clock, h.seal];
}

export function headerSigningPayload(h: UnsignedHeader): Bytes {
	return encode(unsignedHeaderTuple(h));
}

export function headerSignedMessage(h: UnsignedHeader): Bytes {
	const sig = (h as Partial<BlockHeader>).sig;
	// A signed header's encoding, which its hash needs anyway, is the payload and the signature.
	if (sig instanceof Uint8Array) return withoutLastBytes(encodeHeader(h as BlockHeader), sig, domainPrefix('headerSign'));
	return signedMessage('headerSign', headerSigningPayload(h));
}

export function signHeader(h: UnsignedHeader, keys: KeyPair): BlockHeader {
	return { ...h, sig: sign('headerSign', headerSigningPayload(h), keys.secretKey) };
}

export function headerToTuple(h: BlockHeader): Encodable[] {
	return [...unsignedHeaderTuple(h), h.sig];
}

const headerBytesCache = memo<BlockHeader, Bytes>('agora.header.encoding');
const hashCache = memo<BlockHeader, Bytes>('agora.header.hash');
const hashHexCache = memo<BlockHeader, Hex>('agora.header.hashHex');

/** Headers are immutable once signed, so their encoding and hash are cached. */
export function encodeHeader(h: BlockHeader): Bytes {
	return headerBytesCache.get(h) ?? headerBytesCache.set(h, encode(headerToTuple(h)));
}

export function blockHash(h: BlockHeader): Bytes {
	return hashCache.get(h) ?? hashCache.set(h, hash('header', encodeHeader(h)));
}

export function blockHashHex(h: BlockHeader): Hex {
	return hashHexCache.get(h) ?? hashHexCache.set(h, toHex(blockHash(h)));
}

export function headerFromTuple(value: unknown, path = 'header'): BlockHeader {
	const t = s.tuple(value, path, 11);
	const version = s.int(t[0], `${path}.version`);
	if (version !== BLOCK_VERSION) throw new AgoraError('E_SCHEMA', `${path}.version ${version} is not supported`, `${path}.version`, version);
	if (!isNormalized(t[8])) throw new AgoraError('E_BLOCK_CLOCK', `${path}.clock is not a normalised vector clock`, `${path}.clock`, t[8]);
	return {
		chain: s.bytes(t[1], `${path}.chain`, HASH_BYTES),
		height: s.int(t[2], `${path}.height`),
		parent: s.bytes(t[3], `${path}.parent`, HASH_BYTES),
		time: s.int(t[4], `${path}.time`),
		proposer: s.bytes(t[5], `${path}.proposer`, PUBLIC_KEY_BYTES),
		txRoot: s.bytes(t[6], `${path}.txRoot`, HASH_BYTES),
		stateRoot: s.bytes(t[7], `${path}.stateRoot`, HASH_BYTES),
		clock: t[8] as VectorClock,
		seal: t[9] as Encodable,
		sig: s.bytes(t[10], `${path}.sig`, SIGNATURE_BYTES)
	};
}

export function blockToTuple(b: Block): Encodable[] {
	const out: Encodable[] = [headerToTuple(b.header), b.txs.map(txToTuple)];
	if (b.genesis !== undefined) out.push(b.genesis);
	return out;
}

/** The canonical encoding of `blockToTuple(b)`, joined from the header's and transactions' cached encodings. */
export function encodeBlock(b: Block): Bytes {
	const parts = [arrayHead(b.genesis === undefined ? 2 : 3), encodeHeader(b.header), arrayHead(b.txs.length), ...b.txs.map(encodeTx)];
	if (b.genesis !== undefined) parts.push(encode(b.genesis));
	return concat(...parts);
}

/**
 * Reads a block from its decoded tuple. Given the canonical bytes the tuple
 * was decoded from, it keeps the header's and each transaction's encodings
 * as views of them (which hashing, Merkle leaves and signed messages would
 * otherwise encode again), so those bytes must not change afterwards, as
 * with `decodeTx`.
 */
export function blockFromTuple(value: unknown, maxTxs = Infinity, path = 'block', bytes?: Bytes): Block {
	const t = s.array(value, path, 3);
	if (t.length < 2) throw new AgoraError('E_SCHEMA', `${path} must have a header and a transaction list`, path, value);
	const header = headerFromTuple(t[0], `${path}.header`);
	const list = s.array(t[1], `${path}.txs`, maxTxs);
	let txs: Tx[];
	if (bytes) {
		const parts = arrayItemOffsets(bytes);
		headerBytesCache.set(header, bytes.subarray(parts[0], parts[1]));
		const at = arrayItemOffsets(bytes, parts[1]);
		txs = list.map((x, i) => txFromEncoded(x, bytes.subarray(at[i], at[i + 1]), `${path}.txs[${i}]`));
	} else {
		txs = list.map((x, i) => txFromTuple(x, `${path}.txs[${i}]`));
	}
	return t.length === 3 ? { header, txs, genesis: t[2] as Encodable } : { header, txs };
}

export function decodeBlock(bytes: Bytes, maxTxs = Infinity): Block {
	return blockFromTuple(decode(bytes), maxTxs, 'block', bytes);
}

export function txMerkleTree(txs: readonly Tx[]): MerkleTree {
	return new MerkleTree(txs.map(encodeTx));
}

/** The byte size a block counts against `maxBlockBytes`: the sum of its signed transactions. */
export function blockTxBytes(txs: readonly Tx[]): number {
	let n = 0;
	for (const tx of txs) n += encodeTx(tx).length;
	return n;
}
