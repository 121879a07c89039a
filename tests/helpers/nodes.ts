/** Full nodes in one process, joined by MessageChannel links exactly as the worker sees WebRTC peers. */
import { webcrypto } from 'node:crypto';
import { AgoraNode } from '../../src/worker/node.js';
import { MemoryStore } from '../../src/lib/store/memory.js';
import { nobleVerifier } from '../../src/lib/core/verify.js';
import { linkFromPort, type PeerLink } from '../../src/lib/net/link.js';
import type { AgoraStore } from '../../src/lib/store/types.js';

export async function openNode(store: AgoraStore = new MemoryStore(), agent = 'test'): Promise<AgoraNode> {
	return AgoraNode.open({
		store,
		verifier: nobleVerifier,
		now: () => Date.now(),
		randomBytes: (n) => webcrypto.getRandomValues(new Uint8Array(n)),
		agent
	});
}

/** Two ends of one link: `a` is what node A sees of B, `b` what B sees of A. */
export function linkPair(aId = 'A', bId = 'B'): { a: PeerLink; b: PeerLink } {
	const channel = new MessageChannel();
	return { a: linkFromPort(bId, channel.port1 as never), b: linkFromPort(aId, channel.port2 as never) };
}

export function connect(x: AgoraNode, xId: string, y: AgoraNode, yId: string): { x: PeerLink; y: PeerLink } {
	const { a, b } = linkPair(xId, yId);
	x.addPeer(a);
	y.addPeer(b);
	return { x: a, y: b };
}

export { until } from './until.js';
