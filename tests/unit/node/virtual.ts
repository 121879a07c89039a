/** Nodes on a virtual clock for the node tests: preloaded stores, and links whose frames a test may lose. */
import type { Block } from '../../../src/lib/core/block/block.js';
import type { KeyPair } from '../../../src/lib/core/keys.js';
import { nodeVerifier } from '../../../src/lib/crypto/node.js';
import type { PeerLink } from '../../../src/lib/net/link.js';
import type { VirtualClock } from '../../../src/lib/sim/clock.js';
import { MemoryStore } from '../../../src/lib/store/memory.js';
import { AgoraNode, type NodeOptions } from '../../../src/worker/node.js';
import { genesisFor, key } from '../../helpers/community.js';

export const T = 1_750_000_000_000;
export const FOUNDER = key(0);
export const MEMBER = key(1);
const nodes: AgoraNode[] = [];

/** Closes every node opened since the last call. */
export function closeAll(): void {
	for (const n of nodes.splice(0)) n.close();
}

export function community(extra: Parameters<typeof genesisFor>[1] = {}): Block {
	return genesisFor(FOUNDER, { time: T, members: [FOUNDER, MEMBER].map((k, i) => ({ key: k.publicKey, name: `m${i}` })), ...extra });
}

/** A node on the virtual clock whose store already holds its identity, its community and the genesis block. */
export async function open(clock: VirtualClock, keys: KeyPair, genesis: Block, opts: Partial<NodeOptions> = {}): Promise<AgoraNode> {
	const store = await MemoryStore.joined(keys, 'm', genesis, T);
	const node = await AgoraNode.open({ store, verifier: nodeVerifier, now: () => clock.now(), timers: clock, randomBytes: (n) => new Uint8Array(n), agent: 'test', ...opts });
	nodes.push(node);
	return node;
}

/**
 * A link between two nodes through the clock, 10 ms each way; `drop` may swallow any frame, knowing who sent it.
 * `ids` name a and b to each other: a node with several links needs a distinct name for each peer.
 */
export function link(clock: VirtualClock, a: AgoraNode, b: AgoraNode, drop: (bytes: Uint8Array, from: AgoraNode) => boolean = () => false, ids: readonly [a: string, b: string] = ['A', 'B']): void {
	const end = (id: string): PeerLink => ({ id, send: () => {}, close: () => {}, onMessage: null, onClose: null });
	const seenByA = end(ids[1]);
	const seenByB = end(ids[0]);
	seenByA.send = (bytes) => void (!drop(bytes, a) && clock.setTimeout(() => seenByB.onMessage?.(bytes), 10));
	seenByB.send = (bytes) => void (!drop(bytes, b) && clock.setTimeout(() => seenByA.onMessage?.(bytes), 10));
	a.addPeer(seenByA);
	b.addPeer(seenByB);
}
