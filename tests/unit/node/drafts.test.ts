/**
 * Proposal drafts between app nodes over real links: what one member types
 * reaches the others as they type, a member who connects later gets every
 * draft, and a node reopened from its store still has them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/lib/store/memory.js';
import { parseInvite } from '../../../src/lib/net/invite.js';
import type { AgoraNode } from '../../../src/worker/node.js';
import { connect, openNode, until } from '../../helpers/nodes.js';

const live: AgoraNode[] = [];
afterEach(() => {
	for (const n of live.splice(0)) n.close();
});

async function node(store = new MemoryStore()): Promise<AgoraNode> {
	const n = await openNode(store);
	live.push(n);
	return n;
}

const body = (n: AgoraNode, id: string) => n.drafts?.list().find((d) => d.id === id)?.body;

describe('proposal drafts between nodes', () => {
	it('are written together, reach a member who connects later, and survive a reopen', async () => {
		const alice = await node();
		await alice.createIdentity('Alice');
		const invite = parseInvite(await alice.createCommunity('Garden club', []))!;
		const bobStore = new MemoryStore();
		const bob = await node(bobStore);
		await bob.createIdentity('Bob');
		await bob.joinCommunity(invite);
		connect(alice, 'A', bob, 'B');

		const id = await alice.drafts!.create();
		await alice.drafts!.edit(id, 'title', { index: 0, remove: 0, insert: 'Plant an orchard' });
		await alice.drafts!.edit(id, 'body', { index: 0, remove: 0, insert: 'Apples.' });
		await until('Bob has the draft', () => body(bob, id) === 'Apples.');
		await bob.drafts!.edit(id, 'body', { index: 7, remove: 0, insert: ' Pears.' });
		await until('Alice sees Bob typing', () => body(alice, id) === 'Apples. Pears.');
		expect(bob.drafts!.list()[0]).toMatchObject({ title: 'Plant an orchard', author: alice.publicKey });

		const carol = await node();
		await carol.createIdentity('Carol');
		await carol.joinCommunity(invite);
		connect(bob, 'B', carol, 'C');
		await until('Carol, connected to Bob only, has the draft as it is', () => body(carol, id) === 'Apples. Pears.');
		// And what she types reaches Alice through Bob.
		await carol.drafts!.edit(id, 'body', { index: 0, remove: 0, insert: 'Spring: ' });
		await until('Alice has Carol\'s words', () => body(alice, id) === 'Spring: Apples. Pears.');

		bob.close();
		const again = await node(bobStore);
		await until('Bob\'s node reopened with the drafts it saved', () => body(again, id) === 'Spring: Apples. Pears.');
	});

	it('a change made with no community, or to no draft, is refused with the reason', async () => {
		const loner = await node();
		await loner.createIdentity('Dana');
		expect(loner.drafts).toBeNull();
		const alice = await node();
		await alice.createIdentity('Alice');
		await alice.createCommunity('Garden club', []);
		await expect(alice.drafts!.edit('missing', 'body', { index: 0, remove: 0, insert: 'x' })).rejects.toMatchObject({ code: 'E_SCHEMA', field: 'id' });
	});
});
