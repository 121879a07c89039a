/** The sync protocol's rules for peers, against a host that has no chain of its own to lose (or a genesis-only one). */
import { afterEach, describe, expect, it } from 'vitest';
import { Sync, KEEPALIVE_MS, REQUEST_TIMEOUT_MS, STATUS_MS, type SyncHost } from '../../../src/lib/net/sync.js';
import { encodeFrame, decodeFrame, MAX_DRAFT_UPDATE_BYTES, WIRE_VERSION, type Frame } from '../../../src/lib/net/wire.js';
import { encode } from '../../../src/lib/core/codec.js';
import type { PeerLink } from '../../../src/lib/net/link.js';
import type { TimerHandle, Timers } from '../../../src/lib/net/scheduler.js';
import type { Chain } from '../../../src/lib/core/chain.js';
import { AgoraError } from '../../../src/lib/core/errors.js';
import { fromHex } from '../../../src/lib/core/bytes.js';
import { genesisFor, key, openChain } from '../../helpers/community.js';
import { until } from '../../helpers/nodes.js';

const CHAIN = new Uint8Array(32).fill(1);
let clock = 1_000_000;
const syncs: Sync[] = [];
afterEach(() => syncs.splice(0).forEach((s) => s.close()));

function host(): SyncHost & { logs: string[]; drafts: Array<[string, Frame]> } {
	const logs: string[] = [];
	const drafts: Array<[string, Frame]> = [];
	return {
		logs,
		drafts,
		chainId: CHAIN,
		agent: 'test',
		now: () => clock,
		chain: () => null,
		importBlocks: async () => ({ orphan: false, added: [], headChanged: false }),
		importTxs: async () => [],
		peerReady: () => {},
		draftsFrame: (peer, frame) => drafts.push([peer, frame]),
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

/** Timers the test fires by hand: `fire(ms)` runs every pending timer that was set for `ms`. */
function manualTimers(): Timers & { fire(ms: number): void } {
	const pending = new Map<number, { fn: () => void; ms: number }>();
	let next = 0;
	return {
		setTimeout: (fn, ms) => {
			pending.set(++next, { fn, ms });
			return next;
		},
		clearTimeout: (handle: TimerHandle) => void pending.delete(handle as number),
		fire(ms) {
			for (const [id, t] of [...pending]) {
				if (t.ms !== ms) continue;
				pending.delete(id);
				t.fn();
			}
		}
	};
}

const UNKNOWN_HEAD = new Uint8Array(32).fill(9);
const requests = (sent: Frame[]) => sent.filter((f) => f.type === 'getBlocks').length;
let pings = 0;
/** Waits until the sync has handled every frame sent so far by this peer: frames are handled in order, so a ping's pong says so. */
async function handled(peer: ReturnType<typeof fakeLink>): Promise<void> {
	const nonce = ++pings;
	peer.receive({ type: 'ping', nonce });
	await until('the frames before are handled', () => peer.sent.some((f) => f.type === 'pong' && f.nonce === nonce));
}

/** A sync with manual timers over a host whose chain is just a genesis block (its own chain id, so hellos match). */
async function genesisSetup(importBlocks: SyncHost['importBlocks'] = async () => ({ orphan: false, added: [], headChanged: false })) {
	const chain: Chain = await openChain(genesisFor(key(0)));
	const timers = manualTimers();
	const h = { ...host(), chainId: chain.chainId, chain: () => chain, importBlocks };
	const sync = new Sync(h, timers);
	syncs.push(sync);
	const join = (id: string, head: Uint8Array, weight: bigint) => {
		const peer = fakeLink(id);
		sync.addPeer(peer.link);
		peer.receive({ type: 'hello', chain: chain.chainId, height: 1, head, weight, agent: 'x' });
		return peer;
	};
	return { h, sync, chain, timers, join };
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

	it('tells every ready peer where its head is every few seconds', async () => {
		const { timers, join, chain } = await genesisSetup();
		const peer = join('p', fromHex(chain.head.hash), 0n);
		await handled(peer);
		timers.fire(STATUS_MS);
		expect(peer.sent.at(-1)).toEqual({ type: 'status', height: 0, head: fromHex(chain.head.hash), weight: 0n });
	});

	it('asks a peer for blocks when its status shows a head it does not know, not when it knows it', async () => {
		const { join, chain } = await genesisSetup();
		const peer = join('p', fromHex(chain.head.hash), 0n);
		await handled(peer);
		expect(requests(peer.sent)).toBe(0);
		peer.receive({ type: 'status', height: 0, head: fromHex(chain.head.hash), weight: 0n });
		await handled(peer);
		expect(requests(peer.sent)).toBe(0);
		peer.receive({ type: 'status', height: 3, head: UNKNOWN_HEAD, weight: 3n });
		await until('a request', () => requests(peer.sent) === 1);
	});

	it('asks again when a request for blocks goes unanswered, of another peer that is ahead first', async () => {
		const { timers, join } = await genesisSetup();
		const p = join('p', UNKNOWN_HEAD, 5n);
		const q = join('q', UNKNOWN_HEAD, 5n);
		await until('both asked', () => requests(p.sent) === 1 && requests(q.sent) === 1);
		q.receive({ type: 'blocks', blocks: [] });
		await handled(q);
		timers.fire(REQUEST_TIMEOUT_MS);
		expect(requests(q.sent)).toBe(2);
		expect(requests(p.sent)).toBe(1);
		// With nobody else ahead and free, the same peer is asked again.
		timers.fire(REQUEST_TIMEOUT_MS);
		expect(requests(q.sent) + requests(p.sent)).toBe(4);
	});

	it('welcomes the late answer to a request that timed out, but not an unsolicited one', async () => {
		const { timers, join } = await genesisSetup();
		const p = join('p', UNKNOWN_HEAD, 5n);
		await until('asked', () => requests(p.sent) === 1);
		timers.fire(REQUEST_TIMEOUT_MS);
		expect(requests(p.sent)).toBe(2);
		p.receive({ type: 'blocks', blocks: [] });
		p.receive({ type: 'blocks', blocks: [] });
		await handled(p);
		expect(p.closed()).toBeNull();
		p.receive({ type: 'blocks', blocks: [] });
		await until('dropped', () => p.closed() !== null);
		expect(p.closed()).toEqual({ reason: expect.stringContaining('nobody asked for'), misbehaved: true });
	});

	it('does not drop a peer for a block that branches off below the finalized block: the peer is behind, not lying', async () => {
		const { h, join } = await genesisSetup(async () => {
			throw new AgoraError('E_BLOCK_FINALITY', 'branches off below the finalized block', 'header.parent');
		});
		const p = join('p', UNKNOWN_HEAD, 5n);
		p.receive({ type: 'blocks', blocks: [genesisFor(key(1))] });
		await until('logged', () => h.logs.some((l) => l.includes('branches off below the finalized block')));
		expect(p.closed()).toBeNull();
	});
});

describe('the status frame', () => {
	const status: Frame = { type: 'status', height: 7, head: UNKNOWN_HEAD, weight: 300n };

	it('round-trips', () => {
		expect(decodeFrame(encodeFrame(status))).toEqual(status);
	});

	it('refuses a weight with a leading zero byte (a second encoding of one weight)', () => {
		expect(decodeFrame(encodeRawStatus(new Uint8Array([1, 44])))).toEqual(status);
		expect(() => decodeFrame(encodeRawStatus(new Uint8Array([0, 1, 44])))).toThrow(/leading zero/);
	});

	it('refuses a status without a head', () => {
		expect(() => decodeFrame(encodeRawStatus(new Uint8Array([1]), null))).toThrow(/status\.head/);
	});
});

describe('the drafts frames', () => {
	it('round-trip, and go to the host only from a peer that said hello', async () => {
		for (const f of [{ type: 'draftsHave', vector: new Uint8Array([1, 2]) }, { type: 'draftsUpdate', update: new Uint8Array([0, 0]) }] as Frame[]) {
			expect(decodeFrame(encodeFrame(f))).toEqual(f);
		}
		const early = setup();
		early.peer.receive({ type: 'draftsHave', vector: new Uint8Array(1) });
		await until('dropped', () => early.peer.closed() !== null);
		expect(early.peer.closed()!.reason).toContain('draftsHave before hello');
		expect(early.h.drafts).toEqual([]);

		const { peer, h } = setup();
		peer.receive(hello());
		const update: Frame = { type: 'draftsUpdate', update: new Uint8Array([7]) };
		peer.receive(update);
		await until('handed to the host', () => h.drafts.length === 1);
		expect(h.drafts).toEqual([['p', update]]);
	});

	it('refuses an update larger than a frame may carry', () => {
		const big = encode([WIRE_VERSION, 'draftsUpdate', new Uint8Array(MAX_DRAFT_UPDATE_BYTES + 1)]);
		expect(() => decodeFrame(big)).toThrow(expect.objectContaining({ code: 'E_FRAME', field: 'draftsUpdate.update' }));
	});
});

function encodeRawStatus(weight: Uint8Array, head: Uint8Array | null = UNKNOWN_HEAD): Uint8Array {
	return encode([WIRE_VERSION, 'status', { height: 7, head, weight }]);
}
