/** The sync protocol's rules for peers, against a host that has no chain of its own to lose. */
import { afterEach, describe, expect, it } from 'vitest';
import { Sync, KEEPALIVE_MS, type SyncHost } from '../../../src/lib/net/sync.js';
import { encodeFrame, decodeFrame, type Frame } from '../../../src/lib/net/wire.js';
import type { PeerLink } from '../../../src/lib/net/link.js';
import { until } from '../../helpers/nodes.js';

const CHAIN = new Uint8Array(32).fill(1);
let clock = 1_000_000;
const syncs: Sync[] = [];
afterEach(() => syncs.splice(0).forEach((s) => s.close()));

function host(): SyncHost & { logs: string[] } {
	const logs: string[] = [];
	return {
		logs,
		chainId: CHAIN,
		agent: 'test',
		now: () => clock,
		chain: () => null,
		importBlocks: async () => ({ orphan: false, added: [], headChanged: false }),
		importTxs: async () => [],
		peerReady: () => {},
		log: (level, message) => logs.push(`${level} ${message}`),
		changed: () => {}
	};
}

/** A link whose far end the test plays; what the sync sends is decoded into `sent`. */
function fakeLink(id = 'p') {
	const sent: Frame[] = [];
	let closed: { reason: string; misbehaved: boolean } | null = null;
	const link: PeerLink = {
		id,
		send: (bytes) => sent.push(decodeFrame(bytes)),
		close: (reason, misbehaved = false) => {
			closed = { reason, misbehaved };
			link.onClose?.(reason);
		},
		onMessage: null,
		onClose: null
	};
	return { link, sent, closed: () => closed, receive: (frame: Frame) => link.onMessage!(encodeFrame(frame)) };
}

const hello = (chain = CHAIN): Frame => ({ type: 'hello', chain, height: 0, head: null, weight: 0n, agent: 'x' });

function setup() {
	const h = host();
	const sync = new Sync(h);
	syncs.push(sync);
	const peer = fakeLink();
	sync.addPeer(peer.link);
	return { h, sync, peer };
}

describe('Sync', () => {
	it('opens with hello', () => {
		const { peer } = setup();
		expect(peer.sent[0]).toMatchObject({ type: 'hello', chain: CHAIN, head: null });
	});

	const rejections: Array<[string, Frame[], string]> = [
		['a frame before hello', [{ type: 'getBlocks', locator: [], max: 1 }], 'getBlocks before hello'],
		['a hello from another community', [hello(new Uint8Array(32).fill(2))], 'another community'],
		['a second hello', [hello(), hello()], 'hello sent twice'],
		// A host with no chain asks a new peer for blocks after hello: the first answer is expected, the second is not.
		['blocks nobody asked for', [hello(), { type: 'blocks', blocks: [] }, { type: 'blocks', blocks: [] }], 'nobody asked for']
	];
	for (const [name, frames, reason] of rejections) {
		it(`drops a peer for ${name}`, async () => {
			const { peer, h } = setup();
			for (const f of frames) peer.receive(f);
			await until('dropped', () => peer.closed() !== null);
			expect(peer.closed()).toEqual({ reason: expect.stringContaining(reason), misbehaved: true });
			expect(h.logs.some((l) => l.startsWith('warn') && l.includes(reason))).toBe(true);
		});
	}

	it('drops a peer that sends frames faster than the rate limit', async () => {
		const { peer } = setup();
		peer.receive(hello());
		for (let i = 0; i < 500; i++) peer.receive({ type: 'ping', nonce: i });
		await until('dropped', () => peer.closed() !== null);
		expect(peer.closed()!.reason).toBe('too many frames');
	});

	it('answers pings, pings a quiet peer and drops a silent one without blame', async () => {
		const { sync, peer } = setup();
		peer.receive(hello());
		peer.receive({ type: 'ping', nonce: 42 });
		await until('pong', () => peer.sent.some((f) => f.type === 'pong' && f.nonce === 42));
		clock += KEEPALIVE_MS;
		sync.checkAlive();
		expect(peer.sent.at(-1)).toMatchObject({ type: 'ping' });
		expect(peer.closed()).toBeNull();
		clock += 2 * KEEPALIVE_MS;
		sync.checkAlive();
		expect(peer.closed()).toEqual({ reason: expect.stringContaining('silent'), misbehaved: false });
	});
});
