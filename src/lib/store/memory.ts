/** An AgoraStore in memory: for the simulator and tests that do not exercise IndexedDB. */
import { toHex, type Hex } from '../core/bytes.js';
import { blockHashHex, encodeBlock, type Block } from '../core/block/block.js';
import type { KeyPair } from '../core/keys.js';
import type { AgoraStore, StoredBlock, StoredCommunity, StoredIdentity, StoredTopicKey, StoredTx } from './types.js';

export class MemoryStore implements AgoraStore {
	/**
	 * A member as a store holds them once joined: their identity, the
	 * community of `genesis`, and `blocks` of it (the genesis alone by default;
	 * none, to have the node sync them).
	 */
	static async joined(keys: KeyPair, name: string, genesis: Block, time: number, blocks: readonly Block[] = [genesis]): Promise<MemoryStore> {
		const store = new MemoryStore();
		await store.putIdentity({ publicKey: toHex(keys.publicKey), secretKey: keys.secretKey, name, created: time });
		await store.putCommunity({ chainId: blockHashHex(genesis.header), name: null, relays: [], secret: new Uint8Array(16), joined: time });
		await store.putBlocks(blocks.map((b) => ({ hash: blockHashHex(b.header), height: b.header.height, bytes: encodeBlock(b) })));
		return store;
	}

	private identity: StoredIdentity | undefined;
	private community: StoredCommunity | undefined;
	private readonly blocks = new Map<Hex, StoredBlock>();
	private readonly outbox = new Map<Hex, StoredTx>();
	private readonly topicKeys = new Map<Hex, StoredTopicKey>();
	private drafts: Uint8Array | undefined;

	async getIdentity() {
		return this.identity;
	}
	async putIdentity(identity: StoredIdentity) {
		this.identity = identity;
	}
	async getCommunity() {
		return this.community;
	}
	async putCommunity(community: StoredCommunity) {
		this.community = community;
	}
	async putBlocks(blocks: readonly StoredBlock[]) {
		for (const b of blocks) this.blocks.set(b.hash, b);
	}
	async loadBlocks() {
		return [...this.blocks.values()].sort((a, b) => a.height - b.height);
	}
	async putOutbox(tx: StoredTx) {
		this.outbox.set(tx.id, tx);
	}
	async deleteOutbox(ids: readonly Hex[]) {
		for (const id of ids) this.outbox.delete(id);
	}
	async loadOutbox() {
		return [...this.outbox.values()].sort((a, b) => a.saved - b.saved);
	}
	async putTopicKey(key: StoredTopicKey) {
		this.topicKeys.set(key.keyId, key);
	}
	async loadTopicKeys() {
		return [...this.topicKeys.values()];
	}
	async putDrafts(state: Uint8Array) {
		this.drafts = state;
	}
	async getDrafts() {
		return this.drafts;
	}
	async clearCommunity() {
		this.community = undefined;
		this.blocks.clear();
		this.outbox.clear();
		this.topicKeys.clear();
		this.drafts = undefined;
	}
	close() {}
}
