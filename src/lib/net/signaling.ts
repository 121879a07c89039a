/**
 * The signaling client: finds peers of one room through any number of relays
 * speaking the y-webrtc signaling protocol, and carries the WebRTC handshake
 * between them. It runs in browsers and in Node (pass `ws`'s WebSocket there).
 *
 * What it publishes is sealed under the room secret (see roomcrypt.ts); what
 * it receives is untrusted: unreadable, malformed and duplicate messages (the
 * same message through two relays) are dropped and counted, and our own
 * echoes are dropped silently.
 */
import { fail } from '../core/errors.js';
import { utf8, fromUtf8 } from '../core/bytes.js';
import { Observable, type Readable } from './observable.js';
import { RoomCipher, SEALED_ID_CHARS } from './roomcrypt.js';

/** A relay address the client can open: ws:// or wss://, no spaces. */
export function isRelayUrl(url: string): boolean {
	return /^wss?:\/\/[^\s]+$/.test(url);
}

/** The room messages, inside the sealed `data` of a relay `publish`. */
export type RoomMessage =
	| { readonly type: 'announce'; readonly from: string }
	| { readonly type: 'signal'; readonly from: string; readonly to: string; readonly signal: object };

/** Handler types are declared as methods so both the DOM's and `ws`'s event types fit (method parameters are compared bivariantly). */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API used here; the DOM's WebSocket and the `ws` package's both fit. */
export interface SocketLike {
	readonly readyState: number;
	send(data: string): void;
	close(code?: number, reason?: string): void;
	onopen: Handler<unknown> | null;
	onmessage: Handler<{ readonly data: unknown }> | null;
	onclose: Handler<unknown> | null;
	onerror: Handler<unknown> | null;
}
export type WebSocketClass = new (url: string) => SocketLike;

export type RelayState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

export interface RelayStatus {
	readonly url: string;
	/** `waiting` is the pause before a reconnect. */
	readonly state: RelayState;
	/** Failed connection attempts since the last success. */
	readonly failures: number;
	/** How many clients the relay last said were in the room (y-webrtc's `clients` field), or null before it said. */
	readonly clients: number | null;
}

export interface SignalingCounters {
	/** Sealed under another secret or room, or corrupted. */
	undecryptable: number;
	/** Not JSON, or not a room message after decrypting. */
	malformed: number;
	/** Copies of a message already received, through another relay or replayed. */
	duplicates: number;
}

export interface SignalingOptions {
	/** ws:// or wss:// URLs; the client uses all of them at once. */
	readonly relays: readonly string[];
	/** The relay topic, from roomName(). */
	readonly room: string;
	/** The room secret from the invite link; at least 16 bytes. */
	readonly secret: Uint8Array;
	/** Our id in the room, from randomPeerId(). */
	readonly peerId: string;
	/** The browser's WebSocket by default. */
	readonly WebSocket?: WebSocketClass;
	/** Jitter source for reconnect delays; Math.random by default. */
	readonly random?: () => number;
	/** A ping goes out this often; a relay silent for two intervals is reconnected. 20 s by default. */
	readonly pingIntervalMs?: number;
	/** Reconnect delay: doubles from `minMs` up to `maxMs`, then jittered to between half and all of it. */
	readonly backoff?: { readonly minMs: number; readonly maxMs: number };
}

const OPEN = 1;
/** The relay closes sockets over 64 KiB; stay clearly under it. */
const MAX_PUBLISH_CHARS = 60 * 1024;
const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** How many message ids are remembered to drop duplicates. */
const SEEN_LIMIT = 1024;

/** A fresh random id for this session in the room (128 bits, hex). */
export function randomPeerId(): string {
	const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class SignalingClient {
	readonly peerId: string;
	readonly room: string;
	/** A room message from another peer, addressed to everyone (announce) or to us (signal). */
	onMessage: ((message: RoomMessage) => void) | null = null;
	/** A relay connection opened and subscribed: a good moment to announce. */
	onOpen: ((relay: string) => void) | null = null;

	private readonly status: Observable<readonly RelayStatus[]>;
	private readonly connections: RelayConnection[];
	private readonly cipher: Promise<RoomCipher>;
	/** Ids of recent messages, and whether each was ours. */
	private readonly seen = new Map<string, boolean>();
	private readonly stats: SignalingCounters = { undecryptable: 0, malformed: 0, duplicates: 0 };
	/** Incoming messages are opened one after another so that signals keep their order. */
	private inbox: Promise<void> = Promise.resolve();
	private started = false;

	constructor(options: SignalingOptions) {
		if (!PEER_ID.test(options.peerId)) fail('E_PEER', 'peerId', options.peerId, 'must be 1 to 64 letters, digits, _ or -');
		if (options.relays.length === 0) fail('E_PEER', 'relays', options.relays, 'must list at least one relay');
		for (const url of options.relays) {
			if (!isRelayUrl(url)) fail('E_PEER', 'relays', url, 'must be a ws:// or wss:// URL');
		}
		this.peerId = options.peerId;
		this.room = options.room;
		this.cipher = RoomCipher.derive(options.secret, options.room);
		// Report a bad secret when it is found, but never as an unhandled rejection.
		this.cipher.catch(() => {});
		const WebSocketImpl = options.WebSocket ?? (globalThis.WebSocket as WebSocketClass | undefined);
		if (!WebSocketImpl) fail('E_PEER', 'WebSocket', WebSocketImpl, 'is not available here: pass a WebSocket class');
		const timing: Timing = {
			pingIntervalMs: options.pingIntervalMs ?? 20_000,
			minMs: options.backoff?.minMs ?? 1_000,
			maxMs: options.backoff?.maxMs ?? 30_000,
			random: options.random ?? Math.random
		};
		this.connections = options.relays.map((url, index) => new RelayConnection(url, options.room, WebSocketImpl, timing, {
			changed: (status) => this.setStatus(index, status),
			opened: () => this.onOpen?.(url),
			received: (frame) => this.receive(frame),
			malformed: () => this.stats.malformed++
		}));
		this.status = new Observable<readonly RelayStatus[]>(this.connections.map((c) => c.status));
	}

	/** Per-relay connection state, for the UI. */
	get relays(): Readable<readonly RelayStatus[]> {
		return this.status;
	}

	get counters(): Readonly<SignalingCounters> {
		return { ...this.stats };
	}

	/** Connects to every relay; rejects if the room secret is unusable. */
	async start(): Promise<void> {
		await this.cipher;
		if (this.started) return;
		this.started = true;
		for (const connection of this.connections) connection.start();
	}

	/** Closes every relay connection for good. */
	stop(): void {
		for (const connection of this.connections) connection.stop();
	}

	/** Tells the room we are here. Resolves with the number of relays it went to. */
	announce(): Promise<number> {
		return this.publish({ type: 'announce', from: this.peerId });
	}

	/** Sends a WebRTC handshake message to one peer. Resolves with the number of relays it went to. */
	signal(to: string, signal: object): Promise<number> {
		return this.publish({ type: 'signal', from: this.peerId, to, signal });
	}

	private async publish(message: RoomMessage): Promise<number> {
		const data = await (await this.cipher).seal(utf8(JSON.stringify(message)));
		const frame = JSON.stringify({ type: 'publish', topic: this.room, data });
		if (frame.length > MAX_PUBLISH_CHARS) fail('E_FRAME', message.type, frame.length, `exceeds the ${MAX_PUBLISH_CHARS}-character relay limit`);
		// Our own copy will come back from every relay: knowing its id drops it before decrypting.
		this.remember(data.slice(0, SEALED_ID_CHARS), true);
		let sent = 0;
		for (const connection of this.connections) if (connection.send(frame)) sent++;
		return sent;
	}

	private receive(frame: Record<string, unknown>): void {
		// Pongs and other relay chatter only prove the relay is alive.
		if (frame.type !== 'publish' || frame.topic !== this.room) return;
		if (typeof frame.data !== 'string') {
			this.stats.malformed++;
			return;
		}
		const data = frame.data;
		// A throwing onMessage must neither stall later messages nor vanish: report it on its own.
		this.inbox = this.inbox.then(() => this.open(data)).catch((error: unknown) => void setTimeout(() => {
			throw error;
		}));
	}

	private async open(data: string): Promise<void> {
		const id = data.slice(0, SEALED_ID_CHARS);
		const own = this.seen.get(id);
		if (own !== undefined) {
			if (!own) this.stats.duplicates++;
			return;
		}
		const plain = await (await this.cipher).open(data);
		if (!plain) {
			this.stats.undecryptable++;
			return;
		}
		// Only authenticated messages are remembered, so a forged blob cannot shadow a real one.
		this.remember(id, false);
		const message = parseRoomMessage(plain);
		if (!message) {
			this.stats.malformed++;
			return;
		}
		if (message.from === this.peerId) return;
		if (message.type === 'signal' && message.to !== this.peerId) return;
		this.onMessage?.(message);
	}

	private remember(id: string, own: boolean): void {
		this.seen.set(id, own);
		// Maps iterate in insertion order: the first key is the oldest.
		if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value!);
	}

	private setStatus(index: number, status: RelayStatus): void {
		const next = [...this.status.value];
		next[index] = status;
		this.status.set(next);
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A relay frame: a JSON object in a text message, or null. */
function parseFrame(data: unknown): Record<string, unknown> | null {
	if (typeof data !== 'string') return null;
	try {
		const frame: unknown = JSON.parse(data);
		return isRecord(frame) ? frame : null;
	} catch {
		return null;
	}
}

function parseRoomMessage(plain: Uint8Array): RoomMessage | null {
	let value: unknown;
	try {
		value = JSON.parse(fromUtf8(plain));
	} catch {
		return null;
	}
	if (!isRecord(value) || typeof value.from !== 'string' || !PEER_ID.test(value.from)) return null;
	if (value.type === 'announce') return { type: 'announce', from: value.from };
	if (value.type === 'signal' && typeof value.to === 'string' && isRecord(value.signal)) {
		return { type: 'signal', from: value.from, to: value.to, signal: value.signal };
	}
	return null;
}

interface Timing {
	readonly pingIntervalMs: number;
	readonly minMs: number;
	readonly maxMs: number;
	readonly random: () => number;
}

interface ConnectionEvents {
	changed(status: RelayStatus): void;
	opened(): void;
	received(frame: Record<string, unknown>): void;
	/** A frame that is not a JSON object. */
	malformed(): void;
}

/** One relay: connect, subscribe, keep alive, and reconnect with backoff until stopped. */
class RelayConnection {
	status: RelayStatus;
	private socket: SocketLike | null = null;
	private retry: ReturnType<typeof setTimeout> | null = null;
	private ping: ReturnType<typeof setInterval> | null = null;
	private heardAt = 0;
	private stopped = false;

	constructor(
		readonly url: string,
		private readonly room: string,
		private readonly WebSocketImpl: WebSocketClass,
		private readonly timing: Timing,
		private readonly events: ConnectionEvents
	) {
		this.status = { url, state: 'idle', failures: 0, clients: null };
	}

	start(): void {
		if (!this.stopped && !this.socket && !this.retry) this.connect();
	}

	stop(): void {
		this.stopped = true;
		if (this.retry) clearTimeout(this.retry);
		this.retry = null;
		this.drop();
		this.update({ state: 'stopped' });
	}

	/** Sends a frame if the relay is open; signaling is best effort and callers repeat what matters. */
	send(frame: string): boolean {
		if (this.socket?.readyState !== OPEN || this.status.state !== 'open') return false;
		this.socket.send(frame);
		return true;
	}

	private connect(): void {
		this.retry = null;
		this.update({ state: 'connecting' });
		let socket: SocketLike;
		try {
			socket = new this.WebSocketImpl(this.url);
		} catch {
			this.failed();
			return;
		}
		this.socket = socket;
		socket.onopen = () => {
			this.heardAt = Date.now();
			socket.send(JSON.stringify({ type: 'subscribe', topics: [this.room] }));
			this.ping = setInterval(() => this.keepAlive(), this.timing.pingIntervalMs);
			this.update({ state: 'open', failures: 0 });
			this.events.opened();
		};
		socket.onmessage = (event) => {
			this.heardAt = Date.now();
			const frame = parseFrame(event.data);
			if (!frame) return this.events.malformed();
			if (frame.topic === this.room && typeof frame.clients === 'number' && frame.clients !== this.status.clients) {
				this.update({ clients: frame.clients });
			}
			this.events.received(frame);
		};
		// An error is always followed by a close; the close is where we act.
		socket.onerror = () => {};
		socket.onclose = () => {
			if (this.socket === socket) this.failed();
		};
	}

	private keepAlive(): void {
		// A relay that went away without closing (a dead network) is only noticed by its silence.
		if (Date.now() - this.heardAt > 2 * this.timing.pingIntervalMs) {
			this.failed();
			return;
		}
		this.socket?.send(JSON.stringify({ type: 'ping' }));
	}

	private failed(): void {
		this.drop();
		if (this.stopped) return;
		const failures = this.status.failures + 1;
		const ceiling = Math.min(this.timing.maxMs, this.timing.minMs * 2 ** (failures - 1));
		// Jitter keeps a room's clients from reconnecting in lockstep after a relay restarts.
		const delay = ceiling / 2 + (this.timing.random() * ceiling) / 2;
		this.retry = setTimeout(() => this.connect(), delay);
		this.update({ state: 'waiting', failures });
	}

	/** Forgets the socket (its late events are ignored) and closes it. */
	private drop(): void {
		if (this.ping) clearInterval(this.ping);
		this.ping = null;
		const socket = this.socket;
		this.socket = null;
		if (!socket) return;
		socket.onopen = socket.onmessage = socket.onclose = null;
		try {
			socket.close();
		} catch {
			// Closing a socket that never connected may throw in some implementations; it is gone either way.
		}
	}

	private update(change: Partial<RelayStatus>): void {
		this.status = { ...this.status, ...change };
		this.events.changed(this.status);
	}
}
