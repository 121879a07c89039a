/**
 * Choosing the next message must stay O(log n) in the number waiting (the
 * reference re-sorts its list: quadratic overall). Measured by counting the
 * keys read and written, never by timing: first on the scheduler alone, then
 * through the whole path in state (an acknowledgement frees a slot, the
 * scheduler picks, the delivery goes out).
 */
import { describe, expect, it } from 'vitest';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import { DEFAULT_POLICIES, PRIORITIES, type SchedulerName } from '../../../../src/lib/core/state/policy.js';
import { MemoryKV, type KV } from '../../../../src/lib/core/state/queue/kv.js';
import { InboxScheduler } from '../../../../src/lib/core/state/queue/schedule/scheduler.js';
import { PPM } from '../../../../src/lib/core/params.js';
import { inbox } from '../../../../src/lib/core/state/queue/queries.js';
import { World, direct, hex } from './world.js';

class CountingKV implements KV {
	ops = 0;
	constructor(private readonly inner: KV) {}
	get(key: string): Encodable | undefined {
		this.ops++;
		return this.inner.get(key);
	}
	put(key: string, value: Encodable | undefined): void {
		this.ops++;
		this.inner.put(key, value);
	}
}

const ALGORITHMS: readonly SchedulerName[] = ['strict', 'weightedFair', 'deficitRoundRobin', 'adaptive'];

/** Keys touched by one `next()` with n flows waiting (every message from its own sender: the heaps' worst case). */
function opsPerNext(algorithm: SchedulerName, n: number): number {
	const kv = new CountingKV(new MemoryKV());
	const env = { policy: { ...DEFAULT_POLICIES.priority, algorithm }, live: () => true, senderWeight: () => PPM };
	const s = new InboxScheduler(kv, 'in', env);
	for (let i = 0; i < n; i++) s.push({ id: `m${i}`, sender: `s${i}`, priority: PRIORITIES[i % 5]!, size: 100 + (i % 7), bonusPpm: (i * 7919) % 200_000, readyAt: i });
	const samples = 16;
	kv.ops = 0;
	for (let i = 0; i < samples; i++) new InboxScheduler(kv, 'in', env).next(n);
	return kv.ops / samples;
}

describe('the cost of choosing the next message', () => {
	for (const algorithm of ALGORITHMS) {
		it(`${algorithm}: keys touched grow with log n, from 64 to 16,384 waiting`, () => {
			const sizes = [64, 256, 1024, 4096, 16_384];
			const ops = sizes.map((n) => opsPerNext(algorithm, n));
			// A binary heap's sift touches two children and a slot per level: about 3·log2 n, plus a constant.
			sizes.forEach((n, i) => expect(ops[i]!).toBeLessThanOrEqual(60 + 4 * Math.log2(n)));
			// 256 times as many waiting costs a few levels more, not 256 times more.
			expect(ops[4]! - ops[0]!).toBeLessThanOrEqual(4 * Math.log2(16_384 / 64));
		});
	}
});

describe('the cost of delivering the next message, in state', () => {
	/** State keys touched by one acknowledgement that frees the slot the next message goes into. */
	function opsPerAck(n: number): number {
		const w = new World({ members: n + 1, policies: { delivery: { maxInFlight: 1 } } });
		const [r, ...senders] = w.members as [KeyPair, ...KeyPair[]];
		for (const s of senders) w.send(s, direct(r, { priority: PRIORITIES[senders.indexOf(s) % 5]! }));
		w.next();
		let ops = 0;
		const get = w.state.get.bind(w.state);
		const put = w.state.put.bind(w.state);
		w.state.get = (k) => (ops++, get(k));
		w.state.put = (k, v) => (ops++, put(k, v));
		const samples = 8;
		for (let i = 0; i < samples; i++) w.ack(r, inbox(w.state, hex(r), w.time, 0).inFlight[0]!.id);
		return ops / samples;
	}

	it('stays logarithmic in the messages waiting for the recipient (128 to 2,048)', () => {
		const small = opsPerAck(128);
		const large = opsPerAck(2048);
		// Most of the ~300 keys are the transaction's fixed work (nonce, fee, records, logs, timer, metrics);
		// sixteen times as many waiting adds a few heap levels (measured: about 5 keys a level).
		expect(small).toBeLessThanOrEqual(400);
		expect(large - small).toBeLessThanOrEqual(8 * Math.log2(2048 / 128));
	}, 60_000);
});
