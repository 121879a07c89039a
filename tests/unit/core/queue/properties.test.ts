/**
 * Properties of the queue as a whole, driving the state machine with
 * generated transaction sequences and block times: random sends, acks that
 * arrive or are lost, nacks, duplicates and waits. After every step the
 * bookkeeping must agree with the records (gauges, slots, no idle slot while
 * a live message waits, ordered lanes), and at the end:
 * - at least once: every delivery is acknowledged or dead-lettered, none lost;
 * - exactly once: no recipient processes a message twice, no idempotency key
 *   is accepted twice in its window, no delivery is acknowledged twice;
 * - ordered: within a sender's stream, nothing overtakes an earlier message;
 * - a flooding sender gets no more than its share;
 * - fees charged are the policy's schedule, including after it changes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Hex } from '../../../../src/lib/core/bytes.js';
import { AgoraError, type ErrorCode } from '../../../../src/lib/core/errors.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import { DEFAULT_POLICIES, PRIORITIES, getPolicy, readPolicy, schedulePolicy, type FeePolicy, type Guarantee, type Priority, type SchedulerName } from '../../../../src/lib/core/state/policy.js';
import { PPM } from '../../../../src/lib/core/params.js';
import { queueKeys } from '../../../../src/lib/core/state/queue/keys.js';
import { inFlightCount } from '../../../../src/lib/core/state/queue/delivery.js';
import { readScope } from '../../../../src/lib/core/state/queue/metrics.js';
import { getDelivery, getMessage } from '../../../../src/lib/core/state/queue/records.js';
import { isAcknowledged } from '../../../../src/lib/core/state/queue/queries.js';
import { requiredFee } from '../../../../src/lib/core/state/queue/fee.js';
import { KvList } from '../../../../src/lib/core/state/queue/list.js';
import type { DeliveryRecord, DeliveryStatus, MessageRecord } from '../../../../src/lib/core/state/queue/types.js';
import { World, direct, hex, type WorldOptions } from './world.js';

/* ------------------------------------------------------------------ */
/* Invariants checked after every step                                 */
/* ------------------------------------------------------------------ */

interface Found {
	readonly id: Hex;
	readonly recipient: Hex;
	readonly m: MessageRecord;
	readonly d: DeliveryRecord;
}

function allDeliveries(w: World): Found[] {
	return w.state.keys('q/d/').map((k) => {
		const [, , id, recipient] = k.split('/') as [string, string, Hex, Hex];
		return { id, recipient, m: getMessage(w.state, id)!, d: getDelivery(w.state, id, recipient)! };
	});
}

const FINAL: readonly DeliveryStatus[] = ['acked', 'delivered', 'dead', 'expired'];

function checkInvariants(w: World): void {
	const all = allDeliveries(w);
	const count = (pred: (f: Found) => boolean): number => all.filter(pred).length;
	const gauges = readScope(w.state, 'all')?.gauges ?? { depth: [0, 0, 0, 0, 0], inflight: 0, held: 0, dead: 0 };
	// The gauges are the records, counted.
	expect(gauges.depth).toEqual(PRIORITIES.map((p) => count((f) => f.d.status === 'pending' && f.m.priority === p)));
	expect(gauges.inflight).toBe(count((f) => f.d.status === 'inflight' || f.d.status === 'retry'));
	expect(gauges.held).toBe(count((f) => f.d.status === 'held' || f.d.status === 'waiting'));
	expect(gauges.dead).toBe(count((f) => f.d.status === 'dead'));
	const limit = getPolicy(w.state, 'delivery').maxInFlight;
	for (const r of new Set(all.map((f) => f.recipient))) {
		const mine = all.filter((f) => f.recipient === r);
		const flying = mine.filter((f) => f.d.status === 'inflight' || f.d.status === 'retry').length;
		// Slots: the count is right and never over the limit; no slot idles while a live message waits.
		expect(inFlightCount(w, r)).toBe(flying);
		expect(flying).toBeLessThanOrEqual(limit);
		if (mine.some((f) => f.d.status === 'pending' && f.m.expires > w.time)) expect(flying).toBe(limit);
		// Ordered lanes: per stream at most one delivery scheduled or in flight, and everything before it settled.
		const lanes = new Map<string, Found[]>();
		for (const f of mine.filter((x) => x.m.guarantee === 'ordered')) {
			const lane = `${f.m.from}|${f.m.to ?? '#' + f.m.topic}`;
			lanes.set(lane, [...(lanes.get(lane) ?? []), f]);
		}
		for (const lane of lanes.values()) {
			const active = lane.filter((f) => ['pending', 'inflight', 'retry'].includes(f.d.status));
			expect(active.length).toBeLessThanOrEqual(1);
			for (const f of lane) {
				if (f.d.attempts === 0 && !['acked'].includes(f.d.status)) continue;
				// Anything that ever went out has only settled messages of lower number before it.
				const started = f.d.history.some(([s]) => s === 'inflight');
				if (started) for (const g of lane) if (g.m.seq! < f.m.seq! && !FINAL.includes(g.d.status)) expect.fail(`seq ${f.m.seq} went out before seq ${g.m.seq} settled`);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Driving a world with generated actions                              */
/* ------------------------------------------------------------------ */

type Action =
	| { readonly t: 'send'; readonly from: number; readonly to: number; readonly guarantee: Guarantee; readonly priority: Priority; readonly key: number; readonly seq: number; readonly ttl: number | null }
	/** The recipient of the `pick`-th delivery in flight (to anyone) acknowledges it, or its ack is lost. */
	| { readonly t: 'ack'; readonly pick: number; readonly lost: boolean }
	| { readonly t: 'nack'; readonly pick: number; readonly requeue: boolean }
	| { readonly t: 'wait'; readonly ms: number };

const MEMBERS = 4;

/** Sends to members with these guarantees, expiring after one of `ttls` (null: the policy's default, days away). */
function actionArb(guarantees: readonly Guarantee[], ttls: ReadonlyArray<number | null> = [null]): fc.Arbitrary<Action> {
	return fc.oneof(
		{
			weight: 4,
			arbitrary: fc.record({
				t: fc.constant('send' as const),
				from: fc.nat(MEMBERS - 1),
				to: fc.nat(MEMBERS - 1),
				guarantee: fc.constantFrom(...guarantees),
				priority: fc.constantFrom(...PRIORITIES),
				key: fc.nat(3),
				seq: fc.nat(5),
				ttl: fc.constantFrom(...ttls)
			})
		},
		{ weight: 5, arbitrary: fc.record({ t: fc.constant('ack' as const), pick: fc.nat(20), lost: fc.boolean() }) },
		{ weight: 1, arbitrary: fc.record({ t: fc.constant('nack' as const), pick: fc.nat(20), requeue: fc.boolean() }) },
		{ weight: 2, arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.constantFrom(100, 1000, 5000, 20_000) }) }
	);
}

/** Rejections a generated action may meet (a duplicate, a number already used …); anything else fails the property. */
const EXPECTED: readonly ErrorCode[] = ['E_TX_DUPLICATE', 'E_MSG_SEQUENCE', 'E_MSG_STATE', 'E_MSG_QUOTA'];

interface Run {
	readonly w: World;
	/** Per (message, recipient): how many times the recipient processed it. */
	readonly processed: Map<string, number>;
	/** Accepted sends with an idempotency key: sender, key, time. */
	readonly keyed: Array<{ sender: Hex; key: number; time: number }>;
}

function attempt(fn: () => unknown): AgoraError | null {
	try {
		fn();
		return null;
	} catch (e) {
		if (!(e instanceof AgoraError) || !EXPECTED.includes(e.code)) throw e;
		return e;
	}
}

/**
 * A recipient's node: it processes what is in flight to it unless it already
 * did (its own memory) or its receipt is on chain, then acknowledges; a lost
 * ack never reaches a block.
 */
function receive(run: Run, pick: number, lost: boolean): void {
	const { w } = run;
	const flying = answerable(w, ['inflight', 'retry']);
	if (flying.length === 0) return;
	const f = flying[pick % flying.length]!;
	const k = `${f.id}/${f.recipient}`;
	if (!run.processed.has(k) && !isAcknowledged(w.state, f.id, f.recipient)) run.processed.set(k, (run.processed.get(k) ?? 0) + 1);
	if (!lost) w.ack(memberOf(w, f.recipient), f.id);
}

const memberOf = (w: World, who: Hex): KeyPair => w.members.find((k) => hex(k) === who)!;

/** Deliveries in these statuses whose message has not expired (a node answers nothing else). */
const answerable = (w: World, statuses: readonly DeliveryStatus[]): Found[] => allDeliveries(w).filter((f) => statuses.includes(f.d.status) && f.m.expires > w.time);

function step(run: Run, a: Action): void {
	const { w } = run;
	const m = w.members;
	switch (a.t) {
		case 'send': {
			const body = direct(m[a.to]!, {
				guarantee: a.guarantee,
				priority: a.priority,
				...(a.guarantee === 'exactlyOnce' ? { idempotencyKey: new Uint8Array([a.key]) } : {}),
				...(a.guarantee === 'ordered' ? { seq: a.seq } : {}),
				...(a.ttl === null ? {} : { expires: w.time + a.ttl })
			});
			const error = attempt(() => w.send(m[a.from]!, body));
			if (!error && a.guarantee === 'exactlyOnce') run.keyed.push({ sender: hex(m[a.from]!), key: a.key, time: w.time });
			break;
		}
		case 'ack':
			receive(run, a.pick, a.lost);
			break;
		case 'nack': {
			const flying = answerable(w, ['inflight']);
			const f = flying[a.pick % flying.length];
			if (f) w.nack(memberOf(w, f.recipient), f.id, 'generated', a.requeue);
			break;
		}
		case 'wait':
			w.wait(a.ms, 1000);
			break;
	}
	checkInvariants(w);
}

function newRun(opts: WorldOptions): Run {
	return { w: new World({ members: MEMBERS, ...opts }), processed: new Map(), keyed: [] };
}

/** Lets block time run until nothing is open any more (bounded). */
function settle(run: Run, ackEverything: boolean): void {
	for (let i = 0; i < 400 && allDeliveries(run.w).some((f) => !FINAL.includes(f.d.status)); i++) {
		if (ackEverything) while (answerable(run.w, ['inflight']).length > 0) receive(run, 0, false);
		run.w.wait(60_000, 20_000);
		checkInvariants(run.w);
	}
}

const small = { delivery: { maxInFlight: 2, visibilityTimeoutMs: 5_000, maxBackoffMs: 60_000, dedupWindowMs: 30_000, orderGapTimeoutMs: 20_000 } };

describe('queue properties', () => {
	it('at least once: every delivery ends acknowledged or dead-lettered, whatever is acked, lost or rejected', () => {
		fc.assert(
			fc.property(fc.array(actionArb(['atLeastOnce']), { minLength: 20, maxLength: 60 }), (actions) => {
				const run = newRun({ policies: small });
				for (const a of actions) step(run, a);
				settle(run, false);
				const all = allDeliveries(run.w);
				for (const f of all) expect(['acked', 'dead']).toContain(f.d.status);
				// Nothing lost: every message has a delivery per recipient.
				for (const id of new Set(all.map((f) => f.id))) expect(all.filter((f) => f.id === id).length).toBe(getMessage(run.w.state, id)!.recipients);
				// Dead ones were delivered their full count (or rejected by the recipient), never given up early.
				for (const f of all.filter((x) => x.d.status === 'dead')) expect(f.d.attempts === f.m.maxDeliveries || f.d.deadReason === 'rejected').toBe(true);
			}),
			{ numRuns: 60 }
		);
	});

	it('exactly once: a recipient processes each message once, keys are accepted once per window, receipts once', () => {
		fc.assert(
			fc.property(fc.array(actionArb(['exactlyOnce']), { minLength: 20, maxLength: 60 }), (actions) => {
				const run = newRun({ policies: small });
				for (const a of actions) step(run, a);
				settle(run, true);
				for (const n of run.processed.values()) expect(n).toBe(1);
				const window = getPolicy(run.w.state, 'delivery').dedupWindowMs;
				run.keyed.forEach((x, i) => {
					for (const y of run.keyed.slice(i + 1)) if (x.sender === y.sender && x.key === y.key) expect(y.time - x.time).toBeGreaterThanOrEqual(window);
				});
				// Receipts: one per acknowledged delivery, and a second is refused.
				for (const f of allDeliveries(run.w).filter((x) => x.d.status === 'acked')) {
					const who = run.w.members.find((k) => hex(k) === f.recipient)!;
					expect(attempt(() => run.w.ack(who, f.id))?.code).toBe('E_TX_DUPLICATE');
				}
			}),
			{ numRuns: 60 }
		);
	});

	it('ordered: nothing in a stream goes out before every earlier message of it has settled', () => {
		fc.assert(
			fc.property(fc.array(actionArb(['ordered']), { minLength: 20, maxLength: 60 }), (actions) => {
				const run = newRun({ policies: small });
				// Invariants (checked at every step) hold the lane rule; the end state must also settle.
				for (const a of actions) step(run, a);
				settle(run, false);
				for (const f of allDeliveries(run.w)) expect(FINAL).toContain(f.d.status);
				// Per recipient and stream, first deliveries went out in sequence order.
				for (const k of run.w.members) {
					const order = new KvList<Hex>(run.w.state, queueKeys.dispatched(hex(k)));
					const seqs = new Map<string, number[]>();
					for (let i = order.first; i < order.end; i++) {
						const m = getMessage(run.w.state, order.at(i)!)!;
						seqs.set(m.from, [...(seqs.get(m.from) ?? []), m.seq!]);
					}
					for (const s of seqs.values()) expect(s).toEqual([...s].sort((x, y) => x - y));
				}
			}),
			{ numRuns: 60 }
		);
	});

	it('mixed guarantees and expiries: the bookkeeping holds whatever happens, and nothing is delivered after it expired', () => {
		fc.assert(
			fc.property(fc.array(actionArb(['atMostOnce', 'atLeastOnce', 'exactlyOnce', 'ordered'], [null, 2000, 10_000, 60_000]), { minLength: 20, maxLength: 60 }), (actions) => {
				const run = newRun({ policies: small });
				for (const a of actions) step(run, a);
				settle(run, false);
				for (const f of allDeliveries(run.w)) {
					expect(FINAL).toContain(f.d.status);
					for (const [s, time] of f.d.history) if (s === 'inflight') expect(time).toBeLessThan(f.m.expires);
				}
			}),
			{ numRuns: 40 }
		);
	});
});

describe('a flooding sender', () => {
	it('gets no more than maxConsecutive in a row while others wait, and no more than an equal share at equal priority', () => {
		fc.assert(
			fc.property(
				fc.constantFrom<SchedulerName>('strict', 'weightedFair', 'deficitRoundRobin', 'adaptive'),
				fc.integer({ min: 1, max: 5 }),
				fc.constantFrom<Priority>(...PRIORITIES),
				fc.boolean(),
				fc.integer({ min: 20, max: 60 }),
				(algorithm, maxConsecutive, othersPriority, floodHigher, flood) => {
					const w = new World({ members: 4, policies: { delivery: { maxInFlight: 1 }, priority: { algorithm, maxConsecutive, senderQuota: 50 } } });
					const [r, flooder, ...others] = w.members as [KeyPair, KeyPair, ...KeyPair[]];
					const floodPriority = floodHigher ? 'emergency' : othersPriority;
					let accepted = 0;
					for (let i = 0; i < flood; i++) if (!attempt(() => w.send(flooder, direct(r, { priority: floodPriority })))) accepted++;
					// The quota caps what it can even put in the queue.
					expect(accepted).toBe(Math.min(flood, 50));
					for (const o of others) for (let i = 0; i < 10; i++) w.send(o, direct(r, { priority: othersPriority }));
					// The recipient takes one message at a time; record who it came from and who else was waiting.
					const order: Array<{ from: Hex; othersWaiting: boolean }> = [];
					for (;;) {
						const flying = allDeliveries(w).find((f) => f.recipient === hex(r) && f.d.status === 'inflight');
						if (!flying) break;
						const waiting = allDeliveries(w).filter((f) => f.recipient === hex(r) && f.d.status === 'pending');
						order.push({ from: flying.m.from, othersWaiting: waiting.some((f) => f.m.from !== flying.m.from) || false });
						w.ack(r, flying.id);
					}
					const floodHex = hex(flooder);
					let run_ = 0;
					for (let i = 0; i < order.length; i++) {
						run_ = i > 0 && order[i - 1]!.from === order[i]!.from ? run_ + 1 : 1;
						const othersPending = order.slice(i + 1).some((o) => o.from !== order[i]!.from);
						if (othersPending && run_ > maxConsecutive) expect.fail(`${run_} in a row from one sender while others waited`);
					}
					if (!floodHigher || othersPriority === 'emergency') {
						// Equal priority: while the three others all still wait, the flooder gets at most a quarter (+1).
						const busy = order.findIndex((_, i) => others.some((o) => !order.slice(i).some((x) => x.from === hex(o))));
						const prefix = order.slice(0, busy < 0 ? order.length : busy);
						expect(prefix.filter((o) => o.from === floodHex).length).toBeLessThanOrEqual(Math.ceil(prefix.length / 4) + 1);
					}
				}
			),
			{ numRuns: 25 }
		);
	});
});

describe('fees', () => {
	const feePolicyArb: fc.Arbitrary<FeePolicy> = fc
		.record({
			minimumFee: fc.integer({ min: 0, max: 50 }),
			baseFee: fc.integer({ min: 0, max: 100 }),
			sizeUnitBytes: fc.integer({ min: 1, max: 4096 }),
			maxSizeUnits: fc.integer({ min: 1, max: 200 }),
			priorityScalePpm: fc.integer({ min: 0, max: 5 * PPM }),
			freeBytes: fc.integer({ min: 0, max: 512 }),
			smallSenderMessages: fc.integer({ min: 0, max: 5 }),
			fanoutPpm: fc.integer({ min: 0, max: PPM })
		})
		.map((r) => readPolicy('fee', { ...DEFAULT_POLICIES.fee, ...r }));

	it('the fee charged is the schedule of the policy in force at each height, before and after a change', () => {
		fc.assert(
			fc.property(
				feePolicyArb,
				feePolicyArb,
				fc.integer({ min: 1, max: 6 }),
				fc.array(fc.record({ priority: fc.constantFrom<Priority>(...PRIORITIES), guarantee: fc.constantFrom<Guarantee>('atMostOnce', 'atLeastOnce', 'exactlyOnce'), bytes: fc.integer({ min: 0, max: 6000 }) }), { minLength: 1, maxLength: 10 }),
				(first, second, changeAfter, messages) => {
					const w = new World({ members: 2, policies: { fee: first } });
					const a = w.members[0]!;
					const changeAt = w.height + changeAfter;
					schedulePolicy(w.state, 'fee', second, 'cd'.repeat(32), changeAt);
					let sent = 0;
					messages.forEach((msg, i) => {
						const payload = new Uint8Array(msg.bytes);
						w.apply(a, 'topic.create', { name: `t${i}`, mode: 'clear' });
						const body = { topic: `t${i}`, priority: msg.priority, guarantee: msg.guarantee, category: 'data', type: 'x', contentType: 'x', payload, ...(msg.guarantee === 'exactlyOnce' ? { idempotencyKey: new Uint8Array([i]) } : {}) };
						const policy = w.height >= changeAt ? second : first;
						const expected = requiredFee(policy, { bytes: msg.bytes, priority: msg.priority, guarantee: msg.guarantee, recipients: 1, sentInWindow: sent });
						// The formula, written out here in floating point, agrees away from rounding edges.
						const units = Math.min(msg.bytes, policy.maxSizeUnits * policy.sizeUnitBytes) / policy.sizeUnitBytes;
						const float = (policy.baseFee * units * policy.priorityPpm[msg.priority] * policy.priorityScalePpm * policy.guaranteePpm[msg.guarantee]) / PPM ** 3;
						const small = msg.bytes <= policy.freeBytes && sent < policy.smallSenderMessages;
						expect(Math.abs(expected - (small ? policy.minimumFee : Math.max(policy.minimumFee, Math.floor(float))))).toBeLessThanOrEqual(1);
						if (expected > 0) expect(() => w.apply(a, 'msg.send', body, expected - 1)).toThrow(/fee policy requires/);
						const before = getAccount(w.state, hex(a)).balance;
						w.apply(a, 'msg.send', body, expected);
						expect(before - getAccount(w.state, hex(a)).balance).toBe(expected);
						sent++;
						w.next();
					});
				}
			),
			{ numRuns: 60 }
		);
	});
});

