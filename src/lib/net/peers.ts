/**
 * The main-thread peer manager. RTCPeerConnection does not exist in Chromium's
 * workers, so WebRTC peers live here and the worker gets each connected peer
 * as a MessagePort (see link.ts); everything that decides stays in the worker.
 *
 * Who connects to whom: every peer announces itself in the room when a relay
 * opens and then periodically; a peer answers the announce of one it has not
 * seen, so a newcomer learns the room at once. Of two peers, the one with the
 * lower id makes the offer, so two peers never offer to each other at the same
 * time (glare). Connections are bounded, time out when they do not complete,
 * and a peer the worker disconnects is refused for a while.
 */
import { pipeToPort, type PortPipe } from './link.js';
import { Observable, type Readable } from './observable.js';
import type { RelayStatus, RoomMessage } from './signaling.js';

/** One WebRTC connection, as the manager drives it; rtc.ts adapts simple-peer to it. */
export interface RtcPeer {
	/** Feeds the remote side's handshake message. */
	signal(data: object): void;
	send(bytes: Uint8Array): void;
	/** Closes the connection; no events follow. */
	destroy(): void;
}

/** Events begin after the factory has returned, never during the call. */
export interface RtcPeerEvents {
	/** A handshake message to deliver to the remote side. */
	signal(data: object): void;
	connect(): void;
	data(bytes: Uint8Array): void;
	/** The connection failed or closed; called at most once, and never after destroy(). */
	close(reason: string): void;
}

export interface RtcPeerOptions {
	readonly initiator: boolean;
	readonly iceServers: readonly RTCIceServer[];
}

export type PeerFactory = (options: RtcPeerOptions, events: RtcPeerEvents) => RtcPeer;

/** What the manager needs from signaling; SignalingClient provides it. */
export interface SignalingChannel {
	readonly peerId: string;
	readonly relays: Readable<readonly RelayStatus[]>;
	onMessage: ((message: RoomMessage) => void) | null;
	onOpen: ((relay: string) => void) | null;
	start(): Promise<void>;
	stop(): void;
	announce(): Promise<number>;
	signal(to: string, signal: object): Promise<number>;
}

export type PeerStatus = 'connecting' | 'connected';

export interface PeerInfo {
	readonly id: string;
	readonly status: PeerStatus;
	/** Whether we made the offer. */
	readonly initiator: boolean;
	/** When the status last changed (ms since the epoch). */
	readonly since: number;
}

export interface NetworkState {
	/** Our id in the room. */
	readonly self: string;
	readonly peers: readonly PeerInfo[];
	/** Peers refused until the given time, after the worker dropped them. */
	readonly banned: readonly { readonly id: string; readonly until: number }[];
	readonly relays: readonly RelayStatus[];
}

export interface PeerManagerOptions {
	/** The manager starts and stops it, and owns its callbacks. */
	readonly signaling: SignalingChannel;
	readonly peerFactory: PeerFactory;
	/** A peer connected: hand `port` to the worker, which wraps it with linkFromPort. */
	readonly onLink: (peerId: string, port: MessagePort) => void;
	/** Connections at once, connecting ones included. 8 by default. */
	readonly maxPeers?: number;
	/** No STUN or TURN by default: host candidates reach peers on the same network. */
	readonly iceServers?: readonly RTCIceServer[];
	/** A connection that has not opened by then is dropped. 20 s by default. */
	readonly connectTimeoutMs?: number;
	/** How often to announce while below maxPeers. 15 s by default. */
	readonly announceIntervalMs?: number;
	/** How long a peer the worker disconnected is refused. 60 s by default. */
	readonly banMs?: number;
	/** The clock; Date.now by default. */
	readonly now?: () => number;
}

const MAX_EARLY_MESSAGES = 64;

interface Peer {
	readonly id: string;
	readonly rtc: RtcPeer;
	readonly initiator: boolean;
	status: PeerStatus;
	since: number;
	timeout: ReturnType<typeof setTimeout> | null;
	pipe: PortPipe | null;
	/** Bytes that arrived before our side saw the connection open (the remote may open first). */
	early: Uint8Array[];
}

export class PeerManager {
	private readonly signaling: SignalingChannel;
	private readonly peerFactory: PeerFactory;
	private readonly onLink: (peerId: string, port: MessagePort) => void;
	private readonly maxPeers: number;
	private readonly iceServers: readonly RTCIceServer[];
	private readonly connectTimeoutMs: number;
	private readonly announceIntervalMs: number;
	private readonly banMs: number;
	private readonly now: () => number;

	private readonly peers = new Map<string, Peer>();
	/** Peers we have heard announce, and when: an unseen one gets an answering announce. */
	private readonly seen = new Map<string, number>();
	private readonly banned = new Map<string, number>();
	private readonly observable: Observable<NetworkState>;
	private relays: readonly RelayStatus[] = [];
	private unwatchRelays: (() => void) | null = null;
	private announcer: ReturnType<typeof setInterval> | null = null;
	private stopped = false;

	constructor(options: PeerManagerOptions) {
		this.signaling = options.signaling;
		this.peerFactory = options.peerFactory;
		this.onLink = options.onLink;
		this.maxPeers = options.maxPeers ?? 8;
		this.iceServers = options.iceServers ?? [];
		this.connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
		this.announceIntervalMs = options.announceIntervalMs ?? 15_000;
		this.banMs = options.banMs ?? 60_000;
		this.now = options.now ?? Date.now;
		this.observable = new Observable<NetworkState>(this.snapshot());
	}

	get self(): string {
		return this.signaling.peerId;
	}

	/** Peers and relays with their status, for the UI. */
	get state(): Readable<NetworkState> {
		return this.observable;
	}

	async start(): Promise<void> {
		this.signaling.onMessage = (message) => this.receive(message);
		this.signaling.onOpen = () => this.announce();
		this.unwatchRelays = this.signaling.relays.subscribe((relays) => {
			this.relays = relays;
			this.changed();
		});
		this.announcer = setInterval(() => this.tick(), this.announceIntervalMs);
		await this.signaling.start();
	}

	/** Closes every connection and the signaling client; the manager cannot be restarted. */
	stop(): void {
		this.stopped = true;
		if (this.announcer) clearInterval(this.announcer);
		this.announcer = null;
		this.signaling.stop();
		this.signaling.onMessage = this.signaling.onOpen = null;
		for (const peer of [...this.peers.values()]) this.remove(peer, 'stopped');
		this.unwatchRelays?.();
		this.unwatchRelays = null;
	}

	private receive(message: RoomMessage): void {
		if (this.stopped || this.isBanned(message.from)) return;
		if (message.type === 'announce') this.onAnnounce(message.from);
		else this.onSignal(message.from, message.signal);
	}

	private onAnnounce(from: string): void {
		const known = this.seen.has(from);
		this.seen.set(from, this.now());
		if (this.peers.has(from) || this.full()) return;
		// The lower id offers; the higher one answers the announce so the lower learns of it and offers.
		if (this.self < from) this.connect(from, true);
		else if (!known) this.announce();
	}

	private onSignal(from: string, signal: object): void {
		let peer = this.peers.get(from);
		if (isOffer(signal)) {
			// Only the lower id offers. A second offer means the remote side started over: so do we.
			if (from > this.self) return;
			if (peer) this.remove(peer, 'replaced by a new offer');
			if (this.full()) return;
			peer = this.connect(from, false);
		}
		if (!peer) return;
		try {
			peer.rtc.signal(signal);
		} catch (error) {
			this.remove(peer, `bad signal: ${describe(error)}`);
		}
	}

	private connect(id: string, initiator: boolean): Peer {
		const rtc = this.peerFactory(
			{ initiator, iceServers: this.iceServers },
			{
				signal: (data) => void this.signaling.signal(id, data).catch(() => {}),
				connect: () => this.connected(peer),
				data: (bytes) => this.received(peer, bytes),
				close: (reason) => this.remove(peer, reason)
			}
		);
		const peer: Peer = { id, rtc, initiator, status: 'connecting', since: this.now(), timeout: null, pipe: null, early: [] };
		peer.timeout = setTimeout(() => this.remove(peer, 'connection timed out'), this.connectTimeoutMs);
		this.peers.set(id, peer);
		this.changed();
		return peer;
	}

	private received(peer: Peer, bytes: Uint8Array): void {
		if (peer.pipe) peer.pipe.deliver(bytes);
		else if (peer.early.push(bytes) > MAX_EARLY_MESSAGES) this.remove(peer, 'too much data before the connection opened');
	}

	private connected(peer: Peer): void {
		if (this.peers.get(peer.id) !== peer) return;
		if (peer.timeout) clearTimeout(peer.timeout);
		peer.timeout = null;
		peer.status = 'connected';
		peer.since = this.now();
		const channel = new MessageChannel();
		peer.pipe = pipeToPort(
			channel.port1,
			(bytes) => this.send(peer, bytes),
			// The worker closed the link; if the peer misbehaved, refuse it for a while.
			(reason, misbehaved) => (misbehaved ? this.expel(peer, reason) : this.remove(peer, reason))
		);
		for (const bytes of peer.early.splice(0)) peer.pipe.deliver(bytes);
		this.onLink(peer.id, channel.port2);
		this.changed();
	}

	private send(peer: Peer, bytes: Uint8Array): void {
		try {
			peer.rtc.send(bytes);
		} catch (error) {
			this.remove(peer, `send failed: ${describe(error)}`);
		}
	}

	private expel(peer: Peer, reason: string): void {
		this.banned.set(peer.id, this.now() + this.banMs);
		peer.pipe = null;
		this.remove(peer, reason);
	}

	/** Forgets a peer: destroys its connection and tells the worker, if it knew of it. */
	private remove(peer: Peer, reason: string): void {
		if (this.peers.get(peer.id) !== peer) return;
		this.peers.delete(peer.id);
		if (peer.timeout) clearTimeout(peer.timeout);
		peer.rtc.destroy();
		peer.pipe?.closed(reason);
		this.changed();
	}

	private announce(): void {
		if (!this.stopped && !this.full()) void this.signaling.announce().catch(() => {});
	}

	/** Periodic work: announce, and forget peers that went quiet and bans that ran out. */
	private tick(): void {
		const now = this.now();
		for (const [id, at] of this.seen) if (now - at > 3 * this.announceIntervalMs) this.seen.delete(id);
		const expired = [...this.banned].filter(([, until]) => until <= now);
		for (const [id] of expired) this.banned.delete(id);
		if (expired.length) this.changed();
		this.announce();
	}

	private isBanned(id: string): boolean {
		const until = this.banned.get(id);
		if (until === undefined) return false;
		if (until > this.now()) return true;
		this.banned.delete(id);
		this.changed();
		return false;
	}

	private full(): boolean {
		return this.peers.size >= this.maxPeers;
	}

	private changed(): void {
		this.observable.set(this.snapshot());
	}

	private snapshot(): NetworkState {
		return {
			self: this.signaling.peerId,
			peers: [...this.peers.values()].map(({ id, status, initiator, since }) => ({ id, status, initiator, since })),
			banned: [...this.banned].map(([id, until]) => ({ id, until })),
			relays: this.relays
		};
	}
}

function isOffer(signal: object): boolean {
	return (signal as { type?: unknown }).type === 'offer';
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
