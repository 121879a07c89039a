import { afterEach, describe, expect, it } from 'vitest';
import { openNode, connect, linkPair, until } from '../../helpers/nodes.js';
import { decodeFrame, encodeFrame, type Frame } from '../../../src/lib/net/wire.js';
import { fromHex } from '../../../src/lib/core/bytes.js';
import { parseInvite } from '../../../src/lib/net/invite.js';
import type { AgoraNode } from '../../../src/worker/node.js';
import { MemoryStore } from '../../../src/lib/store/memory.js';

const nodes: AgoraNode[] = [];
afterEach(() => {
	for (const n of nodes.splice(0)) n.close();
});

async function founder() {
	const a = await openNode();
	nodes.push(a);
	await a.createIdentity('Alice');
	const fragment = await a.createCommunity('Garden club', ['ws://127.0.0.1:1/signal']);
	return { a, invite: parseInvite(fragment)! };
}

describe('two nodes', () => {
	it('a newcomer syncs the chain, joins, and both see each other\'s posts', async () => {
		const { a, invite } = await founder();
		const b = await openNode();
		nodes.push(b);
		await b.createIdentity('Bob');
		await b.joinCommunity(invite);
		connect(a, 'A', b, 'B');
		await until('B is a member on both nodes', () => !!a.view().community?.member && !!b.view().community?.member === true && a.view().members.length === 2 && b.view().members.length === 2);
		await b.post('hello from Bob');
		await a.post('hello from Alice');
		await until('both posts confirmed on both', () =>
			[a, b].every((n) => n.view().posts.filter((p) => p.status === 'confirmed').length === 2)
		);
		expect(b.view().head!.hash).toBe(a.view().head!.hash);
		expect(b.view().community!.name).toBe('Garden club');
		const bobPost = a.view().posts.find((p) => p.text === 'hello from Bob')!;
		expect(bobPost.authorName).toBe('Bob');
		expect(bobPost.height).toBeGreaterThan(0);
	});

	it('a newcomer told of a new block before it has the chain fetches the chain instead of dropping the peer', async () => {
		const { a, invite } = await founder();
		await a.post('block one');
		await until('block 1 sealed', () => a.chain!.height === 1);
		const [genesis, one] = [a.chain!.blockAt(0)!.block, a.chain!.blockAt(1)!.block];
		const b = await openNode();
		nodes.push(b);
		await b.createIdentity('Bob');
		await b.joinCommunity(invite);
		// The founder's side, played frame by frame: the new block is announced before the request for blocks is answered.
		const { a: seenByB, b: founderSide } = linkPair('F', 'B');
		const received: Frame[] = [];
		let dropped: string | null = null;
		founderSide.onMessage = (bytes) => received.push(decodeFrame(bytes));
		founderSide.onClose = (reason) => (dropped = reason);
		b.addPeer(seenByB);
		const send = (f: Frame) => founderSide.send(encodeFrame(f));
		const head = a.chain!.head;
		send({ type: 'hello', chain: a.chain!.chainId, height: 1, head: fromHex(head.hash), weight: head.weight, agent: 'founder' });
		await until('B asks for blocks', () => received.some((f) => f.type === 'getBlocks'));
		send({ type: 'newBlock', block: one });
		send({ type: 'blocks', blocks: [genesis, one] });
		await until('B has the chain', () => b.chain?.height === 1);
		expect(dropped).toBeNull();
		expect(b.view().peers).toHaveLength(1);
	});

	it('keeps everything across a reload from its store', async () => {
		const { a, invite } = await founder();
		const store = new MemoryStore();
		const b = await openNode(store);
		await b.createIdentity('Bob');
		await b.joinCommunity(invite);
		connect(a, 'A', b, 'B');
		await until('B joined', () => b.view().members.length === 2);
		const head = b.view().head!;
		b.close();
		const again = await openNode(store);
		nodes.push(again);
		expect(again.view().head).toEqual(head);
		expect(again.view().identity!.name).toBe('Bob');
		expect(again.view().members.map((m) => m.name).sort()).toEqual(['Alice', 'Bob']);
	});

	it('a post written offline goes out when a peer is reachable', async () => {
		const { a, invite } = await founder();
		const b = await openNode();
		nodes.push(b);
		await b.createIdentity('Bob');
		await b.joinCommunity(invite);
		await b.post('written offline');
		expect(b.view().posts[0]!.status).toBe('saved');
		connect(a, 'A', b, 'B');
		await until('offline post confirmed', () => b.view().posts.some((p) => p.text === 'written offline' && p.status === 'confirmed'));
	});
});
