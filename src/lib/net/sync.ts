/**
 * Block and transaction sync over any set of PeerLinks.
 *
 * Both sides open with `hello`. The side that is behind asks for blocks
 * after a locator (hashes of its chain at exponentially growing distances
 * back), validates each batch before storing it, and keeps asking while
 * batches bring new blocks and the peer's head is still unknown. New blocks and transactions are announced to every
 * other peer, so announcements spread by gossip.
 *
 * Nothing waits forever on a frame that was lost: a request for blocks that
 * is not answered in time is asked again (of another peer that is ahead when
 * there is one), and every peer tells the others where its head is every few
 * seconds (`status`), so a node that missed an announcement still learns it
 * is behind and catches up.
 *
 * A peer that sends a malformed frame, a frame before `hello`, another
 * community's hello, unsolicited or unconnected blocks, an invalid block or a
 * forged transaction, or too many frames, is dropped with the reason.
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../core/bytes.js';
import { AgoraError, isAgoraError } from '../core/errors.js';
import type { Chain } from '../core/chain.js';
import { encodeBlock, blockHash, type Block } from '../core/block/block.js';
import type { Tx } from '../core/tx/tx.js';
import type { PeerLink } from './link.js';
import { TokenBucket } from './ratelimit.js';
import { runtimeTimers, unref, type TimerHandle, type Timers } from './scheduler.js';
import { encodeFrame, decodeFrame, MAX_BLOCKS_PER_FRAME, MAX_FRAME_BYTES, MAX_LOCATOR, MAX_TXS_PER_FRAME, type DraftsFrame, type Frame } from './wire.js';

export interface ImportResult {
	/** The first block's parent is unknown here. */
	readonly orphan: boolean;
	/** Blocks that were new and valid. */
	readonly added: readonly Block[];
	/** Whether the head moved. */
	readonly headChanged: boolean;
}

/** What sync needs from the node it serves. */
export interface SyncHost {
	readonly chainId: Bytes;
	readonly agent: string;
	now(): number;
	/** Null until the genesis block has arrived. */
	chain(): Chain | null;
	/** Verifies and adds blocks in order; throws an AgoraError at the first invalid one (earlier ones stay added). */
	importBlocks(blocks: readonly Block[]): Promise<ImportResult>;
	/** Admits transactions to the mempool; returns those that were new. Throws on a forged signature. */
	importTxs(txs: readonly Tx[]): Promise<Tx[]>;
	/** Called when a peer connects (after hello), e.g. to send it our outbox. */
	peerReady(peer: PeerInfo): void;
	/** A frame about proposal drafts from a ready peer; an AgoraError thrown here drops the peer. */
	draftsFrame(peerId: string, frame: DraftsFrame): void;
	log(level: 'info' | 'warn', message: string): void;
	changed(): void;
}

export interface PeerInfo {
	readonly id: string;
	readonly height: number | null;
	readonly agent: string | null;
	readonly connectedAt: number;
}

/** Which ready peers a frame goes to: one, or all but one (or all). */
export type Recipients = { readonly peer: string } | { readonly except?: string | undefined };

/** Where a peer's head is, as far as we know. */
interface PeerHead {
	readonly height: number;
	readonly head: Bytes | null;
	readonly weight: bigint;
}

interface Peer {
	readonly link: PeerLink;
	readonly bucket: TokenBucket;
	readonly connectedAt: number;
	/** When the peer last sent anything. */
	heard: number;
	hello: Extract<Frame, { type: 'hello' }> | null;
	/** The peer's head as last heard: from hello, then status frames and its announcements. */
	head: PeerHead | null;
	/** The timeout of our outstanding getBlocks, if any. */
	request: TimerHandle | null;
	/** Requests that timed out and whose answers may still arrive (and are then welcome). */
	late: number;
	/** Frames are handled one at a time per peer, in arrival order. */
	queue: Promise<void>;
}

const FRAME_BURST = 400;
const FRAMES_PER_SECOND = 200;
/** A quiet peer is pinged after this long, and dropped after three times as long. */
export const KEEPALIVE_MS = 15_000;
/** How often every peer is told where our head is. */
export const STATUS_MS = 5_000;
/** How long an answer to getBlocks may take before the request is made again. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** At most this many timed-out requests per peer may still be answered without the answer counting as unsolicited. */
const MAX_LATE = 4;

export class Sync {
	private readonly peers = new Map<string, Peer>();
	private tickTimer: TimerHandle;

	constructor(
		private readonly host: SyncHost,
		private readonly timers: Timers = runtimeTimers
	) {
		this.tickTimer = this.scheduleTick();
	}

	peerList(): PeerInfo[] {
		return [...this.peers.values()].map(peerInfo);
	}

	addPeer(link: PeerLink): void {
		this.peers.get(link.id)?.link.close('replaced by a new connection');
		const now = this.host.now();
		const peer: Peer = {
			link,
			bucket: new TokenBucket(FRAME_BURST, FRAMES_PER_SECOND, now),
			connectedAt: now,
			heard: now,
			hello: null,
			head: null,
			request: null,
			late: 0,
			queue: Promise.resolve()
		};
		this.peers.set(link.id, peer);
		link.onMessage = (bytes) => {
			// A handler bug must not stall this peer's queue for good: drop the peer instead.
			peer.queue = peer.queue.then(() => this.receive(peer, bytes)).catch((e) => this.drop(peer, `internal error: ${(e as Error).message}`, false));
		};
		link.onClose = (reason) => {
			this.cancelRequest(peer);
			if (this.peers.get(link.id) === peer) this.peers.delete(link.id);
			this.host.log('info', `peer ${short(link.id)} left: ${reason}`);
			this.host.changed();
		};
		this.send(peer, this.hello());
		this.host.changed();
	}

	/** Announces a block that became our head to every peer but `except`. */
	announceBlock(block: Block, except?: string): void {
		this.broadcast([encodeFrame({ type: 'newBlock', block })], { except });
	}

	/** Sends transactions to every ready peer but `except`; returns how many peers got them. */
	announceTxs(txs: readonly Tx[], except?: string): number {
		return txs.length === 0 ? 0 : this.broadcast(txFrames(txs), { except });
	}

	/** Sends a drafts frame to one ready peer, or to every ready peer but `except`. */
	sendDrafts(frame: DraftsFrame, to: Recipients): void {
		this.broadcast([encodeFrame(frame)], to);
	}

	sendTxs(peerId: string, txs: readonly Tx[]): void {
		this.broadcast(txFrames(txs), { peer: peerId });
	}

	/** Sends frames to the ready peers `to` names; returns how many peers got them. */
	private broadcast(frames: readonly Uint8Array[], to: Recipients): number {
		const peers = [...this.peers.values()].filter((p) => p.hello && ('peer' in to ? p.link.id === to.peer : p.link.id !== to.except));
		for (const bytes of frames) for (const p of peers) p.link.send(bytes);
		return peers.length;
	}

	/** Asks every peer that is ahead of us for blocks (after our head moved back, or on demand). */
	syncAll(): void {
		for (const p of this.peers.values()) if (p.hello && this.isAhead(p.head)) this.requestBlocks(p);
	}

	close(): void {
		this.timers.clearTimeout(this.tickTimer);
		for (const p of [...this.peers.values()]) p.link.close('node stopped');
		this.peers.clear();
	}

	/** Tells every ready peer where our head is. */
	sendStatus(): void {
		const head = this.host.chain()?.head;
		if (!head) return;
		this.broadcast([encodeFrame({ type: 'status', height: head.height, head: fromHex(head.hash), weight: head.weight })], {});
	}

	/** Pings quiet peers and drops silent ones. */
	checkAlive(): void {
		const now = this.host.now();
		for (const peer of [...this.peers.values()]) {
			const quiet = now - peer.heard;
			if (quiet >= 3 * KEEPALIVE_MS) this.drop(peer, `silent for ${Math.round(quiet / 1000)} s`, false);
			else if (quiet >= KEEPALIVE_MS) this.send(peer, { type: 'ping', nonce: now % 0x100000000 });
		}
	}

	private scheduleTick(): TimerHandle {
		// In Node (tests, the headless peer) this timer must not keep the process alive.
		const handle = this.timers.setTimeout(() => {
			this.tickTimer = this.scheduleTick();
			this.sendStatus();
			this.checkAlive();
		}, STATUS_MS);
		unref(handle);
		return handle;
	}

	private hello(): Frame {
		const chain = this.host.chain();
		const head = chain?.head;
		return {
			type: 'hello',
			chain: this.host.chainId,
			height: head?.height ?? 0,
			head: head ? fromHex(head.hash) : null,
			weight: head?.weight ?? 0n,
			agent: this.host.agent
		};
	}

	private send(peer: Peer, frame: Frame): void {
		peer.link.send(encodeFrame(frame));
	}

	private drop(peer: Peer, reason: string, misbehaved = true): void {
		if (this.peers.get(peer.link.id) !== peer) return;
		this.host.log('warn', `dropping peer ${short(peer.link.id)}: ${reason}`);
		this.peers.delete(peer.link.id);
		peer.link.close(reason, misbehaved);
		this.host.changed();
	}

	private isAhead(head: PeerHead | null): boolean {
		const chain = this.host.chain();
		if (!chain) return true;
		if (!head?.head) return false;
		if (chain.node(toHex(head.head))) return false;
		return head.weight >= chain.head.weight;
	}

	private requestBlocks(peer: Peer): void {
		if (peer.request !== null) return;
		const locator = (this.host.chain()?.locator() ?? []).slice(0, MAX_LOCATOR).map((h) => fromHex(h));
		peer.request = this.timers.setTimeout(() => this.requestTimedOut(peer), REQUEST_TIMEOUT_MS);
		unref(peer.request);
		this.send(peer, { type: 'getBlocks', locator, max: MAX_BLOCKS_PER_FRAME });
	}

	private cancelRequest(peer: Peer): void {
		if (peer.request === null) return;
		this.timers.clearTimeout(peer.request);
		peer.request = null;
	}

	/** The request or its answer was lost, or the peer is slow: ask another peer that is ahead, or this one again. */
	private requestTimedOut(peer: Peer): void {
		peer.request = null;
		if (this.peers.get(peer.link.id) !== peer) return;
		peer.late = Math.min(peer.late + 1, MAX_LATE);
		this.host.log('info', `peer ${short(peer.link.id)} did not answer a request for blocks in time`);
		const ahead = [...this.peers.values()].filter((p) => p.hello && p.request === null && this.isAhead(p.head));
		const next = ahead.find((p) => p !== peer) ?? ahead[0];
		if (next) this.requestBlocks(next);
	}

	/** Records where a peer's head is (its own word in hello and status; a block it announced, when heavier). */
	private learnHead(peer: Peer, head: PeerHead): void {
		const before = peer.head;
		peer.head = head;
		if (before?.height !== head.height || before.weight !== head.weight) this.host.changed();
	}

	private async receive(peer: Peer, bytes: Uint8Array): Promise<void> {
		if (this.peers.get(peer.link.id) !== peer) return;
		peer.heard = this.host.now();
		if (!peer.bucket.take(peer.heard)) return this.drop(peer, 'too many frames');
		let frame: Frame;
		try {
			frame = decodeFrame(bytes);
		} catch (e) {
			return this.drop(peer, isAgoraError(e) ? e.message : 'malformed frame');
		}
		if (!peer.hello && frame.type !== 'hello') return this.drop(peer, `protocol: ${frame.type} before hello`);
		try {
			await this.handle(peer, frame);
		} catch (e) {
			if (!isAgoraError(e)) throw e;
			// An honest peer still on a branch that lost below our finalized block sends such blocks; it is behind, not lying.
			if (e.code === 'E_BLOCK_FINALITY') return this.host.log('info', `ignoring a block from peer ${short(peer.link.id)}: ${e.message}`);
			this.drop(peer, `${e.code}: ${e.message}`);
		}
	}

	private async handle(peer: Peer, frame: Frame): Promise<void> {
		switch (frame.type) {
			case 'hello': {
				if (peer.hello) throw new AgoraError('E_PEER', 'hello sent twice', 'frame.type', 'hello');
				if (!equalBytes(frame.chain, this.host.chainId)) throw new AgoraError('E_PEER', 'peer belongs to another community', 'hello.chain', toHex(frame.chain));
				peer.hello = frame;
				peer.head = { height: frame.height, head: frame.head, weight: frame.weight };
				this.host.log('info', `peer ${short(peer.link.id)} joined at height ${frame.height} (${frame.agent})`);
				this.host.peerReady(peerInfo(peer));
				if (this.isAhead(peer.head)) this.requestBlocks(peer);
				this.host.changed();
				return;
			}
			case 'status': {
				this.learnHead(peer, { height: frame.height, head: frame.head, weight: frame.weight });
				if (this.isAhead(peer.head)) this.requestBlocks(peer);
				return;
			}
			case 'getBlocks': {
				const chain = this.host.chain();
				const blocks = chain ? chain.blocksAfter(frame.locator.map(toHex), frame.max) : [];
				this.send(peer, { type: 'blocks', blocks: fitFrame(blocks) });
				return;
			}
			case 'blocks': {
				const answer = peer.request !== null;
				if (answer) this.cancelRequest(peer);
				else if (peer.late > 0) peer.late--;
				else throw new AgoraError('E_PEER', 'blocks nobody asked for', 'frame.type', 'blocks');
				if (frame.blocks.length === 0) return;
				const result = await this.host.importBlocks(frame.blocks);
				if (result.orphan) {
					// A late answer was made for a locator we may have moved away from since; only a current answer must connect.
					if (!answer) return;
					throw new AgoraError('E_BLOCK_PARENT', 'the blocks sent do not connect to our chain', 'blocks[0].parent', toHex(frame.blocks[0]!.header.parent));
				}
				if (result.headChanged) {
					this.announceBlock(this.host.chain()!.head.block, peer.link.id);
					this.host.changed();
				}
				// Keep asking while batches bring something new and the peer's head is still unknown here.
				if (result.added.length > 0 && this.isAhead(peer.head)) this.requestBlocks(peer);
				return;
			}
			case 'newBlock': {
				const result = await this.host.importBlocks([frame.block]);
				if (result.orphan) {
					this.requestBlocks(peer);
					return;
				}
				const node = this.host.chain()?.node(toHex(blockHash(frame.block.header)));
				if (node && node.weight >= (peer.head?.weight ?? 0n)) this.learnHead(peer, { height: node.height, head: fromHex(node.hash), weight: node.weight });
				if (result.headChanged) {
					this.announceBlock(frame.block, peer.link.id);
					this.host.changed();
				}
				return;
			}
			case 'txs': {
				const fresh = await this.host.importTxs(frame.txs);
				this.announceTxs(fresh, peer.link.id);
				if (fresh.length) this.host.changed();
				return;
			}
			case 'ping':
				this.send(peer, { type: 'pong', nonce: frame.nonce });
				return;
			case 'pong':
				return;
			case 'draftsHave':
			case 'draftsUpdate':
				this.host.draftsFrame(peer.link.id, frame);
				return;
		}
	}
}

function peerInfo(p: Peer): PeerInfo {
	return { id: p.link.id, height: p.head?.height ?? null, agent: p.hello?.agent ?? null, connectedAt: p.connectedAt };
}

/** Transactions as frames of at most MAX_TXS_PER_FRAME each. */
function txFrames(txs: readonly Tx[]): Uint8Array[] {
	const frames: Uint8Array[] = [];
	for (let i = 0; i < txs.length; i += MAX_TXS_PER_FRAME) frames.push(encodeFrame({ type: 'txs', txs: txs.slice(i, i + MAX_TXS_PER_FRAME) }));
	return frames;
}

/** The longest prefix of `blocks` whose frame stays under the frame limit. */
function fitFrame(blocks: readonly Block[]): Block[] {
	const out: Block[] = [];
	let size = 64;
	for (const b of blocks) {
		size += encodeBlock(b).length;
		if (size > MAX_FRAME_BYTES && out.length > 0) break;
		out.push(b);
	}
	return out;
}

function short(id: string): string {
	return id.slice(0, 8);
}
