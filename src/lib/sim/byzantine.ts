/**
 * Misbehaving peers for tests: endpoints that speak the wire protocol from a
 * script instead of running a node. They read the honest community's chain
 * from one of its members (what a peer that syncs would know) and hold a key
 * the community gave a sealer, as a compromised or rogue sealer would.
 */
import { toHex, type Hex } from '../core/bytes.js';
import type { Chain } from '../core/chain.js';
import { blockHash, signHeader, type Block, type UnsignedHeader } from '../core/block/block.js';
import { getAuthorities } from '../core/consensus/poa.js';
import { meetsTarget, readPowSeal } from '../core/consensus/pow.js';
import type { KeyPair } from '../core/keys.js';
import { EMPTY_ROOT } from '../core/merkle.js';
import { readVote, VOTE_KIND } from '../core/state/consensus.js';
import { signTx, type Tx } from '../core/tx/tx.js';
import { increment } from '../core/vclock.js';
import type { PeerLink } from '../net/link.js';
import { decodeFrame, encodeFrame, type Frame } from '../net/wire.js';
import type { Actor } from './actors.js';
import type { Endpoint } from './network.js';
import type { Simulation } from './world.js';

/** A peer that says hello as a member of the community at genesis and then does what it is told. */
export class ScriptedPeer implements Endpoint {
	/** Open links by the name of the node at the other end. */
	readonly links = new Map<string, PeerLink>();
	/** Why each link closed, by the name of the node at the other end. */
	readonly closed = new Map<string, string>();
	onFrame: ((from: string, frame: Frame) => void) | null = null;

	constructor(
		readonly name: string,
		private readonly chainId: Uint8Array
	) {}

	accept(link: PeerLink): void {
		this.links.set(link.id, link);
		link.onMessage = (bytes) => {
			const frame = decodeFrame(bytes);
			if (frame.type === 'ping') link.send(encodeFrame({ type: 'pong', nonce: frame.nonce }));
			this.onFrame?.(link.id, frame);
		};
		link.onClose = (reason) => {
			this.links.delete(link.id);
			this.closed.set(link.id, reason);
		};
		// At genesis, weightless: honest nodes never ask it for blocks.
		link.send(encodeFrame({ type: 'hello', chain: this.chainId, height: 0, head: this.chainId, weight: 0n, agent: 'scripted' }));
	}

	broadcast(frame: Frame): void {
		const bytes = encodeFrame(frame);
		for (const link of this.links.values()) link.send(bytes);
	}
}

/** Adds a scripted peer to the network, linked to the given members. */
export function scriptedPeer(sim: Simulation, name: string, linkedTo: readonly number[]): ScriptedPeer {
	const peer = new ScriptedPeer(name, sim.chainOf(0).chainId);
	const index = sim.network.add(peer, false);
	for (const i of linkedTo) sim.network.connect(index, i);
	return peer;
}

/** An empty block on the head built by hand, so it can break the engine's rules; its state root is the parent's (a seal is checked first). */
export function handmadeHeader(chain: Chain, keys: KeyPair, seal: UnsignedHeader['seal'], now: number): UnsignedHeader {
	const parent = chain.head.header;
	return {
		chain: chain.chainId,
		height: parent.height + 1,
		parent: blockHash(parent),
		time: Math.max(now, parent.time + 1),
		proposer: keys.publicKey,
		txRoot: EMPTY_ROOT,
		stateRoot: parent.stateRoot,
		clock: increment(parent.clock, toHex(keys.publicKey)),
		seal
	};
}

/**
 * Proof of authority: the authority that sealed the head seals the next
 * block too, breaking "at most one of any floor(n/2)+1 consecutive blocks".
 */
export function poaSealedTooOften(chain: Chain, keyOf: (who: Hex) => KeyPair, now: number): Block {
	const head = chain.head.header;
	const who = toHex(head.proposer);
	const authorities = getAuthorities(chain.state);
	const height = head.height + 1;
	const difficulty = authorities[height % authorities.length] === who ? 2 : 1;
	const keys = keyOf(who);
	return { header: signHeader(handmadeHeader(chain, keys, { difficulty }, now), keys), txs: [] };
}

/** Proof of work: a block that carries the right difficulty but a nonce whose work hash is above the target. */
export function powBelowTarget(chain: Chain, keys: KeyPair, now: number): Block {
	const proposal = chain.propose(keys, [], now);
	if (!proposal || 'wait' in proposal) throw new Error(`${toHex(keys.publicKey).slice(0, 16)}… may not seal on the head now`);
	const { sig: _sig, ...mined } = proposal.block.header;
	const { difficulty, nonce } = readPowSeal(mined.seal);
	for (let n = nonce + 1; ; n++) {
		const header: UnsignedHeader = { ...mined, seal: { difficulty, nonce: n } };
		if (!meetsTarget(header, difficulty)) return { header: signHeader(header, keys), txs: [] };
	}
}

/** Sends a block made by `make` from a scripted peer at `at` virtual ms after the start. */
export class InvalidBlockSender implements Actor {
	readonly name = 'invalid-block';
	sent: Block | null = null;

	constructor(
		private readonly peer: ScriptedPeer,
		private readonly at: number,
		private readonly make: (sim: Simulation) => Block
	) {}

	start(sim: Simulation): void {
		sim.clock.setTimeout(() => {
			this.sent = this.make(sim);
			this.peer.broadcast({ type: 'newBlock', block: this.sent });
		}, this.at);
	}
}

/**
 * A validator that votes twice: whenever its honest node's vote passes by,
 * it signs a vote for another block at the same height and sends it out. A
 * far-away nonce lets the second vote into every pool, so it spreads.
 */
export class DoubleVoter implements Actor {
	readonly name = 'double-voter';
	readonly conflicting: Tx[] = [];
	private readonly voted = new Set<number>();

	constructor(
		private readonly peer: ScriptedPeer,
		private readonly keys: KeyPair,
		private readonly limit = 3
	) {}

	start(): void {
		const me = toHex(this.keys.publicKey);
		this.peer.onFrame = (_from, frame) => {
			if (frame.type !== 'txs') return;
			for (const tx of frame.txs) {
				if (tx.kind !== VOTE_KIND || toHex(tx.from) !== me || this.conflicting.length >= this.limit) continue;
				const vote = readVote(tx.body);
				if (this.voted.has(vote.height)) continue;
				this.voted.add(vote.height);
				const other = Uint8Array.from(vote.block);
				other[0]! ^= 0xff;
				const { sig: _sig, ...unsigned } = tx;
				const second = signTx({ ...unsigned, nonce: tx.nonce + 1_000_000, body: { height: vote.height, block: other } }, this.keys);
				this.conflicting.push(second);
				this.peer.broadcast({ type: 'txs', txs: [second] });
			}
		};
	}
}
