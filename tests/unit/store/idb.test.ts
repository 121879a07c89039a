/** The IndexedDB store, on fake-indexeddb: durability across reopen, atomic clears, and clear errors. */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDB } from 'idb';
import { IdbStore } from '../../../src/lib/store/idb.js';
import { openNode, connect, until } from '../../helpers/nodes.js';
import { parseInvite } from '../../../src/lib/net/invite.js';

let n = 0;
const stores: IdbStore[] = [];
async function open(name: string): Promise<IdbStore> {
	const s = await IdbStore.open(name);
	stores.push(s);
	return s;
}
afterEach(() => {
	for (const s of stores.splice(0)) s.close();
	vi.restoreAllMocks();
});

describe('IdbStore', () => {
	it('keeps identity, community, blocks and outbox across a reopen', async () => {
		const name = `t${n++}`;
		const s = await open(name);
		await s.putIdentity({ publicKey: 'ab', secretKey: new Uint8Array([1, 2]), name: 'Ann', created: 5 });
		await s.putCommunity({ chainId: 'cd', name: 'C', relays: ['ws://x'], secret: new Uint8Array(16), joined: 6 });
		await s.putBlocks([
			{ hash: 'h2', height: 2, bytes: new Uint8Array([2]) },
			{ hash: 'h0', height: 0, bytes: new Uint8Array([0]) },
			{ hash: 'h1', height: 1, bytes: new Uint8Array([1]) }
		]);
		await s.putOutbox({ id: 't2', bytes: new Uint8Array([9]), saved: 20 });
		await s.putOutbox({ id: 't1', bytes: new Uint8Array([8]), saved: 10 });
		s.close();
		const again = await open(name);
		expect(await again.getIdentity()).toEqual({ publicKey: 'ab', secretKey: new Uint8Array([1, 2]), name: 'Ann', created: 5 });
		expect((await again.getCommunity())?.relays).toEqual(['ws://x']);
		expect((await again.loadBlocks()).map((b) => b.height)).toEqual([0, 1, 2]);
		expect((await again.loadOutbox()).map((t) => t.id)).toEqual(['t1', 't2']);
		await again.deleteOutbox(['t1']);
		expect((await again.loadOutbox()).map((t) => t.id)).toEqual(['t2']);
	});

	it('forgets the community but keeps the identity', async () => {
		const s = await open(`t${n++}`);
		await s.putIdentity({ publicKey: 'ab', secretKey: new Uint8Array(1), name: 'Ann', created: 5 });
		await s.putCommunity({ chainId: 'cd', name: null, relays: [], secret: new Uint8Array(16), joined: 6 });
		await s.putBlocks([{ hash: 'h0', height: 0, bytes: new Uint8Array(1) }]);
		await s.putOutbox({ id: 't', bytes: new Uint8Array(1), saved: 1 });
		await s.clearCommunity();
		expect(await s.getCommunity()).toBeUndefined();
		expect(await s.loadBlocks()).toEqual([]);
		expect(await s.loadOutbox()).toEqual([]);
		expect((await s.getIdentity())?.name).toBe('Ann');
	});

	it('keeps topic keys and drafts across a reopen, and forgets them with the community', async () => {
		const name = `t${n++}`;
		const s = await open(name);
		await s.putCommunity({ chainId: 'cd', name: null, relays: [], secret: new Uint8Array(16), joined: 6 });
		await s.putTopicKey({ keyId: 'k1', topic: 'a.b', key: new Uint8Array(32).fill(1), sharedWith: [] });
		await s.putTopicKey({ keyId: 'k1', topic: 'a.b', key: new Uint8Array(32).fill(1), sharedWith: ['m1'] });
		await s.putDrafts(new Uint8Array([1, 2, 3]));
		s.close();
		const again = await open(name);
		expect(await again.loadTopicKeys()).toEqual([{ keyId: 'k1', topic: 'a.b', key: new Uint8Array(32).fill(1), sharedWith: ['m1'] }]);
		expect(await again.getDrafts()).toEqual(new Uint8Array([1, 2, 3]));
		await again.clearCommunity();
		expect(await again.loadTopicKeys()).toEqual([]);
		expect(await again.getDrafts()).toBeUndefined();
	});

	it('upgrades a database of the first version in place, keeping what it held', async () => {
		const name = `t${n++}`;
		const v1 = await openDB(name, 1, {
			upgrade(db) {
				db.createObjectStore('meta');
				db.createObjectStore('blocks', { keyPath: 'hash' }).createIndex('height', 'height');
				db.createObjectStore('outbox', { keyPath: 'id' });
			}
		});
		await v1.put('meta', { publicKey: 'ab', secretKey: new Uint8Array(1), name: 'Ann', created: 5 }, 'identity');
		await v1.put('blocks', { hash: 'h0', height: 0, bytes: new Uint8Array(1) });
		v1.close();
		const s = await open(name);
		expect((await s.getIdentity())?.name).toBe('Ann');
		expect((await s.loadBlocks()).map((b) => b.hash)).toEqual(['h0']);
		expect(await s.loadTopicKeys()).toEqual([]);
		await s.putTopicKey({ keyId: 'k', topic: 't', key: new Uint8Array(32), sharedWith: [] });
		expect(await s.loadTopicKeys()).toHaveLength(1);
	});

	it('turns a full disk into an E_STORE error that says so, and writes nothing', async () => {
		const s = await open(`t${n++}`);
		const full = new DOMException('quota', 'QuotaExceededError');
		vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
			throw full;
		});
		await expect(s.putOutbox({ id: 't', bytes: new Uint8Array(1), saved: 1 })).rejects.toMatchObject({ code: 'E_STORE', message: expect.stringContaining('storage is full') });
		vi.restoreAllMocks();
		expect(await s.loadOutbox()).toEqual([]);
	});

	it('a post the disk cannot hold is refused with the reason and never reported as sent', async () => {
		const a = await openNode(await open(`t${n++}`));
		await a.createIdentity('Alice');
		const invite = parseInvite(await a.createCommunity('G', []))!;
		const b = await openNode(await open(`t${n++}`));
		await b.createIdentity('Bob');
		await b.joinCommunity(invite);
		connect(a, 'A', b, 'B');
		await until('B joined', () => b.view().members.length === 2);
		vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
			throw new DOMException('quota', 'QuotaExceededError');
		});
		await expect(b.post('too much')).rejects.toMatchObject({ code: 'E_STORE' });
		vi.restoreAllMocks();
		expect(b.view().posts.some((p) => p.text === 'too much')).toBe(false);
		expect(a.view().posts.some((p) => p.text === 'too much')).toBe(false);
		a.close();
		b.close();
	});
});
