import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Relay, startRelay, CloseCode, type RunningRelay, type RelayLimits } from '../../../src/server/relay.js';
import { closeServer, listen } from '../../../src/server/listen.js';
import { rawClient, closeAll, until, type RawClient } from '../../helpers/net.js';

let running: RunningRelay | null = null;
const clients: RawClient[] = [];

afterEach(async () => {
	closeAll(clients);
	await running?.close();
	running = null;
});

async function relay(limits: Partial<RelayLimits> = {}): Promise<string> {
	running = await startRelay({ port: 0, limits });
	return running.url;
}

async function client(url: string, options = {}): Promise<RawClient> {
	const c = await rawClient(url, options);
	clients.push(c);
	return c;
}

/** Publishes a marker on a topic `c` is subscribed to and waits for it: everything sent to `c` before has arrived. */
async function flush(c: RawClient, topic: string): Promise<void> {
	const marker = Math.random().toString(36);
	c.send({ type: 'publish', topic, marker });
	await c.next((m) => m.marker === marker);
}

describe('relay', () => {
	it('binds 127.0.0.1 by default and answers plain HTTP', async () => {
		const url = await relay();
		expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
		const response = await fetch(url.replace('ws:', 'http:'));
		expect(response.status).toBe(200);
	});

	it('fans a publish out to every subscriber, the sender included, with a clients count', async () => {
		const url = await relay();
		const [a, b, c] = await Promise.all([client(url), client(url), client(url)]);
		a.send({ type: 'subscribe', topics: ['room'] });
		b.send({ type: 'subscribe', topics: ['room'] });
		c.send({ type: 'subscribe', topics: ['other'] });
		await flush(a, 'room');
		await flush(b, 'room');
		await flush(c, 'other');
		a.send({ type: 'publish', topic: 'room', data: { hello: 1 }, extra: 'kept' });
		const expected = { type: 'publish', topic: 'room', data: { hello: 1 }, extra: 'kept', clients: 2 };
		expect(await a.next((m) => m.extra === 'kept')).toEqual(expected);
		expect(await b.next((m) => m.extra === 'kept')).toEqual(expected);
		await flush(c, 'other');
		expect(c.messages.some((m) => m.extra === 'kept')).toBe(false);
	});

	it('speaks y-webrtc client traffic as y-webrtc sends it', async () => {
		const url = await relay();
		const [a, b] = await Promise.all([client(url), client(url)]);
		// What y-webrtc's SignalingConn sends: subscribe on open, then an announce with the data as an object (no password) or base64 (password).
		for (const c of [a, b]) c.send(JSON.stringify({ type: 'subscribe', topics: ['y-room'] }));
		await flush(a, 'y-room');
		await flush(b, 'y-room');
		a.send(JSON.stringify({ type: 'publish', topic: 'y-room', data: { type: 'announce', from: 'peer-a' } }));
		b.send(JSON.stringify({ type: 'publish', topic: 'y-room', data: 'c2VhbGVkIGJ5dGVz' }));
		expect((await b.next((m) => typeof m.data === 'object')).data).toEqual({ type: 'announce', from: 'peer-a' });
		expect((await a.next((m) => typeof m.data === 'string')).data).toBe('c2VhbGVkIGJ5dGVz');
		a.send(JSON.stringify({ type: 'ping' }));
		await a.next((m) => m.type === 'pong');
	});

	it('stops delivering after unsubscribe and forgets empty topics', async () => {
		const url = await relay();
		const [a, b] = await Promise.all([client(url), client(url)]);
		a.send({ type: 'subscribe', topics: ['room', 'keep'] });
		b.send({ type: 'subscribe', topics: ['room'] });
		await flush(a, 'keep');
		await flush(b, 'room');
		a.send({ type: 'unsubscribe', topics: ['room'] });
		await flush(a, 'keep');
		b.send({ type: 'publish', topic: 'room', note: 'after' });
		await b.next((m) => m.note === 'after');
		await flush(a, 'keep');
		expect(a.messages.some((m) => m.note === 'after')).toBe(false);
		b.send({ type: 'unsubscribe', topics: ['room'] });
		await until('topic "room" forgotten', () => running!.relay.stats.topics === 1);
	});

	it('answers ping with pong', async () => {
		const a = await client(await relay());
		a.send({ type: 'ping' });
		expect(await a.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
	});

	it('closes a socket that sends a message over the size limit with 1009', async () => {
		const url = await relay();
		const a = await client(url);
		const b = await client(url);
		a.send({ type: 'publish', topic: 'room', data: 'x'.repeat(64 * 1024) });
		await until('oversize socket closed', () => a.closed !== null);
		expect(a.closed!.code).toBe(CloseCode.tooBig);
		// Others are unaffected.
		b.send({ type: 'ping' });
		await b.next((m) => m.type === 'pong');
	});

	it('accepts at most 32 topics per connection and ignores over-long or empty names', async () => {
		const url = await relay();
		const [a, b] = await Promise.all([client(url), client(url)]);
		const topics = Array.from({ length: 40 }, (_, i) => `t${i}`);
		a.send({ type: 'subscribe', topics: ['x'.repeat(201), '', 42, ...topics] });
		b.send({ type: 'subscribe', topics: ['t31', 't32', 'x'.repeat(201)] });
		await flush(a, 't0');
		await flush(b, 't31');
		expect(running!.relay.stats.topics).toBe(33);
		for (const topic of ['t32', 'x'.repeat(201), 't31']) b.send({ type: 'publish', topic, probe: topic.length > 5 ? 'long' : topic });
		await a.next((m) => m.probe === 't31');
		expect(a.messages.filter((m) => m.probe).map((m) => m.probe)).toEqual(['t31']);
	});

	it('ignores garbage and stays usable', async () => {
		const url = await relay();
		const a = await client(url);
		for (const junk of ['not json', '[1,2]', 'null', '42', '{"type":7}', '{"type":"nope"}', '{"type":"publish"}', '{"type":"publish","topic":5}', '{"type":"subscribe","topics":"room"}', '{"type":"unsubscribe"}']) {
			a.send(junk);
		}
		a.send({ type: 'subscribe', topics: ['deep'] });
		// Parses, but is too deep for JSON.stringify to re-encode: must be dropped, not crash the relay.
		a.send(`{"type":"publish","topic":"deep","d":${'['.repeat(32_000)}${']'.repeat(32_000)}}`);
		a.ws.send(Buffer.from([0xff, 0x00, 0x81]));
		a.ws.send(Buffer.from(JSON.stringify({ type: 'ping' })));
		await a.next((m) => m.type === 'pong');
		expect(a.closed).toBeNull();
		expect(running!.relay.stats).toEqual({ connections: 1, topics: 1 });
		expect(a.messages).toEqual([{ type: 'pong' }]);
	});

	it('closes a socket that exceeds its message rate with 1008, and lets a polite one through', async () => {
		const url = await relay({ rateBurst: 10, ratePerSecond: 1 });
		const polite = await client(url);
		for (let i = 0; i < 10; i++) polite.send({ type: 'ping' });
		await until('ten pongs', () => polite.messages.length === 10);
		const abuser = await client(url);
		for (let i = 0; i < 30; i++) abuser.send({ type: 'ping' });
		await until('abuser closed', () => abuser.closed !== null);
		expect(abuser.closed!.code).toBe(CloseCode.policy);
		expect(abuser.messages.length).toBeLessThanOrEqual(11);
		expect(polite.closed).toBeNull();
	});

	it('terminates clients that stop answering pings, and keeps those that answer', async () => {
		const url = await relay({ heartbeatMs: 40 });
		const alive = await client(url);
		const dead = await client(url, { autoPong: false });
		await until('silent client terminated', () => dead.closed !== null);
		expect(dead.closed!.code).toBe(1006);
		expect(alive.closed).toBeNull();
		expect(running!.relay.stats.connections).toBe(1);
	});

	it('close() ends every connection with 1001 and refuses new ones', async () => {
		const url = await relay();
		const a = await client(url);
		a.send({ type: 'subscribe', topics: ['room'] });
		await flush(a, 'room');
		const r = running!;
		running = null;
		await r.close();
		await until('client saw the close', () => a.closed !== null);
		expect(a.closed!.code).toBe(CloseCode.goingAway);
		await expect(rawClient(url)).rejects.toThrow();
	});
});

describe('Relay.attach', () => {
	let server: http.Server | null = null;
	let attached: Relay | null = null;

	afterEach(async () => {
		closeAll(clients);
		await attached?.close();
		if (server) await closeServer(server);
		server = attached = null;
	});

	async function serve(extraUpgrade?: (socket: import('node:stream').Duplex) => void): Promise<string> {
		server = http.createServer((_req, res) => res.end('page'));
		attached = new Relay();
		attached.attach(server, '/base/signal');
		if (extraUpgrade) server.on('upgrade', (req, socket) => req.url === '/other' && extraUpgrade(socket));
		const address = await listen(server, 0, '127.0.0.1');
		return `ws://127.0.0.1:${address.port}`;
	}

	it('serves the relay on its path of an existing server', async () => {
		const base = await serve();
		const a = await client(`${base}/base/signal?x=1`);
		a.send({ type: 'ping' });
		await a.next((m) => m.type === 'pong');
	});

	it('refuses upgrades on other paths with 404 when no one else handles them', async () => {
		const base = await serve();
		await expect(rawClient(`${base}/elsewhere`)).rejects.toThrow(/404/);
	});

	it('leaves other paths to other upgrade listeners', async () => {
		let handedOver = false;
		const base = await serve((socket) => {
			handedOver = true;
			socket.destroy();
		});
		await expect(rawClient(`${base}/other`)).rejects.toThrow();
		expect(handedOver).toBe(true);
	});

	it('detaches on close', async () => {
		await serve();
		expect(server!.listenerCount('upgrade')).toBe(1);
		await attached!.close();
		expect(server!.listenerCount('upgrade')).toBe(0);
	});
});
