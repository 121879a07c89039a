/**
 * Domain-separated SHA-256. Every hash in Agora names what it hashes, so bytes
 * hashed as one kind of thing can never be passed off as another (a Merkle
 * leaf as a node, a transaction as a block header).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8, type Bytes } from './bytes.js';

/** The closed list of hash and signature domains. Adding one is a protocol change. */
export const Domain = {
	tx: 'agora/v1/tx',
	txSign: 'agora/v1/tx-sign',
	header: 'agora/v1/header',
	headerSign: 'agora/v1/header-sign',
	merkleLeaf: 'agora/v1/merkle-leaf',
	merkleNode: 'agora/v1/merkle-node',
	merkleEmpty: 'agora/v1/merkle-empty',
	merkleRoot: 'agora/v1/merkle-root',
	genesis: 'agora/v1/genesis',
	stateEntry: 'agora/v1/state-entry',
	stateBucket: 'agora/v1/state-bucket',
	stateNode: 'agora/v1/state-node',
	room: 'agora/v1/room',
	seal: 'agora/v1/seal',
	proposer: 'agora/v1/proposer',
	commit: 'agora/v1/commit',
	keyBackup: 'agora/v1/key-backup',
	/** Key derivation and associated data of a direct message sealed for its recipients. */
	msgDirect: 'agora/v1/msg-direct',
	/** Key derivation and associated data of a message sealed with a topic's key. */
	msgTopic: 'agora/v1/msg-topic',
	/** The public id of a topic key: its hash, which names the key without revealing it. */
	topicKeyId: 'agora/v1/topic-key-id',
	exportFile: 'agora/v1/export'
} as const;
export type DomainName = keyof typeof Domain;

const prefixes = new Map<DomainName, Bytes>(
	(Object.keys(Domain) as DomainName[]).map((name) => [name, utf8(Domain[name] + '\0')])
);

/** The bytes that open every hashed or signed message of this domain: the tag and a NUL. */
export function domainPrefix(domain: DomainName): Bytes {
	return prefixes.get(domain)!;
}

/*
 * Each domain's hasher, with its prefix absorbed, is copied into one scratch
 * hasher per hash (noble's `_cloneInto`, which reuses its destination and
 * copies the whole state, so the scratch's `digest()` wipe is undone by the
 * next copy). Constructing a hasher (a block buffer and a DataView) costs
 * as much as compressing the short inputs hashed most: Merkle and state nodes.
 */
const prefixed = new Map((Object.keys(Domain) as DomainName[]).map((name) => [name, sha256.create().update(domainPrefix(name))]));
const scratch = sha256.create();

/** SHA-256 over the domain tag, a NUL byte, then the parts in order. */
export function hash(domain: DomainName, ...parts: Bytes[]): Bytes {
	const h = prefixed.get(domain)!._cloneInto(scratch);
	for (const part of parts) h.update(part);
	return h.digest();
}

export const HASH_BYTES = 32;
export const ZERO_HASH: Bytes = new Uint8Array(HASH_BYTES);
