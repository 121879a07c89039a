/**
 * What a node keeps across reloads. One profile holds one identity and one
 * community. Writes resolve only once durable: a transaction the UI calls
 * "saved" is in the outbox on disk.
 */
import type { Hex } from '../core/bytes.js';

export interface StoredBlock {
	readonly hash: Hex;
	readonly height: number;
	/** The canonical encoding of the block. */
	readonly bytes: Uint8Array;
}

export interface StoredIdentity {
	readonly publicKey: Hex;
	readonly secretKey: Uint8Array;
	readonly name: string;
	readonly created: number;
}

export interface StoredCommunity {
	readonly chainId: Hex;
	/** Known once the genesis block is here. */
	readonly name: string | null;
	readonly relays: readonly string[];
	/** Shared by invitees; keys the signaling messages. */
	readonly secret: Uint8Array;
	readonly joined: number;
}

export interface StoredTx {
	readonly id: Hex;
	readonly bytes: Uint8Array;
	readonly saved: number;
}

/** A key of an encrypted topic this member holds (see core/crypto/topic.ts). */
export interface StoredTopicKey {
	/** Its public name, as the topic declares it on chain. */
	readonly keyId: Hex;
	readonly topic: string;
	readonly key: Uint8Array;
	/** Members this node has handed the key to. */
	readonly sharedWith: readonly Hex[];
}

export interface AgoraStore {
	getIdentity(): Promise<StoredIdentity | undefined>;
	putIdentity(identity: StoredIdentity): Promise<void>;
	getCommunity(): Promise<StoredCommunity | undefined>;
	putCommunity(community: StoredCommunity): Promise<void>;
	/** Writes blocks in one atomic transaction. */
	putBlocks(blocks: readonly StoredBlock[]): Promise<void>;
	/** Every stored block, lowest height first. */
	loadBlocks(): Promise<StoredBlock[]>;
	putOutbox(tx: StoredTx): Promise<void>;
	deleteOutbox(ids: readonly Hex[]): Promise<void>;
	loadOutbox(): Promise<StoredTx[]>;
	putTopicKey(key: StoredTopicKey): Promise<void>;
	/** The community's proposal drafts, as one Yjs update (lib/net/drafts.ts). */
	putDrafts(state: Uint8Array): Promise<void>;
	getDrafts(): Promise<Uint8Array | undefined>;
	loadTopicKeys(): Promise<StoredTopicKey[]>;
	/** Forgets the community (blocks, outbox, topic keys, drafts) but keeps the identity. */
	clearCommunity(): Promise<void>;
	close(): void;
}
