/**
 * The IndexedDB store (through `idb`). One database per profile; version
 * upgrades are listed in `migrations`, each run once in order. A full disk or
 * a blocked database becomes an E_STORE error that says so; a failed write
 * changes nothing because every write is one IndexedDB transaction.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Hex } from '../core/bytes.js';
import { AgoraError } from '../core/errors.js';
import type { AgoraStore, StoredBlock, StoredCommunity, StoredIdentity, StoredTopicKey, StoredTx } from './types.js';

interface AgoraDB extends DBSchema {
	meta: { key: string; value: StoredIdentity | StoredCommunity | Uint8Array };
	blocks: { key: Hex; value: StoredBlock; indexes: { height: number } };
	outbox: { key: Hex; value: StoredTx };
	topicKeys: { key: Hex; value: StoredTopicKey };
}

const migrations: Array<(db: IDBPDatabase<AgoraDB>) => void> = [
	(db) => {
		db.createObjectStore('meta');
		db.createObjectStore('blocks', { keyPath: 'hash' }).createIndex('height', 'height');
		db.createObjectStore('outbox', { keyPath: 'id' });
	},
	(db) => {
		db.createObjectStore('topicKeys', { keyPath: 'keyId' });
	}
];

export const DB_VERSION = migrations.length;

function storeError(e: unknown, what: string): AgoraError {
	const name = (e as { name?: string })?.name;
	if (name === 'QuotaExceededError') {
		return new AgoraError('E_STORE', `storage is full: could not ${what}; free some space and try again`, 'store', name);
	}
	return new AgoraError('E_STORE', `could not ${what}: ${(e as Error)?.message ?? String(e)}`, 'store', name);
}

async function guard<T>(what: string, op: () => Promise<T>): Promise<T> {
	try {
		return await op();
	} catch (e) {
		throw e instanceof AgoraError ? e : storeError(e, what);
	}
}

export class IdbStore implements AgoraStore {
	private constructor(private readonly db: IDBPDatabase<AgoraDB>) {}

	static async open(name = 'agora'): Promise<IdbStore> {
		const db = await guard('open the database', () =>
			openDB<AgoraDB>(name, DB_VERSION, {
				upgrade(db, oldVersion) {
					for (let v = oldVersion; v < DB_VERSION; v++) migrations[v]!(db);
				}
			})
		);
		// A newer version opened in another tab: let it upgrade rather than block it.
		db.addEventListener('versionchange', () => db.close());
		return new IdbStore(db);
	}

	getIdentity() {
		return guard('read the identity', async () => (await this.db.get('meta', 'identity')) as StoredIdentity | undefined);
	}
	putIdentity(identity: StoredIdentity) {
		return guard('save the identity', async () => void (await this.db.put('meta', identity, 'identity')));
	}
	getCommunity() {
		return guard('read the community', async () => (await this.db.get('meta', 'community')) as StoredCommunity | undefined);
	}
	putCommunity(community: StoredCommunity) {
		return guard('save the community', async () => void (await this.db.put('meta', community, 'community')));
	}
	putBlocks(blocks: readonly StoredBlock[]) {
		return guard('save blocks', async () => {
			const tx = this.db.transaction('blocks', 'readwrite');
			await Promise.all([...blocks.map((b) => tx.store.put(b)), tx.done]);
		});
	}
	loadBlocks() {
		return guard('read blocks', () => this.db.getAllFromIndex('blocks', 'height'));
	}
	putOutbox(stored: StoredTx) {
		return guard('save the transaction', async () => void (await this.db.put('outbox', stored)));
	}
	deleteOutbox(ids: readonly Hex[]) {
		return guard('update the outbox', async () => {
			const tx = this.db.transaction('outbox', 'readwrite');
			await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
		});
	}
	loadOutbox() {
		return guard('read the outbox', async () => (await this.db.getAll('outbox')).sort((a, b) => a.saved - b.saved));
	}
	putTopicKey(key: StoredTopicKey) {
		return guard('save the topic key', async () => void (await this.db.put('topicKeys', key)));
	}
	loadTopicKeys() {
		return guard('read the topic keys', () => this.db.getAll('topicKeys'));
	}
	putDrafts(state: Uint8Array) {
		return guard('save the drafts', async () => void (await this.db.put('meta', state, 'drafts')));
	}
	async getDrafts() {
		return guard('read the drafts', async () => (await this.db.get('meta', 'drafts')) as Uint8Array | undefined);
	}
	clearCommunity() {
		return guard('clear the community', async () => {
			const tx = this.db.transaction(['meta', 'blocks', 'outbox', 'topicKeys'], 'readwrite');
			await Promise.all([
				tx.objectStore('meta').delete('community'),
				tx.objectStore('meta').delete('drafts'),
				tx.objectStore('blocks').clear(),
				tx.objectStore('outbox').clear(),
				tx.objectStore('topicKeys').clear(),
				tx.done
			]);
		});
	}
	close() {
		this.db.close();
	}
}
