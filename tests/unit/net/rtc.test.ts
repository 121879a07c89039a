import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type SimplePeer from 'simple-peer';
import { simplePeerFactory } from '../../../src/lib/net/rtc.js';
import { CHUNK_BYTES } from '../../../src/lib/net/chunks.js';
import { MAX_FRAME_BYTES } from '../../../src/lib/net/wire.js';

/** Records what the adapter does to simple-peer and lets the test emit its events. */
class FakeSimplePeer extends EventEmitter {
	static last: FakeSimplePeer;
	signals: unknown[] = [];
	sent: unknown[] = [];
	destroyed = false;
	constructor(readonly options: SimplePeer.Options) {
		super();
		FakeSimplePeer.last = this;
	}
	signal(data: unknown) {
		this.signals.push(data);
	}
	send(data: unknown) {
		this.sent.push(data);
	}
	destroy() {
		this.destroyed = true;
	}
}

function make(initiator = true) {
	const events: string[] = [];
	const data: Uint8Array[] = [];
	const factory = simplePeerFactory({ Peer: FakeSimplePeer as unknown as SimplePeer.SimplePeer });
	const rtc = factory(
		{ initiator, iceServers: [{ urls: 'stun:stun.example' }] },
		{
			signal: (s) => events.push(`signal ${JSON.stringify(s)}`),
			connect: () => events.push('connect'),
			data: (bytes) => data.push(bytes),
			close: (reason) => events.push(`close ${reason}`)
		}
	);
	return { rtc, peer: FakeSimplePeer.last, events, data };
}

describe('simplePeerFactory', () => {
	it('passes the options through and forwards signals, connect and sends', () => {
		const { rtc, peer, events } = make();
		expect(peer.options).toMatchObject({ initiator: true, config: { iceServers: [{ urls: 'stun:stun.example' }] } });
		peer.emit('signal', { type: 'offer', sdp: 'x' });
		peer.emit('connect');
		rtc.signal({ type: 'answer', sdp: 'y' });
		rtc.send(new Uint8Array([1]));
		expect(events).toEqual(['signal {"type":"offer","sdp":"x"}', 'connect']);
		expect(peer.signals).toEqual([{ type: 'answer', sdp: 'y' }]);
		// One chunk, flagged as the frame's last.
		expect(peer.sent).toEqual([new Uint8Array([0, 1])]);
	});

	it('splits a large frame into chunks and joins them back on the other side', () => {
		const sender = make();
		const frame = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
		sender.rtc.send(frame);
		expect(sender.peer.sent.length).toBe(Math.ceil(frame.length / (CHUNK_BYTES - 1)));
		const receiver = make(false);
		for (const chunk of sender.peer.sent) receiver.peer.emit('data', Buffer.from(chunk as Uint8Array));
		expect(receiver.data).toHaveLength(1);
		expect(receiver.data[0]).toEqual(frame);
	});

	it('closes a connection whose chunks break the framing or exceed the largest frame', () => {
		const badFlag = make();
		badFlag.peer.emit('data', Buffer.from([9, 1, 2]));
		expect(badFlag.events).toEqual([expect.stringMatching(/^close chunk flag/)]);
		expect(badFlag.peer.destroyed).toBe(true);

		const flood = make();
		const more = new Uint8Array(CHUNK_BYTES).fill(1);
		for (let sent = 0; sent <= MAX_FRAME_BYTES && !flood.peer.destroyed; sent += more.length - 1) flood.peer.emit('data', Buffer.from(more));
		expect(flood.events).toEqual([expect.stringMatching(/^close frame exceeds/)]);
		expect(flood.data).toEqual([]);
	});

	it('hands out exactly the message bytes, not the pooled buffer behind a Buffer', () => {
		const { peer, data } = make();
		const pool = Buffer.alloc(64, 7);
		pool[9] = 0;
		peer.emit('data', pool.subarray(9, 13));
		expect(data[0]).toBeInstanceOf(Uint8Array);
		expect(Buffer.isBuffer(data[0])).toBe(false);
		expect([...data[0]!]).toEqual([7, 7, 7]);
		// Even a bare .slice() now copies three bytes, not the pool.
		expect(data[0]!.slice().buffer.byteLength).toBe(3);
	});

	it('reports one close, preferring the error, and none after destroy()', () => {
		const first = make();
		first.peer.emit('error', new Error('Ice connection failed.'));
		first.peer.emit('close');
		expect(first.events).toEqual(['close Ice connection failed.']);

		const second = make();
		second.rtc.destroy();
		second.peer.emit('close');
		expect(second.peer.destroyed).toBe(true);
		expect(second.events).toEqual([]);
	});
});
