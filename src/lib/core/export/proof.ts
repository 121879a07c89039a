/**
 * Transaction inclusion proofs that a light client checks against one block
 * header alone: the header hashes to the block hash, its proposer signed it,
 * the transaction hashes to its id, and the Merkle path leads from the
 * transaction, at its index in a tree of its size, to the header's txRoot.
 * A portable JSON form carries it between tools (the CLI, the app).
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../bytes.js';
import { decode } from '../codec.js';
import { AgoraError, fail } from '../errors.js';
import { HASH_BYTES } from '../hash.js';
import { verify } from '../keys.js';
import { verifyInclusion } from '../merkle.js';
import * as s from '../schema.js';
import { blockHash, encodeHeader, headerFromTuple, headerSigningPayload, txMerkleTree, type Block, type BlockHeader } from '../block/block.js';
import { decodeTx, encodeTx, txId, type Tx } from '../tx/tx.js';

export interface TxProof {
	/** The block header's canonical encoding. */
	readonly header: Bytes;
	/** The block the proof claims the transaction is in; checked against the header. */
	readonly blockHash: Bytes;
	readonly index: number;
	readonly size: number;
	readonly path: readonly Bytes[];
	/** The signed transaction's canonical encoding (the Merkle leaf). */
	readonly tx: Bytes;
	/** The transaction the proof claims to prove; checked against `tx`. */
	readonly txid: Bytes;
}

export type TxProofCheck =
	| { readonly valid: true; readonly header: BlockHeader; readonly tx: Tx }
	| { readonly valid: false; readonly reason: string };

export const TX_PROOF_FORMAT = 'agora-tx-proof/1';

export interface TxProofJson {
	readonly format: typeof TX_PROOF_FORMAT;
	readonly blockHash: string;
	readonly header: string;
	readonly index: number;
	readonly size: number;
	readonly path: string[];
	readonly tx: string;
	readonly txid: string;
}

/** A tree of safe-integer size needs at most 53 path hashes; anything longer is malformed. */
const MAX_PATH = 64;

export function txProof(block: Block, index: number): TxProof {
	const tx = block.txs[index];
	if (!tx) fail('E_SCHEMA', 'index', index, `is outside the block's ${block.txs.length} transactions`);
	const { size, path } = txMerkleTree(block.txs).proof(index);
	return { header: encodeHeader(block.header), blockHash: blockHash(block.header), index, size, path, tx: encodeTx(tx), txid: txId(tx) };
}

const invalid = (reason: string): TxProofCheck => ({ valid: false, reason });
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Checks a proof against its header alone. Never throws: a malformed proof is an invalid one, with the reason. */
export function checkTxProof(proof: TxProof): TxProofCheck {
	let header: BlockHeader;
	try {
		header = headerFromTuple(decode(proof.header));
	} catch (e) {
		return invalid(`the header does not decode: ${why(e)}`);
	}
	if (!equalBytes(blockHash(header), proof.blockHash)) return invalid(`the header hashes to ${toHex(blockHash(header))}, not to the block hash ${toHex(proof.blockHash)}`);
	if (!verify('headerSign', headerSigningPayload(header), header.sig, header.proposer)) return invalid('the proposer\'s signature on the header is not valid');
	let tx: Tx;
	try {
		tx = decodeTx(proof.tx);
	} catch (e) {
		return invalid(`the transaction does not decode: ${why(e)}`);
	}
	if (!equalBytes(txId(tx), proof.txid)) return invalid(`the transaction's id is ${toHex(txId(tx))}, not ${toHex(proof.txid)}`);
	if (!equalBytes(tx.chain, header.chain)) return invalid('the transaction belongs to another chain than the block');
	if (!verifyInclusion(proof.tx, { index: proof.index, size: proof.size, path: proof.path }, header.txRoot)) {
		return invalid(`the Merkle path does not lead from transaction ${proof.index} of ${proof.size} to the header's txRoot`);
	}
	return { valid: true, header, tx };
}

export function txProofToJson(p: TxProof): TxProofJson {
	return {
		format: TX_PROOF_FORMAT,
		blockHash: toHex(p.blockHash),
		header: toHex(p.header),
		index: p.index,
		size: p.size,
		path: p.path.map(toHex),
		tx: toHex(p.tx),
		txid: toHex(p.txid)
	};
}

/** Reads the JSON form; throws E_SCHEMA naming the field that is wrong. */
export function txProofFromJson(value: unknown): TxProof {
	const r = s.exactRecord(value, 'proof', ['format', 'blockHash', 'header', 'index', 'size', 'path', 'tx', 'txid']);
	if (r.format !== TX_PROOF_FORMAT) throw new AgoraError('E_SCHEMA', `proof.format must be ${JSON.stringify(TX_PROOF_FORMAT)}`, 'proof.format', r.format);
	const hex = (v: unknown, field: string, length?: number): Bytes => fromHex(s.str(v, field, Infinity), field, length);
	return {
		blockHash: hex(r.blockHash, 'proof.blockHash', HASH_BYTES),
		header: hex(r.header, 'proof.header'),
		index: s.int(r.index, 'proof.index'),
		size: s.int(r.size, 'proof.size', 1),
		path: s.array(r.path, 'proof.path', MAX_PATH).map((p, i) => hex(p, `proof.path[${i}]`, HASH_BYTES)),
		tx: hex(r.tx, 'proof.tx'),
		txid: hex(r.txid, 'proof.txid', HASH_BYTES)
	};
}
