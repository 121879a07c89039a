/**
 * Bad input from a peer (issue 2): each case is rejected with a reason in the
 * node's log, the peer is disconnected as misbehaving, and the node keeps
 * sealing. The "peer" here is a raw link the test drives frame by frame.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openNode, linkPair, until } from '../../helpers/nodes.js';
import { key, makeTx, emptyChild, resign } from '../../helpers/community.js';
import { MemoryStore } from '../../../src/lib/store/memory.js';
import { toHex, fromHex } from '../../../src/lib/core/bytes.js';
import { encodeFrame, decodeFrame, type Frame } from '../../../src/lib/net/wire.js';
import type { AgoraNode } from '../../../src/worker/node.js';
import type { PeerLink } from '../../../src/lib/net/link.js';
import type { Block } from '../../../src/lib/core/block/block.js';

const founder = key(0);
let node: AgoraNode;

afterEach(() => node?.close());

async function founderNode(): Promise<AgoraNode> {
	const store = new MemoryStore();
	await store.putIdentity({ publicKey: toHex(founder.publicKey), secretKey: founder.secretKey, name: 'Alice', created: 0 });
	const n = await openNode(store);
	await n.createCommunity('Garden club', []);
	return n;
}

interface RawPeer {
	readonly link: PeerLink;
	readonly frames: Frame[];
	closed: { reason: string; misbehaved: boolean } | null;
	send(frame: Frame): void;
}

/** Connects a hand-driven peer to the node and says hello as a member of its community. */
function rawPeer(n: AgoraNode): RawPeer {
	const { a, b } = linkPair('node', 'raw');
	const peer: RawPeer = {
		link: b,
		frames: [],
		closed: null,
		send: (frame) => b.send(encodeFrame(frame))
	};
	b.onMessage = (bytes) => peer.frames.push(decodeFrame(bytes));
	// Observe how the node closed us: linkFromPort reports the reason on our side.
	const close = a.close.bind(a);
	a.close = (reason, misbehaved) => {
		peer.closed = { reason, misbehaved: misbehaved ?? false };
		close(reason, misbehaved);
	};
	n.addPeer(a);
	const chain = n.chain!;
	peer.send({ type: 'hello', chain: chain.chainId, height: chain.height, head: fromHex(chain.head.hash), weight: chain.head.weight, agent: 'raw' });
	return peer;
}

function head(n: AgoraNode) {
	return n.chain!.head.header;
}

type Case = { name: string; code: string; act: (peer: RawPeer, n: AgoraNode) => Promise<void> | void };

const cases: Case[] = [
	{
		name: 'a frame that does not decode',
		code: 'malformed frame',
		act: (peer) => peer.link.send(new Uint8Array([0xff, 0x00, 0x13]))
	},
	{
		name: 'a block with a bad signature',
		code: 'E_BLOCK_SIGNATURE',
		act: (peer, n) => {
			const block = emptyChild(n.chain!.chainId, head(n), founder);
			const sig = block.header.sig.slice();
			sig[0]! ^= 1;
			peer.send({ type: 'newBlock', block: { ...block, header: { ...block.header, sig } } });
		}
	},
	{
		name: 'a block whose parent the peer cannot show',
		code: 'E_BLOCK_PARENT',
		act: async (peer, n) => {
			const block = resign(emptyChild(n.chain!.chainId, head(n), founder), founder, { parent: new Uint8Array(32).fill(7) });
			peer.send({ type: 'newBlock', block });
			// The node asks for the missing ancestors; the peer answers with blocks that still do not connect.
			await until('the node asked for blocks', () => peer.frames.some((f) => f.type === 'getBlocks'));
			peer.send({ type: 'blocks', blocks: [block] });
		}
	},
	{
		name: 'a block at the wrong height for its parent',
		code: 'E_BLOCK_HEIGHT',
		act: (peer, n) => peer.send({ type: 'newBlock', block: resign(emptyChild(n.chain!.chainId, head(n), founder), founder, { height: head(n).height + 2 }) })
	},
	{
		name: 'a block sealed by a key that is not an authority',
		code: 'E_BLOCK_PROPOSER',
		act: (peer, n) => peer.send({ type: 'newBlock', block: emptyChild(n.chain!.chainId, head(n), key(7)) })
	},
	{
		name: 'a drafts update that does not decode',
		code: 'E_FRAME',
		act: (peer) => peer.send({ type: 'draftsUpdate', update: new Uint8Array([0xff, 0xff, 0xff, 0x01]) })
	},
	{
		name: 'a transaction with a forged signature',
		code: 'E_TX_SIGNATURE',
		act: (peer, n) => {
			const tx = makeTx(n.chain!.chainId, key(3), 0, 'member.join', { name: 'Mallory' }, { created: Date.now() });
			const sig = tx.sig.slice();
			sig[10]! ^= 0x80;
			peer.send({ type: 'txs', txs: [{ ...tx, sig }] });
		}
	}
];

describe('bad input from a peer', () => {
	for (const c of cases) {
		it(`${c.name}: rejected with a reason, the peer dropped, the node still sealing`, async () => {
			node = await founderNode();
			const peer = rawPeer(node);
			await until('hello answered', () => peer.frames.some((f) => f.type === 'hello'));
			await c.act(peer, node);
			await until('the peer was dropped', () => peer.closed !== null);
			expect(peer.closed!.misbehaved).toBe(true);
			expect(peer.closed!.reason).toContain(c.code);
			expect(node.view().log.some((l) => l.level === 'warn' && l.message.includes(c.code))).toBe(true);
			expect(node.view().peers).toEqual([]);
			await node.post('still here');
			await until('the node keeps sealing', () => node.view().posts.some((p) => p.text === 'still here' && p.status === 'confirmed'));
		});
	}

	it('asks for the ancestors of a block it cannot place instead of dropping the peer at once', async () => {
		node = await founderNode();
		const peer = rawPeer(node);
		await until('hello answered', () => peer.frames.some((f) => f.type === 'hello'));
		const orphan: Block = resign(emptyChild(node.chain!.chainId, head(node), founder), founder, { parent: new Uint8Array(32).fill(9) });
		peer.send({ type: 'newBlock', block: orphan });
		await until('the node asked for blocks', () => peer.frames.some((f) => f.type === 'getBlocks'));
		expect(peer.closed).toBeNull();
	});
});
