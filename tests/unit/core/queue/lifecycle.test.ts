/**
 * The delivery rules, one test each, driven through transactions and block
 * times: slots and scheduling, acknowledgements, redelivery with backoff,
 * dead letters and re-driving, each delivery guarantee, expiry, topics,
 * routes, fees under a changing policy, metrics, and the queries the node
 * and the app read.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/lib/core/bytes.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import { DEFAULT_POLICIES, schedulePolicy } from '../../../../src/lib/core/state/policy.js';
import { queueKeys } from '../../../../src/lib/core/state/queue/keys.js';
import { deadLetters, inbox, isAcknowledged, messageTxIds, messageView, queueMetrics, queueSummary, quoteRedrive, received, sent } from '../../../../src/lib/core/state/queue/queries.js';
import { decodeTx, encodeTx, txIdHex } from '../../../../src/lib/core/tx/tx.js';
import { applyTx } from '../../../../src/lib/core/state/machine.js';
import { getMessage } from '../../../../src/lib/core/state/queue/records.js';
import { redriveFee } from '../../../../src/lib/core/state/queue/receipts.js';
import { openDirect, sealDirect } from '../../../../src/lib/core/crypto/direct.js';
import { sealTopic, topicKeyId } from '../../../../src/lib/core/crypto/topic.js';
import { utf8 } from '../../../../src/lib/core/bytes.js';
import { sha512 } from '@noble/hashes/sha2.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import { START, World, direct, hex, hexBytes, topical, type WorldOptions } from './world.js';

const VT = DEFAULT_POLICIES.delivery.visibilityTimeoutMs;

function setup(opts: WorldOptions = {}): { w: World; a: KeyPair; b: KeyPair; c: KeyPair; d: KeyPair } {
	const w = new World({ members: 4, ...opts });
	const [a, b, c, d] = w.members as [KeyPair, KeyPair, KeyPair, KeyPair];
	return { w, a, b, c, d };
}

const status = (w: World, id: string, r: KeyPair): string => messageView(w.state, id)!.deliveries.find((d) => d.recipient === hex(r))!.status;
const delivery = (w: World, id: string, r: KeyPair) => messageView(w.state, id)!.deliveries.find((d) => d.recipient === hex(r))!;

describe('slots and scheduling', () => {
	it('a direct message goes out at once: in flight, attempt 1, for one visibility window', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		expect(delivery(w, id, b)).toMatchObject({ status: 'inflight', attempts: 1, since: START, due: START + VT });
	});

	it('beyond maxInFlight messages wait in the scheduler, and go out as slots free', () => {
		const { w, a, b } = setup({ policies: { delivery: { maxInFlight: 2 } } });
		const ids = [0, 1, 2, 3].map(() => w.send(a, direct(b)));
		expect(ids.map((id) => status(w, id, b))).toEqual(['inflight', 'inflight', 'pending', 'pending']);
		w.next();
		w.ack(b, ids[0]!);
		expect(ids.map((id) => status(w, id, b))).toEqual(['acked', 'inflight', 'inflight', 'pending']);
		expect(delivery(w, ids[2]!, b).since).toBe(w.time);
	});

	it('the scheduler follows the priority policy: under strict priority the emergency message goes first', () => {
		const { w, a, b, c } = setup({ policies: { delivery: { maxInFlight: 1 }, priority: { algorithm: 'strict' } } });
		const first = w.send(a, direct(b));
		const bulk = w.send(a, direct(b, { priority: 'bulk' }));
		const urgent = w.send(c, direct(b, { priority: 'emergency' }));
		w.ack(b, first);
		expect([status(w, urgent, b), status(w, bulk, b)]).toEqual(['inflight', 'pending']);
	});

	it('an ack settles a delivery: acked, its receipt id recorded, its slot freed', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		w.next(2500);
		const receipt = w.ack(b, id);
		expect(delivery(w, id, b)).toMatchObject({ status: 'acked', ack: receipt, due: 0 });
		expect(inbox(w.state, hex(b), w.time).inFlight).toEqual([]);
		expect(messageTxIds(w.state, id)).toEqual({ message: id, receipts: [{ recipient: hex(b), ack: receipt }] });
	});

	it('an early ack, before the message was delivered, settles it too; it is then never delivered', () => {
		const { w, a, b } = setup({ policies: { delivery: { maxInFlight: 1 } } });
		const first = w.send(a, direct(b));
		const second = w.send(a, direct(b));
		w.ack(b, second);
		w.ack(b, first);
		expect([status(w, first, b), status(w, second, b)]).toEqual(['acked', 'acked']);
		expect(delivery(w, second, b).attempts).toBe(0);
	});
});

describe('at least once', () => {
	it('an unacknowledged message is delivered again when its window ends, each window twice as long', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		w.runTo(START + VT - 1000);
		expect(delivery(w, id, b).attempts).toBe(1);
		w.runTo(START + VT);
		expect(delivery(w, id, b)).toMatchObject({ status: 'inflight', attempts: 2, since: START + VT, due: START + VT + 2 * VT });
	});

	it('after maxDeliveries unacknowledged windows it is dead-lettered, and both sender and recipient see it', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		w.runTo(START + VT + 2 * VT + 4 * VT);
		expect(delivery(w, id, b)).toMatchObject({ status: 'dead', attempts: 3, deadReason: 'maxDeliveries' });
		expect(deadLetters(w.state, hex(a)).map((d) => d.id)).toEqual([id]);
		expect(deadLetters(w.state, hex(b)).map((d) => d.id)).toEqual([id]);
	});

	it('a dead letter re-driven goes back to the recipient with fresh attempts', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		w.nack(b, id, 'broken', false);
		w.next();
		w.apply(a, 'msg.redrive', { id: hexBytes(id), recipient: b.publicKey }, 10);
		expect(delivery(w, id, b)).toMatchObject({ status: 'inflight', attempts: 1, redriven: 1, deadReason: null });
		expect(deadLetters(w.state, hex(a))).toEqual([]);
		expect(delivery(w, id, b).history.map(([s]) => s)).toEqual(['pending', 'inflight', 'dead', 'pending', 'inflight']);
	});

	it('a dead letter can still be acknowledged late, which settles it', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		w.nack(b, id, 'later', false);
		w.ack(b, id);
		expect(status(w, id, b)).toBe('acked');
		expect(deadLetters(w.state, hex(b))).toEqual([]);
	});

	it('a nack with requeue is redelivered when its window ends, not before', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		w.next();
		w.nack(b, id, 'busy', true);
		expect(delivery(w, id, b)).toMatchObject({ status: 'retry', nacks: 1, lastNack: 'busy' });
		w.runTo(START + VT - 1000);
		expect(status(w, id, b)).toBe('retry');
		w.runTo(START + VT);
		expect(delivery(w, id, b)).toMatchObject({ status: 'inflight', attempts: 2 });
	});

	it('a nack without requeue dead-letters it with the reason', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b));
		w.nack(b, id, 'malformed', false);
		expect(delivery(w, id, b)).toMatchObject({ status: 'dead', deadReason: 'rejected', lastNack: 'malformed' });
		expect(delivery(w, id, b).history.at(-1)).toEqual(['dead', START, 'rejected: malformed']);
	});

	it('a nack on the last attempt dead-letters it even when it asks for requeue', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b, { maxDeliveries: 1 }));
		w.nack(b, id, 'busy', true);
		expect(delivery(w, id, b)).toMatchObject({ status: 'dead', deadReason: 'rejected' });
	});
});

describe('at most once', () => {
	it('is delivered once and never again: its window ends as delivered', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b, { guarantee: 'atMostOnce' }));
		w.runTo(START + 10 * VT);
		expect(delivery(w, id, b)).toMatchObject({ status: 'delivered', attempts: 1 });
	});

	it('a nack dead-letters it, with or without requeue', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b, { guarantee: 'atMostOnce' }));
		w.nack(b, id, 'no', true);
		expect(delivery(w, id, b)).toMatchObject({ status: 'dead', attempts: 1 });
	});
});

describe('exactly once', () => {
	it('the idempotency key is free again once the dedup window is over, and its entry leaves state', () => {
		const { w, a, b } = setup();
		const key = new Uint8Array([7]);
		w.send(a, direct(b, { guarantee: 'exactlyOnce', idempotencyKey: key }));
		const entry = queueKeys.idempotency(hex(a), '07');
		expect(w.state.get(entry)).toBeDefined();
		w.runTo(START + DEFAULT_POLICIES.delivery.dedupWindowMs);
		expect(w.state.get(entry)).toBeUndefined();
		w.send(a, direct(b, { guarantee: 'exactlyOnce', idempotencyKey: key }));
	});

	it('the recipient can tell whether it processed a message: its receipt is on chain once', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b, { guarantee: 'exactlyOnce', idempotencyKey: new Uint8Array([1]) }));
		expect(isAcknowledged(w.state, id, hex(b))).toBe(false);
		w.ack(b, id);
		expect(isAcknowledged(w.state, id, hex(b))).toBe(true);
	});
});

describe('ordered', () => {
	const ordered = (to: KeyPair, seq: number) => direct(to, { guarantee: 'ordered', seq });

	it('a gap holds later messages; filling it releases them, one at a time per recipient', () => {
		const { w, a, b } = setup();
		const two = w.send(a, ordered(b, 2));
		const one = w.send(a, ordered(b, 1));
		expect([status(w, one, b), status(w, two, b)]).toEqual(['held', 'held']);
		expect(inbox(w.state, hex(b), w.time).held.map((d) => d.id)).toEqual([two, one]);
		const zero = w.send(a, ordered(b, 0));
		expect([status(w, zero, b), status(w, one, b), status(w, two, b)]).toEqual(['inflight', 'waiting', 'waiting']);
	});

	it('the next message goes out only when the one before it is settled (acked, dead-lettered or expired)', () => {
		const { w, a, b } = setup();
		const ids = [0, 1, 2].map((s) => w.send(a, ordered(b, s)));
		w.ack(b, ids[0]!);
		expect(ids.map((id) => status(w, id, b))).toEqual(['acked', 'inflight', 'waiting']);
		w.nack(b, ids[1]!, 'no', false);
		expect(ids.map((id) => status(w, id, b))).toEqual(['acked', 'dead', 'inflight']);
	});

	it('a gap that times out is skipped; its numbers are refused afterwards', () => {
		const { w, a, b } = setup();
		const two = w.send(a, ordered(b, 2));
		w.runTo(START + DEFAULT_POLICIES.delivery.orderGapTimeoutMs);
		expect(status(w, two, b)).toBe('inflight');
		w.reject(a, 'msg.send', ordered(b, 1), 'E_MSG_SEQUENCE', 'body.seq', 100);
		w.send(a, ordered(b, 3));
	});

	it('streams are per sender and recipient: another sender\'s numbers are its own', () => {
		const { w, a, b, c } = setup();
		w.send(a, ordered(b, 0));
		const other = w.send(c, ordered(b, 0));
		expect(status(w, other, b)).toBe('inflight');
	});
});

describe('expiry', () => {
	it('pending, in-flight and held deliveries expire at their time and are never delivered after', () => {
		const { w, a, b } = setup({ policies: { delivery: { maxInFlight: 1 } } });
		const expires = START + 5000;
		const flying = w.send(a, direct(b, { expires }));
		const waiting = w.send(a, direct(b, { expires }));
		const held = w.send(a, direct(b, { guarantee: 'ordered', seq: 1, expires }));
		w.runTo(expires);
		expect([flying, waiting, held].map((id) => status(w, id, b))).toEqual(['expired', 'expired', 'expired']);
		expect(delivery(w, waiting, b).attempts).toBe(0);
		expect(queueSummary(w.state)).toMatchObject({ expired: 3, pending: 0, inFlight: 0, held: 0 });
	});

	it('a message that expires in flight is not delivered again', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b, { expires: START + VT }));
		w.runTo(START + 4 * VT);
		expect(delivery(w, id, b)).toMatchObject({ status: 'expired', attempts: 1 });
	});
});

describe('topics', () => {
	it('a topic message fans out to members with a matching pattern, not to its sender, and pays for its fan-out', () => {
		const { w, a, b, c, d } = setup();
		w.apply(a, 'topic.create', { name: 'garden.news.weekly', mode: 'clear' });
		w.apply(a, 'topic.subscribe', { pattern: 'garden.#' });
		w.apply(b, 'topic.subscribe', { pattern: 'garden.*.weekly' });
		w.apply(c, 'topic.subscribe', { pattern: 'garden.#' });
		w.apply(d, 'topic.subscribe', { pattern: 'garden.*' });
		const body = topical('garden.news.weekly', { payload: new Uint8Array(4096) });
		const fee = w.fee(a, body);
		expect(fee).toBe(Math.floor((8 * 1_020_000) / 1_000_000));
		const id = w.send(a, body);
		expect(messageView(w.state, id)!.deliveries.map((x) => x.recipient)).toEqual([hex(b), hex(c)].sort());
		expect(received(w.state, hex(d))).toEqual([]);
	});

	it('a subscriber who joins later does not receive earlier messages; one who leaves receives no more', () => {
		const { w, a, b } = setup();
		w.apply(a, 'topic.create', { name: 'news', mode: 'clear' });
		const before = w.send(a, topical('news'));
		w.apply(b, 'topic.subscribe', { pattern: 'news' });
		const during = w.send(a, topical('news'));
		w.apply(b, 'topic.unsubscribe', { pattern: 'news' });
		const after = w.send(a, topical('news'));
		expect(received(w.state, hex(b)).map((x) => x.id)).toEqual([during]);
		expect([before, after].map((id) => messageView(w.state, id)!.message.recipients)).toEqual([0, 0]);
	});
});

describe('ordered topics and encrypted topics', () => {
	it('an ordered topic stream has a lane per subscriber: one slow subscriber holds back only itself', () => {
		const { w, a, b, c } = setup();
		w.apply(a, 'topic.create', { name: 'feed', mode: 'clear' });
		w.apply(b, 'topic.subscribe', { pattern: 'feed' });
		w.apply(c, 'topic.subscribe', { pattern: 'feed' });
		const ids = [0, 1].map((seq) => w.send(a, topical('feed', { guarantee: 'ordered', seq })));
		w.ack(b, ids[0]!);
		expect(ids.map((id) => [status(w, id, b), status(w, id, c)])).toEqual([
			['acked', 'inflight'],
			['inflight', 'waiting']
		]);
	});

	it('an encrypted topic takes messages sealed with its current key only; the owner can rotate it', () => {
		const { w, a, b } = setup();
		const random = (n: number) => sha512(utf8(`t${n}`)).slice(0, n);
		const [k1, k2] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
		w.apply(a, 'topic.create', { name: 'board', mode: 'encrypted', keyId: topicKeyId(k1) });
		w.apply(b, 'topic.subscribe', { pattern: 'board' });
		const sealed = (k: Uint8Array) => topical('board', { payload: sealTopic({ plaintext: utf8('minutes'), topic: 'board', key: k, sender: a.publicKey, random }) });
		const id = w.send(a, sealed(k1));
		expect(status(w, id, b)).toBe('inflight');
		w.apply(a, 'topic.rekey', { name: 'board', keyId: topicKeyId(k2) });
		w.reject(a, 'msg.send', sealed(k1), 'E_SCHEMA', 'body.payload.kid', 100);
		w.send(a, sealed(k2));
	});
});

describe('routes', () => {
	const route = (id: string, over: Record<string, unknown> = {}) => ({ id, from: 'hub-a', to: 'hub-b', hops: [], latencyMs: 50, bandwidth: 1000, reliabilityPpm: 990_000, cost: 10, status: 'active', ...over });

	it('the best route into the hub that meets the priority\'s bounds is chosen and recorded with the message', () => {
		const { w, a, b } = setup();
		w.apply(a, 'route.register', route('slow', { latencyMs: 400 }));
		w.apply(a, 'route.register', route('fast', { latencyMs: 20 }));
		w.apply(a, 'route.register', route('flaky', { latencyMs: 1, reliabilityPpm: 900_000 }));
		w.apply(a, 'route.register', route('down', { latencyMs: 1, status: 'failed' }));
		const id = w.send(a, direct(b, { hub: 'hub-b', priority: 'high' }));
		expect(messageView(w.state, id)!.message.route).toMatchObject({ hub: 'hub-b', id: 'fast' });
		// An emergency message needs latency within 100 ms: `slow` no longer qualifies, whatever its score.
		w.apply(a, 'route.register', route('cheap-slow', { latencyMs: 400, cost: 0 }));
		const urgent = w.send(a, direct(b, { hub: 'hub-b', priority: 'emergency' }));
		expect(messageView(w.state, urgent)!.message.route!.id).toBe('fast');
		const bulk = w.send(a, direct(b, { hub: 'hub-b', priority: 'bulk' }));
		expect(messageView(w.state, bulk)!.message.route!.id).toBe('cheap-slow');
	});

	it('when no route qualifies the decision says so (id null) and the message still goes peer to peer', () => {
		const { w, a, b } = setup();
		w.apply(a, 'route.register', route('slow', { latencyMs: 400 }));
		const id = w.send(a, direct(b, { hub: 'hub-b', priority: 'emergency' }));
		expect(messageView(w.state, id)!.message.route).toEqual({ hub: 'hub-b', id: null, score: 0 });
		expect(status(w, id, b)).toBe('inflight');
	});
});

describe('fees', () => {
	it('the fee charged is the fee offered, at least what the policy requires; more buys a bounded bonus and is kept', () => {
		const { w, a, b } = setup();
		const before = getAccount(w.state, hex(a)).balance;
		const body = direct(b, { priority: 'high' });
		const required = w.fee(a, body);
		const id = w.send(a, body, 500);
		expect(getAccount(w.state, hex(a)).balance).toBe(before - required - 500);
		expect(messageView(w.state, id)!.message).toMatchObject({ fee: required + 500, required, bonusPpm: 200_000 });
	});

	it('progressive: small messages from senders with few messages in the window pay only the minimum', () => {
		const { w, a, b } = setup({ policies: { fee: { baseFee: 1000, freeBytes: 1024, smallSenderMessages: 2 } } });
		const body = direct(b);
		expect(w.fee(a, body)).toBe(1);
		w.send(a, body);
		w.send(a, body);
		expect(w.fee(a, body)).toBeGreaterThan(1);
	});

	it('a fee policy scheduled for a height applies from that height, and not before', () => {
		const { w, a, b } = setup();
		const body = direct(b, { priority: 'emergency' });
		const before = w.fee(a, body);
		const dearer = { ...DEFAULT_POLICIES.fee, minimumFee: 1000 };
		schedulePolicy(w.state, 'fee', dearer, 'ab'.repeat(32), w.height + 2);
		w.next();
		// Still the old fee in this block, though a quote already asks for the scheduled one, to be safe.
		w.apply(a, 'msg.send', body, before);
		expect(w.fee(a, body)).toBe(1000);
		w.next();
		expect(w.fee(a, body)).toBe(1000);
		w.reject(a, 'msg.send', body, 'E_TX_FEE', 'fee', before);
		const balance = getAccount(w.state, hex(a)).balance;
		w.send(a, body);
		expect(getAccount(w.state, hex(a)).balance).toBe(balance - 1000);
	});

	it('a re-drive is quoted as a message is: a dearer fee policy already scheduled is quoted, the one in force charged', () => {
		const { w, a, b } = setup();
		const m = getMessage(w.state, w.send(a, direct(b)))!;
		const now = redriveFee(w.state, hex(a), m, w.time);
		expect(quoteRedrive(w.state, hex(a), m, w.time)).toBe(now);
		schedulePolicy(w.state, 'fee', { ...DEFAULT_POLICIES.fee, minimumFee: 1000 }, 'ab'.repeat(32), w.height + 2);
		expect(quoteRedrive(w.state, hex(a), m, w.time)).toBe(1000);
		expect(redriveFee(w.state, hex(a), m, w.time)).toBe(now);
	});
});

describe('metrics', () => {
	it('count messages, deliveries, acks with their latency and SLA, dead letters, depth, in flight and fees per scope', () => {
		const { w, a, b, c } = setup({ policies: { delivery: { maxInFlight: 1 } } });
		const one = w.send(a, direct(b, { priority: 'high' }), 9);
		w.send(a, direct(b, { priority: 'low' }));
		w.send(c, direct(b));
		w.next(300);
		w.ack(b, one);
		const m = queueMetrics(w.state, `in:${hex(b)}`)!;
		expect(m.total).toMatchObject({ sent: 3, deliveries: 3, dispatched: 2, acked: 1, latencyP50Ms: 500, latencyP99Ms: 500, slaCompliancePpm: 1_000_000 });
		expect(m.gauges).toMatchObject({ inflight: 1, depth: { emergency: 0, high: 0, normal: 0, low: 1, bulk: 0 } });
		expect(queueMetrics(w.state, 'all')!.total.fees).toBe(m.total.fees);
		expect(queueMetrics(w.state, `in:${hex(a)}`)).toBeUndefined();
	});

	it('keep one window per period and archive the ones before', () => {
		const { w, a, b } = setup({ policies: { delivery: { metricsPeriodMs: 60_000 } } });
		w.time = Math.ceil(w.time / 60_000) * 60_000;
		w.send(a, direct(b));
		w.next(60_000);
		w.send(a, direct(b));
		w.send(a, direct(b));
		const m = queueMetrics(w.state, 'all')!;
		expect([m.window.sent, m.total.sent, m.history.map((h) => h.sent)]).toEqual([2, 3, [1]]);
	});

	it('an SLA miss: an ack later than the priority\'s latency bound counts against compliance', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b, { priority: 'emergency' }));
		w.next(1000);
		w.ack(b, id);
		expect(queueSummary(w.state)).toMatchObject({ acked: 1, slaCompliancePpm: 0, latencyP50Ms: 1000 });
	});
});

describe('the wheel and the state root', () => {
	it('once every deadline has passed, a block without queue traffic leaves the state root as it was', () => {
		const { w, a, b } = setup();
		const id = w.send(a, direct(b, { expires: START + 60_000 }));
		w.ack(b, id);
		w.runTo(START + DEFAULT_POLICIES.delivery.defaultTtlMs, 3_600_000);
		const root = toHex(w.state.root());
		w.next(5000).next(5000);
		expect(toHex(w.state.root())).toBe(root);
		expect(w.state.keys('q/w')).toEqual([]);
	});
});

describe('queries', () => {
	it('the inbox lists in-flight deliveries in the order they went out, then the upcoming ones in scheduler order', () => {
		const { w, a, b, c } = setup({ policies: { delivery: { maxInFlight: 2 }, priority: { algorithm: 'strict' } } });
		const ids = [w.send(a, direct(b)), w.send(a, direct(b)), w.send(a, direct(b, { priority: 'low' })), w.send(c, direct(b, { priority: 'high' }))];
		const view = inbox(w.state, hex(b), w.time);
		expect(view.inFlight.map((d) => d.id)).toEqual([ids[0], ids[1]]);
		expect(view.upcoming.map((d) => d.id)).toEqual([ids[3], ids[2]]);
		expect(inbox(w.state, hex(b), w.time, 1).upcoming.map((d) => d.id)).toEqual([ids[3]]);
		// Looking ahead changed nothing.
		expect(status(w, ids[3]!, b)).toBe('pending');
		expect(sent(w.state, hex(a)).map((m) => m.id)).toEqual([ids[2], ids[1], ids[0]]);
	});

	it('the summary for agora verify counts messages by guarantee, acks, nacks, dead letters and expiries', () => {
		const { w, a, b } = setup();
		const [x, y] = [w.send(a, direct(b)), w.send(a, direct(b, { guarantee: 'atMostOnce' }))];
		w.ack(b, x);
		w.nack(b, y, 'no', false);
		w.send(a, direct(b, { guarantee: 'exactlyOnce', idempotencyKey: new Uint8Array([1]), expires: w.time + 1000 }));
		w.runTo(w.time + 1000);
		expect(queueSummary(w.state)).toMatchObject({
			messages: 3,
			byGuarantee: { atMostOnce: 1, atLeastOnce: 1, exactlyOnce: 1, ordered: 0 },
			acked: 1,
			nacked: 1,
			deadLettered: 1,
			deadLetters: 1,
			expired: 1
		});
	});

	it('end to end: the payload a member sends opens for the recipient alone, read back from the transaction', () => {
		const { w, a, b, c } = setup();
		const random = (n: number) => sha512(utf8(`r${n}`)).slice(0, n);
		const payload = sealDirect({ plaintext: utf8('hello b'), sender: a, recipient: b.publicKey, random });
		const body = direct(b, { payload });
		const t = w.tx(a, 'msg.send', body, w.fee(a, body));
		applyTx(w.state, t, w.chainId, w.block);
		const id = txIdHex(t);
		expect(messageView(w.state, id)!.message.to).toBe(hex(b));
		// The node finds the transaction by the message id and hands its payload to the reader: here, as it travels.
		const carried = (decodeTx(encodeTx(t)).body as { payload: Uint8Array }).payload;
		expect(openDirect(carried, b, a.publicKey, b.publicKey)).toEqual(utf8('hello b'));
		expect(openDirect(carried, c, a.publicKey, b.publicKey)).toBeNull();
	});
});

