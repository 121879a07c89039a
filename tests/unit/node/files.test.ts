/** What a member carries out of the app in files: an identity backup and the chain, and bringing them back. */
import { afterEach, describe, expect, it } from 'vitest';
import { openNode, connect, until } from '../../helpers/nodes.js';
import { parseInvite } from '../../../src/lib/net/invite.js';
import { loadExport } from '../../../src/lib/core/export/load.js';
import { nodeVerifier } from '../../../src/lib/crypto/node.js';
import type { AgoraNode } from '../../../src/worker/node.js';

const nodes: AgoraNode[] = [];
afterEach(() => nodes.splice(0).forEach((n) => n.close()));
async function node(): Promise<AgoraNode> {
	const n = await openNode();
	nodes.push(n);
	return n;
}

describe('identity backup in the node', () => {
	it('restores the same key in another profile, and only with the right passphrase', async () => {
		const a = await node();
		await a.createIdentity('Alice');
		const file = a.exportIdentity('open sesame');
		const b = await node();
		await expect(b.restoreIdentity(file, 'open sesam')).rejects.toMatchObject({ code: 'E_PASSPHRASE' });
		expect(b.view().identity).toBeNull();
		await expect(b.restoreIdentity(file.subarray(0, file.length - 3), 'open sesame')).rejects.toMatchObject({ code: 'E_DECODE' });
		await b.restoreIdentity(file, 'open sesame');
		expect(b.view().identity).toEqual(a.view().identity);
		await expect(b.restoreIdentity(file, 'open sesame')).rejects.toMatchObject({ code: 'E_KEY' });
	}, 30_000);
});

describe('the chain as a file', () => {
	it('exports a chain that verifies, and a newcomer with no peer catches up from it', async () => {
		const a = await node();
		await a.createIdentity('Alice');
		const invite = parseInvite(await a.createCommunity('Garden club', []))!;
		for (const text of ['one', 'two', 'three']) await a.post(text);
		await until('posts sealed', () => a.view().posts.filter((p) => p.status === 'confirmed').length === 3);
		const file = a.exportChain();
		const loaded = await loadExport([file], { verifier: nodeVerifier, now: Date.now() });
		expect(loaded.chain.head.hash).toBe(a.view().head!.hash);

		const b = await node();
		await b.createIdentity('Bob');
		await b.joinCommunity(invite);
		expect(await b.importChain(file)).toBe(a.view().head!.height + 1);
		expect(b.view().head).toEqual(a.view().head);
		expect(b.view().posts.filter((p) => p.status === 'confirmed').map((p) => p.text).sort()).toEqual(['one', 'three', 'two']);
		// Importing again adds nothing; a damaged copy is refused with the reason and keeps what was good.
		expect(await b.importChain(file)).toBe(0);
		const damaged = file.slice();
		damaged[damaged.length - 5]! ^= 1;
		await expect(b.importChain(damaged)).rejects.toMatchObject({ code: 'E_EXPORT' });
		expect(b.view().head).toEqual(a.view().head);
		// And B, once connected, goes on as usual.
		connect(a, 'A', b, 'B');
		await until('B admitted', () => b.view().community?.member === true);
	});

	it('refuses another community\'s export', async () => {
		const a = await node();
		await a.createIdentity('Alice');
		await a.createCommunity('One', []);
		const other = await node();
		await other.createIdentity('Olga');
		await other.createCommunity('Two', []);
		await expect(a.importChain(other.exportChain())).rejects.toMatchObject({ code: 'E_EXPORT', field: 'chainId' });
	});
});
