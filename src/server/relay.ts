/**
 * A signaling relay speaking the y-webrtc signaling protocol over WebSocket:
 * clients subscribe to topics (rooms) and publish JSON messages that the relay
 * fans out to every subscriber of the topic, the sender included. It keeps no
 * state beyond the live subscriptions, so any number of relays can serve a
 * community and none of them is trusted with more than room names.
 *
 * Every connection is untrusted: frames are bounded in size, subscriptions in
 * number and length, messages in rate, and silent connections are dropped.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { formatUrl, listen, closeServer } from './listen.js';
import { TokenBucket } from '../lib/net/ratelimit.js';

export interface RelayLimits {
	/** Largest frame accepted; a bigger one closes the socket with 1009. */
	maxMessageBytes: number;
	/** Topics one connection may hold; further subscriptions are ignored. */
	maxTopics: number;
	/** Longest topic name accepted; longer ones are ignored. */
	maxTopicLength: number;
	/** Token bucket per connection: `rateBurst` messages at once, refilled at `ratePerSecond`; an empty bucket closes the socket with 1008. */
	rateBurst: number;
	ratePerSecond: number;
	/** A connection that did not answer the previous ping within this interval is terminated. */
	heartbeatMs: number;
	/** A receiver with this much unsent data is skipped rather than buffered without bound. */
	maxBufferedBytes: number;
}

export const defaultRelayLimits: Readonly<RelayLimits> = {
	maxMessageBytes: 64 * 1024,
	maxTopics: 32,
	maxTopicLength: 200,
	rateBurst: 100,
	ratePerSecond: 50,
	heartbeatMs: 30_000,
	maxBufferedBytes: 1024 * 1024
};

/** WebSocket close codes the relay uses (RFC 6455 §7.4.1). */
export const CloseCode = { goingAway: 1001, policy: 1008, tooBig: 1009 } as const;

interface Client {
	readonly topics: Set<string>;
	readonly bucket: TokenBucket;
	alive: boolean;
}

export class Relay {
	readonly limits: Readonly<RelayLimits>;
	private readonly wss: WebSocketServer;
	private readonly clients = new Map<WebSocket, Client>();
	private readonly topics = new Map<string, Set<WebSocket>>();
	private readonly heartbeat: ReturnType<typeof setInterval>;
	private readonly detach: (() => void)[] = [];
	private closed = false;

	constructor(limits: Partial<RelayLimits> = {}) {
		this.limits = { ...defaultRelayLimits, ...limits };
		// ws enforces maxPayload itself and closes with 1009 before buffering the frame.
		this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxMessageBytes });
		this.wss.on('connection', (socket) => this.accept(socket));
		this.heartbeat = setInterval(() => this.beat(), this.limits.heartbeatMs);
		// The relay's own timer must never be what keeps a process alive.
		this.heartbeat.unref();
	}

	/** Live connections and topics, for logs and tests. */
	get stats(): { connections: number; topics: number } {
		return { connections: this.clients.size, topics: this.topics.size };
	}

	/** Completes a WebSocket upgrade for this relay; the caller has already decided the path is ours. */
	handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
		if (this.closed) {
			rejectUpgrade(socket, 503, 'Service Unavailable');
			return;
		}
		this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request));
	}

	/**
	 * Serves the relay on `path` of an existing HTTP server. Upgrades to other
	 * paths are left to the server's other 'upgrade' listeners (a dev server's
	 * hot reload, say); when there are none, they are refused with 404 so the
	 * socket does not hang. `close()` detaches the listener again.
	 */
	attach(server: http.Server, path: string): void {
		const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
			if (requestPath(request) === path) this.handleUpgrade(request, socket, head);
			else if (server.listenerCount('upgrade') === 1) rejectUpgrade(socket, 404, 'Not Found');
		};
		server.on('upgrade', onUpgrade);
		this.detach.push(() => server.off('upgrade', onUpgrade));
	}

	/** Closes every connection (1001), detaches from servers and stops the heartbeat; idempotent. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		clearInterval(this.heartbeat);
		for (const undo of this.detach.splice(0)) undo();
		for (const socket of this.clients.keys()) {
			socket.close(CloseCode.goingAway, 'relay shutting down');
			// A peer that never completes the closing handshake must not hold the relay open.
			setTimeout(() => socket.terminate(), 1000).unref();
		}
		await new Promise<void>((resolve) => this.wss.close(() => resolve()));
	}

	private accept(socket: WebSocket): void {
		const client: Client = { topics: new Set(), bucket: new TokenBucket(this.limits.rateBurst, this.limits.ratePerSecond, performance.now()), alive: true };
		this.clients.set(socket, client);
		// Without an 'error' listener a protocol error (oversize frame, bad UTF-8) would throw; ws closes the socket itself.
		socket.on('error', () => {});
		socket.on('pong', () => (client.alive = true));
		socket.on('close', () => this.forget(socket, client));
		socket.on('message', (data) => this.receive(socket, client, data));
	}

	private forget(socket: WebSocket, client: Client): void {
		for (const topic of client.topics) this.leave(socket, topic);
		client.topics.clear();
		this.clients.delete(socket);
	}

	private receive(socket: WebSocket, client: Client, data: RawData): void {
		if (!client.bucket.take(performance.now())) {
			socket.close(CloseCode.policy, 'rate limit exceeded');
			return;
		}
		const message = parseMessage(data);
		if (!message) return;
		switch (message.type) {
			case 'subscribe':
				for (const topic of topicList(message.topics)) {
					if (client.topics.size >= this.limits.maxTopics) break;
					if (!this.validTopic(topic)) continue;
					client.topics.add(topic);
					let subscribers = this.topics.get(topic);
					if (!subscribers) this.topics.set(topic, (subscribers = new Set()));
					subscribers.add(socket);
				}
				break;
			case 'unsubscribe':
				for (const topic of topicList(message.topics)) {
					if (client.topics.delete(topic)) this.leave(socket, topic);
				}
				break;
			case 'publish':
				if (typeof message.topic === 'string') this.publish(message.topic, message);
				break;
			case 'ping':
				send(socket, JSON.stringify({ type: 'pong' }), this.limits.maxBufferedBytes);
				break;
		}
	}

	private publish(topic: string, message: Record<string, unknown>): void {
		const subscribers = this.topics.get(topic);
		if (!subscribers) return;
		let text: string;
		try {
			// As y-webrtc's own server does: the count lets clients tell whether anyone else is listening.
			text = JSON.stringify({ ...message, clients: subscribers.size });
		} catch {
			// JSON.parse accepts nesting deeper than JSON.stringify's stack allows: such a message is garbage.
			return;
		}
		for (const receiver of subscribers) send(receiver, text, this.limits.maxBufferedBytes);
	}

	private leave(socket: WebSocket, topic: string): void {
		const subscribers = this.topics.get(topic);
		if (!subscribers) return;
		subscribers.delete(socket);
		if (subscribers.size === 0) this.topics.delete(topic);
	}

	private validTopic(topic: string): boolean {
		return topic.length > 0 && topic.length <= this.limits.maxTopicLength;
	}

	private beat(): void {
		for (const [socket, client] of this.clients) {
			if (!client.alive) {
				socket.terminate();
				continue;
			}
			client.alive = false;
			socket.ping();
		}
	}
}

type Message = Record<string, unknown> & { type: string };

/** JSON object with a string `type`, or null for anything else (which the protocol says to ignore). */
function parseMessage(data: RawData): Message | null {
	// y-webrtc clients send text frames; its server also accepts binary frames holding JSON, so do we.
	const buffer = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
	let value: unknown;
	try {
		value = JSON.parse(buffer.toString('utf8'));
	} catch {
		return null;
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
	const message = value as Record<string, unknown>;
	return typeof message.type === 'string' ? (message as Message) : null;
}

function topicList(topics: unknown): string[] {
	return Array.isArray(topics) ? topics.filter((t): t is string => typeof t === 'string') : [];
}

function send(socket: WebSocket, text: string, maxBufferedBytes: number): void {
	// Signaling is retried by its clients, so dropping for a stalled receiver is safe; buffering for it is not.
	if (socket.readyState !== WebSocket.OPEN || socket.bufferedAmount > maxBufferedBytes) return;
	socket.send(text);
}

/** Answers a refused upgrade with a plain HTTP status and drops the socket. */
function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
	socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function requestPath(request: http.IncomingMessage): string {
	return new URL(request.url ?? '/', 'http://relay.invalid').pathname;
}

export interface RelayServerOptions {
	/** 0 picks a free port. */
	port?: number;
	/** Loopback unless asked otherwise: a relay on all interfaces is a decision, not a default. */
	host?: string;
	limits?: Partial<RelayLimits>;
}

export interface RunningRelay {
	readonly relay: Relay;
	readonly server: http.Server;
	/** The bound address as a ws:// URL, e.g. `ws://127.0.0.1:4444/`. */
	readonly url: string;
	close(): Promise<void>;
}

/**
 * Runs a standalone relay. Like y-webrtc's server it accepts upgrades on any
 * path, and answers plain HTTP requests with 200 so it can be health-checked.
 */
export async function startRelay(options: RelayServerOptions = {}): Promise<RunningRelay> {
	const relay = new Relay(options.limits);
	const server = http.createServer((_request, response) => {
		response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
		response.end('Agora signaling relay\n');
	});
	server.on('upgrade', (request, socket, head) => relay.handleUpgrade(request, socket, head));
	let address;
	try {
		address = await listen(server, options.port ?? 4444, options.host ?? '127.0.0.1');
	} catch (error) {
		await relay.close();
		throw error;
	}
	return {
		relay,
		server,
		url: formatUrl('ws', address, '/'),
		async close() {
			await relay.close();
			await closeServer(server);
		}
	};
}
