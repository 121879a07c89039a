import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startRelay, type RunningRelay } from '../../../src/server/relay.js';
import { SignalingClient, randomPeerId, type RoomMessage, type RelayStatus, type SocketLike, type SignalingOptions } from '../../../src/lib/net/signaling.js';
import { roomName } from '../../../src/lib/net/room.js';
import { rawClient, until, closeAll, type RawClient } from '../../helpers/net.js';

const room = roomName(new Uint8Array(32).fill(1));
const secret = new Uint8Array(32).fill(42);

interface Probe {
	readonly client: SignalingClient;
	readonly received: RoomMessage[];
	relays: readonly RelayStatus[];
	opens: number;
}

const relays: RunningRelay[] = [];
const probes: Probe[] = [];
const raws: RawClient[] = [];

afterEach(async () => {
	for (const p of probes.splice(0)) p.client.stop();
	closeAll(raws);
	await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function relay(port = 0): Promise<RunningRelay> {
	const r = await startRelay({ port });
	relays.push(r);
	return r;
}

function probe(urls: string[], options: Partial<SignalingOptions> = {}): Probe {
	const client = new SignalingClient({ relays: urls, room, secret, peerId: randomPeerId(), WebSocket, backoff: { minMs: 20, maxMs: 100 }, ...options });
	const p: Probe = { client, received: [], relays: [], opens: 0 };
	client.onMessage = (m) => p.received.push(m);
	client.onOpen = () => p.opens++;
	client.relays.subscribe((r) => (p.relays = r));
	probes.push(p);
	return p;
}

async function started(...ps: Probe[]): Promise<void> {
	await Promise.all(ps.map((p) => p.client.start()));
	await until('every relay open', () => ps.every((p) => p.relays.every((r) => r.state === 'open')));
}

/** Subscribing happens on open; a round trip through the relay proves it was processed before anything we publish next. */
async function subscribed(...ps: Probe[]): Promise<void> {
	for (const p of ps) {
		const before = p.received.length;
		const marker = ps.find((q) => q !== p)!;
		await marker.client.announce();
		await until('announce round trip', () => p.received.length > before);
	}
	for (const p of ps) p.received.length = 0;
}

describe('SignalingClient with a real relay', () => {
	it('lets two peers of a room find each other and exchange signals, dropping their own echoes', async () => {
		const r = await relay();
		const a = probe([r.url]);
		const b = probe([r.url]);
		await started(a, b);
		await until('both subscribed', () => r.relay.stats.topics === 1 && r.relay.stats.connections === 2);
		expect(await a.client.announce()).toBe(1);
		await until('B hears A', () => b.received.length === 1);
		expect(b.received[0]).toEqual({ type: 'announce', from: a.client.peerId });
		await b.client.signal(a.client.peerId, { type: 'offer', sdp: 'v=0' });
		await until('A gets the signal', () => a.received.length === 1);
		expect(a.received[0]).toEqual({ type: 'signal', from: b.client.peerId, to: a.client.peerId, signal: { type: 'offer', sdp: 'v=0' } });
		// B's signal came back to B and A's announce to A: both were dropped, not delivered or counted. The relay
		// keeps each connection's order, so once B has A's next signal, B's echo has come and gone.
		await a.client.signal(b.client.peerId, { type: 'answer', sdp: 'v=0' });
		await until('B gets the answer', () => b.received.length === 2);
		expect(b.received.map((m) => m.type)).toEqual(['announce', 'signal']);
		expect({ ...a.client.counters, ...b.client.counters }).toEqual({ undecryptable: 0, malformed: 0, duplicates: 0 });
		expect(a.relays).toEqual([{ url: r.url, state: 'open', failures: 0, clients: 2 }]);
		expect(a.opens).toBe(1);
	});

	it('delivers a signal only to the peer it is addressed to', async () => {
		const r = await relay();
		const [a, b, c] = [probe([r.url]), probe([r.url]), probe([r.url])];
		await started(a, b, c);
		await subscribed(a, b, c);
		await a.client.signal(c.client.peerId, { type: 'answer' });
		await a.client.signal(b.client.peerId, { type: 'candidate' });
		await until('B gets its signal', () => b.received.length === 1);
		await until('C gets its signal', () => c.received.length === 1);
		expect(b.received[0]).toMatchObject({ to: b.client.peerId, signal: { type: 'candidate' } });
		expect(c.received[0]).toMatchObject({ to: c.client.peerId, signal: { type: 'answer' } });
	});

	it('shows the relay only sealed data, and ignores and counts peers with another secret', async () => {
		const r = await relay();
		const a = probe([r.url]);
		const b = probe([r.url]);
		const stranger = probe([r.url], { secret: new Uint8Array(32).fill(9) });
		const spy = await rawClient(r.url);
		raws.push(spy);
		spy.send({ type: 'subscribe', topics: [room] });
		await started(a, b, stranger);
		await until('all subscribed', () => r.relay.stats.connections === 4);
		await subscribed(a, b);
		await stranger.client.announce();
		await until('A and B could not read the stranger', () => a.client.counters.undecryptable === 1 && b.client.counters.undecryptable === 1);
		await a.client.signal(b.client.peerId, { type: 'offer', sdp: 'secret sdp' });
		await until('B gets the signal', () => b.received.length === 1);
		await until('the stranger could not read it', () => stranger.client.counters.undecryptable >= 2);
		// The relay keeps each connection's order: once the spy has its own marker back, it has seen the signal too.
		spy.send({ type: 'publish', topic: room, data: 'marker' });
		await spy.next((m) => m.data === 'marker');
		expect(stranger.received).toEqual([]);
		expect(a.received).toEqual([]);
		const seen = JSON.stringify(spy.messages);
		expect(seen).not.toContain('secret sdp');
		expect(seen).not.toContain(a.client.peerId);
		expect(spy.messages.every((m) => m.topic === room && typeof m.data === 'string')).toBe(true);
	});

	it('counts malformed traffic in the room and keeps working', async () => {
		const r = await relay();
		const a = probe([r.url]);
		const b = probe([r.url]);
		await started(a, b);
		await subscribed(a, b);
		const junk = await rawClient(r.url);
		raws.push(junk);
		junk.send({ type: 'subscribe', topics: [room] });
		junk.send({ type: 'publish', topic: room, data: { not: 'a string' } });
		junk.send({ type: 'publish', topic: room, data: 'bm90IHNlYWxlZA==' });
		await until('both counted', () => a.client.counters.malformed === 1 && a.client.counters.undecryptable === 1);
		await b.client.announce();
		await until('A still hears B', () => a.received.length === 1);
	});

	it('drops the copy of a message that arrives through a second relay', async () => {
		const [r1, r2] = [await relay(), await relay()];
		const a = probe([r1.url, r2.url]);
		const b = probe([r1.url, r2.url]);
		await started(a, b);
		await until('both subscribed on both', () => r1.relay.stats.connections === 2 && r2.relay.stats.connections === 2 && r1.relay.stats.topics === 1 && r2.relay.stats.topics === 1);
		await subscribed(a, b);
		const dupsBefore = b.client.counters.duplicates;
		expect(await a.client.announce()).toBe(2);
		await until('the second copy arrived', () => b.client.counters.duplicates === dupsBefore + 1);
		expect(b.received).toEqual([{ type: 'announce', from: a.client.peerId }]);
	});

	it('reconnects after the relay restarts, resubscribes and announces again', async () => {
		const first = await relay();
		const port = Number(new URL(first.url).port);
		const a = probe([first.url]);
		const b = probe([first.url]);
		await started(a, b);
		await subscribed(a, b);
		await first.close();
		relays.splice(relays.indexOf(first), 1);
		await until('both lost the relay', () => [a, b].every((p) => p.relays[0]!.state !== 'open'));
		const second = await relay(port);
		await until('both reconnected', () => [a, b].every((p) => p.relays[0]!.state === 'open') && second.relay.stats.topics === 1);
		expect(a.opens).toBeGreaterThanOrEqual(2);
		expect(a.relays[0]!.failures).toBe(0);
		await subscribed(a, b);
		await a.client.signal(b.client.peerId, { type: 'offer' });
		await until('B gets the signal through the new relay', () => b.received.length === 1);
	});

	it('stop() closes its sockets and stays stopped', async () => {
		const r = await relay();
		const a = probe([r.url]);
		await started(a);
		a.client.stop();
		await until('relay saw it go', () => r.relay.stats.connections === 0);
		expect(a.relays[0]!.state).toBe('stopped');
		expect(await a.client.announce()).toBe(0);
	});
});

describe('SignalingClient options', () => {
	const base: SignalingOptions = { relays: ['ws://127.0.0.1:1'], room, secret, peerId: 'abc', WebSocket };

	it('names what is wrong', async () => {
		expect(() => new SignalingClient({ ...base, peerId: 'not valid!' })).toThrow(/peerId must be 1 to 64/);
		expect(() => new SignalingClient({ ...base, relays: [] })).toThrow(/relays must list at least one relay/);
		expect(() => new SignalingClient({ ...base, relays: ['http://x'] })).toThrow(/relays must be a ws:\/\/ or wss:\/\/ URL/);
		expect(() => new SignalingClient({ ...base, WebSocket: undefined })).toThrow(/WebSocket is not available here/);
		await expect(new SignalingClient({ ...base, secret: new Uint8Array(8) }).start()).rejects.toThrow(/roomSecret/);
	});

	it('makes 128-bit hex peer ids', () => {
		expect(randomPeerId()).toMatch(/^[0-9a-f]{32}$/);
		expect(randomPeerId()).not.toBe(randomPeerId());
	});
});

/** A WebSocket that opens, fails or stays silent on command, for timing tests under fake timers. */
class FakeSocket implements SocketLike {
	static all: FakeSocket[] = [];
	readyState = 0;
	sent: string[] = [];
	onopen: SocketLike['onopen'] = null;
	onmessage: SocketLike['onmessage'] = null;
	onclose: SocketLike['onclose'] = null;
	onerror: SocketLike['onerror'] = null;
	constructor(readonly url: string) {
		FakeSocket.all.push(this);
	}
	send(data: string): void {
		this.sent.push(data);
	}
	close(): void {
		this.readyState = 3;
	}
	open(): void {
		this.readyState = 1;
		this.onopen?.({});
	}
	fail(): void {
		this.readyState = 3;
		this.onerror?.({});
		this.onclose?.({});
	}
}

describe('SignalingClient timing', () => {
	afterEach(() => {
		for (const p of probes.splice(0)) p.client.stop();
		vi.useRealTimers();
		FakeSocket.all = [];
	});

	async function fake(random: () => number): Promise<Probe> {
		vi.useFakeTimers();
		const p = probe(['ws://relay.test/'], { WebSocket: FakeSocket, random, backoff: { minMs: 100, maxMs: 1000 }, pingIntervalMs: 1000 });
		await p.client.start();
		return p;
	}

	/** Fails the newest socket, then returns how long until the next one is made. */
	function nextDelay(): number {
		const count = FakeSocket.all.length;
		FakeSocket.all.at(-1)!.fail();
		let waited = 0;
		while (FakeSocket.all.length === count) {
			vi.advanceTimersByTime(1);
			waited++;
		}
		return waited;
	}

	it('backs off exponentially up to the cap, with jitter between half and all of the delay', async () => {
		await fake(() => 0.9999);
		// Timers fire on whole milliseconds: a delay just under 100 ms shows as 99 or 100.
		const delays = [nextDelay(), nextDelay(), nextDelay(), nextDelay(), nextDelay(), nextDelay()];
		expect(delays.map((d) => Math.round(d / 10) * 10)).toEqual([100, 200, 400, 800, 1000, 1000]);
		FakeSocket.all.at(-1)!.open();
		// A success resets the backoff.
		expect(Math.round(nextDelay() / 10) * 10).toBe(100);
	});

	it('jitters down to half the delay', async () => {
		await fake(() => 0);
		expect([nextDelay(), nextDelay(), nextDelay()]).toEqual([50, 100, 200]);
	});

	it('subscribes on open, pings while open, and reconnects a relay that went silent', async () => {
		const p = await fake(() => 0);
		const socket = FakeSocket.all[0]!;
		socket.open();
		expect(JSON.parse(socket.sent[0]!)).toEqual({ type: 'subscribe', topics: [room] });
		expect(p.relays[0]!.state).toBe('open');
		vi.advanceTimersByTime(1000);
		expect(JSON.parse(socket.sent.at(-1)!)).toEqual({ type: 'ping' });
		socket.onmessage?.({ data: '{"type":"pong"}' });
		vi.advanceTimersByTime(2000);
		expect(FakeSocket.all).toHaveLength(1);
		// Silent for more than two intervals: dropped and retried.
		vi.advanceTimersByTime(1000);
		expect(p.relays[0]!.state).toBe('waiting');
		expect(socket.readyState).toBe(3);
		vi.advanceTimersByTime(50);
		expect(FakeSocket.all).toHaveLength(2);
	});
});
