/**
 * Signed transactions. A transaction is a fixed-layout CBOR array; the
 * signature covers every other field under the `txSign` domain (so it binds
 * the chain, the sender's key, nonce, fee and times), and the id is the hash
 * of the whole signed encoding, so no byte is outside both.
 */
import { toHex, type Bytes, type Hex } from '../bytes.js';
import { decode, encode, withoutLastBytes, type Encodable } from '../codec.js';
import { AgoraError } from '../errors.js';
import { domainPrefix, hash, HASH_BYTES } from '../hash.js';
import { sign, signedMessage, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type KeyPair } from '../keys.js';
import * as s from '../schema.js';
import { memo } from '../memo.js';
import type { SigCheck } from '../verify.js';

export const TX_VERSION = 1;
export const MAX_KIND_LENGTH = 32;

export interface UnsignedTx<B extends Encodable = Encodable> {
	/** The community's chain id: the hash of its genesis block. */
	readonly chain: Bytes;
	/** The sender's Ed25519 public key. */
	readonly from: Bytes;
	/** The sender's next nonce: each (sender, nonce) is used once. */
	readonly nonce: number;
	readonly fee: number;
	/** Milliseconds since the epoch, chosen by the sender. */
	readonly created: number;
	/** The transaction is invalid in any block at or after this time. */
	readonly expires: number;
	readonly kind: string;
	readonly body: B;
}

export interface Tx<B extends Encodable = Encodable> extends UnsignedTx<B> {
	readonly sig: Bytes;
}

function unsignedTuple(tx: UnsignedTx): Encodable[] {
	return [TX_VERSION, tx.chain, tx.from, tx.nonce, tx.fee, tx.created, tx.expires, tx.kind, tx.body];
}

/** The payload the sender signs (before the domain prefix is added). */
export function txSigningPayload(tx: UnsignedTx): Bytes {
	return encode(unsignedTuple(tx));
}

/** The exact bytes the signature covers, domain prefix included. */
export function txSignedMessage(tx: UnsignedTx): Bytes {
	const sig = (tx as Partial<Tx>).sig;
	// A signed transaction's encoding, which its id and Merkle leaf need anyway, is the payload and the signature.
	if (sig instanceof Uint8Array) return withoutLastBytes(encodeTx(tx as Tx), sig, domainPrefix('txSign'));
	return signedMessage('txSign', txSigningPayload(tx));
}

/** The check of a transaction's own signature (its sender's, over its signed message). */
export function txSignatureCheck(tx: Tx): SigCheck {
	return { message: txSignedMessage(tx), signature: tx.sig, publicKey: tx.from };
}

export function signTx<B extends Encodable>(tx: UnsignedTx<B>, keys: KeyPair): Tx<B> {
	return { ...tx, sig: sign('txSign', txSigningPayload(tx), keys.secretKey) };
}

const encodedCache = memo<Tx, Bytes>('agora.tx.encoding');
const idCache = memo<Tx, Bytes>('agora.tx.id');
const idHexCache = memo<Tx, Hex>('agora.tx.idHex');

/** Transactions are immutable once signed, so their encoding and id are cached. */
export function encodeTx(tx: Tx): Bytes {
	return encodedCache.get(tx) ?? encodedCache.set(tx, encode([...unsignedTuple(tx), tx.sig]));
}

export function txId(tx: Tx): Bytes {
	return idCache.get(tx) ?? idCache.set(tx, hash('tx', encodeTx(tx)));
}

export function txIdHex(tx: Tx): Hex {
	return idHexCache.get(tx) ?? idHexCache.set(tx, toHex(txId(tx)));
}

/** Reads a transaction from its decoded tuple, checking every field's type. */
export function txFromTuple(value: unknown, path = 'tx'): Tx {
	const t = s.tuple(value, path, 10);
	const version = s.int(t[0], `${path}.version`);
	if (version !== TX_VERSION) throw new AgoraError('E_SCHEMA', `${path}.version ${version} is not supported`, `${path}.version`, version);
	const tx: Tx = {
		chain: s.bytes(t[1], `${path}.chain`, HASH_BYTES),
		from: s.bytes(t[2], `${path}.from`, PUBLIC_KEY_BYTES),
		nonce: s.int(t[3], `${path}.nonce`),
		fee: s.int(t[4], `${path}.fee`, 0, Number.MAX_SAFE_INTEGER, 'E_TX_FEE'),
		created: s.int(t[5], `${path}.created`),
		expires: s.int(t[6], `${path}.expires`),
		kind: s.str(t[7], `${path}.kind`, MAX_KIND_LENGTH, 1),
		body: t[8] as Encodable,
		sig: s.bytes(t[9], `${path}.sig`, SIGNATURE_BYTES)
	};
	return tx;
}

export function txToTuple(tx: Tx): Encodable[] {
	return [...unsignedTuple(tx), tx.sig];
}

/** Reads a transaction from its decoded tuple and the canonical bytes it was decoded from, which become its cached encoding. */
export function txFromEncoded(value: unknown, bytes: Bytes, path = 'tx'): Tx {
	const tx = txFromTuple(value, path);
	encodedCache.set(tx, bytes);
	return tx;
}

/** Decodes a transaction from canonical bytes; the bytes become its cached encoding. */
export function decodeTx(bytes: Bytes): Tx {
	return txFromEncoded(decode(bytes), bytes);
}
