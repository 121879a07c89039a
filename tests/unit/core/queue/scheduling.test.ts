/**
 * The schedulers as pure data structures: the class-level algorithms against
 * their definitions, and one inbox's two-level scheduler against the rules
 * it promises (every item once, per-sender order, the consecutive cap,
 * strict priority, fair shares between senders).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_POLICIES, PRIORITIES, type Priority, type PriorityPolicy, type SchedulerName } from '../../../../src/lib/core/state/policy.js';
import { CLASS_COUNT, IDLE_CLASSES, serveClass, type ClassHead, type ClassState } from '../../../../src/lib/core/state/queue/schedule/classes.js';
import { ageBonusPpm, feeBonusPpm, senderWeightPpm, flowCost } from '../../../../src/lib/core/state/queue/schedule/fairness.js';
import { InboxScheduler, type SchedItem } from '../../../../src/lib/core/state/queue/schedule/scheduler.js';
import { MemoryKV } from '../../../../src/lib/core/state/queue/kv.js';
import { PPM } from '../../../../src/lib/core/params.js';

const policy = (over: Partial<PriorityPolicy> = {}): PriorityPolicy => ({ ...DEFAULT_POLICIES.priority, ...over });
const head = (size = 100, over: Partial<ClassHead> = {}): ClassHead => ({ size, bonusPpm: 0, readyAt: 0, weightPpm: PPM, eligible: true, ...over });

/** Serves `n` times from classes that always have a head of the given sizes (null: empty). */
function serveMany(p: PriorityPolicy, sizes: ReadonlyArray<number | null>, n: number): number[] {
	let state: ClassState = IDLE_CLASSES;
	const out: number[] = [];
	for (let i = 0; i < n; i++) {
		const choice = serveClass(p, state, sizes.map((s) => (s === null ? null : head(s))), 0)!;
		state = choice.state;
		out.push(choice.rank);
	}
	return out;
}

const weightsArb = fc.tuple(...PRIORITIES.map(() => fc.integer({ min: 1, max: 1000 }))).map((w) => Object.fromEntries(PRIORITIES.map((p, i) => [p, w[i]!])) as Record<Priority, number>);

describe('fairness adjustments', () => {
	it('anti-monopoly: weight falls by 1/monopolyPer per message, capped, scaled by fairness, never below 0.1%', () => {
		const p = policy();
		expect(senderWeightPpm(p, 0)).toBe(PPM);
		expect(senderWeightPpm(p, 10)).toBe(800_000);
		expect(senderWeightPpm(p, 25)).toBe(500_000);
		expect(senderWeightPpm(p, 1000)).toBe(500_000);
		expect(senderWeightPpm(policy({ fairnessPpm: 0 }), 1000)).toBe(PPM);
		expect(senderWeightPpm(policy({ fairnessPpm: 2 * PPM }), 10)).toBe(600_000);
		expect(senderWeightPpm(policy({ monopolyMaxPpm: PPM }), 1000)).toBe(1000);
	});

	it('fee bonus: (fee - required) / feeBonusPer, capped; nothing for paying exactly the fee', () => {
		const p = policy();
		expect(feeBonusPpm(p, 10, 10)).toBe(0);
		expect(feeBonusPpm(p, 110, 10)).toBe(100_000);
		expect(feeBonusPpm(p, 10_000, 10)).toBe(200_000);
	});

	it('ageing: rises linearly over agePeriodMs up to ageMaxPpm', () => {
		const p = policy();
		expect(ageBonusPpm(p, 0)).toBe(0);
		expect(ageBonusPpm(p, 1_800_000)).toBe(150_000);
		expect(ageBonusPpm(p, 99_000_000)).toBe(300_000);
	});

	it('a message costs its flow less with a bonus and more with a penalised sender', () => {
		expect(flowCost(0, PPM)).toBe(1000);
		expect(flowCost(200_000, PPM)).toBe(833);
		expect(flowCost(0, 500_000)).toBe(2000);
	});
});

describe('class choice', () => {
	it('strict: always the highest-priority eligible class', () => {
		fc.assert(
			fc.property(fc.array(fc.option(fc.boolean(), { nil: null }), { minLength: 5, maxLength: 5 }), (spec) => {
				const heads = spec.map((e) => (e === null ? null : head(100, { eligible: e })));
				const choice = serveClass(policy({ algorithm: 'strict' }), IDLE_CLASSES, heads, 0);
				const first = heads.findIndex((h) => h?.eligible);
				expect(choice?.rank ?? -1).toBe(first);
			})
		);
	});

	// Self-clocked fair queuing keeps each class within one message of its fluid share, plus one for each
	// class whose tag ties or runs ahead of it: within CLASS_COUNT messages.
	it('weighted fair: under backlog each class gets its weight\'s share, within one message per class', () => {
		fc.assert(
			fc.property(weightsArb, fc.integer({ min: 50, max: 400 }), (weights, n) => {
				const ranks = serveMany(policy({ algorithm: 'weightedFair', weights }), [1, 1, 1, 1, 1], n);
				const total = PRIORITIES.reduce((s, p) => s + weights[p], 0);
				PRIORITIES.forEach((p, c) => {
					const got = ranks.filter((r) => r === c).length;
					expect(Math.abs(got - (n * weights[p]) / total)).toBeLessThanOrEqual(CLASS_COUNT);
				});
			})
		);
	});

	it('weighted fair: a class that starts waiting joins at the current virtual time (no credit for idling)', () => {
		const p = policy({ algorithm: 'weightedFair', weights: { emergency: 1, high: 1, normal: 1, low: 1, bulk: 1 } });
		let state: ClassState = IDLE_CLASSES;
		for (let i = 0; i < 50; i++) state = serveClass(p, state, [head(), null, null, null, null], 0)!.state;
		// Now the second class arrives: it alternates with the first instead of taking 50 turns in a row.
		const ranks: number[] = [];
		for (let i = 0; i < 6; i++) {
			const c = serveClass(p, state, [head(), head(), null, null, null], 0)!;
			state = c.state;
			ranks.push(c.rank);
		}
		expect(ranks.filter((r) => r === 1).length).toBe(3);
	});

	/** Textbook deficit round robin, walking every turn: the definition the computed version must match. */
	function textbookDrr(p: PriorityPolicy, queues: number[][]): number[] {
		const min = Math.min(...PRIORITIES.map((x) => p.weights[x]));
		const quantum = PRIORITIES.map((x) => Math.floor((p.drrQuantumBytes * p.weights[x]) / min));
		const q = queues.map((x) => [...x]);
		const deficit = q.map(() => 0);
		const out: number[] = [];
		while (q.some((x) => x.length > 0)) {
			for (let c = 0; c < q.length; c++) {
				if (q[c]!.length === 0) continue;
				deficit[c]! += quantum[c]!;
				while (q[c]!.length > 0 && deficit[c]! >= q[c]![0]!) {
					deficit[c]! -= q[c]!.shift()!;
					out.push(c);
				}
				if (q[c]!.length === 0) deficit[c] = 0;
			}
		}
		return out;
	}

	it('deficit round robin: the same order as the textbook algorithm, for any sizes, weights and quantum', () => {
		fc.assert(
			fc.property(
				weightsArb,
				fc.integer({ min: 1, max: 3000 }),
				fc.array(fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 12 }), { minLength: 5, maxLength: 5 }),
				(weights, quantum, queues) => {
					const p = policy({ algorithm: 'deficitRoundRobin', weights, drrQuantumBytes: quantum });
					const q = queues.map((x) => [...x]);
					let state: ClassState = IDLE_CLASSES;
					const got: number[] = [];
					for (;;) {
						const choice = serveClass(p, state, q.map((x) => (x.length ? head(x[0]!) : null)), 0);
						if (!choice) break;
						state = choice.state;
						q[choice.rank]!.shift();
						got.push(choice.rank);
					}
					expect(got).toEqual(textbookDrr(p, queues));
				}
			),
			{ numRuns: 200 }
		);
	});

	it('adaptive: weight first; ageing, a fee bonus or a penalised sender can turn close weights around', () => {
		const p = policy({ algorithm: 'adaptive', weights: { emergency: 1000, high: 100, normal: 10, low: 9, bulk: 1 } });
		const now = 10_000_000;
		const at = (normal: Partial<ClassHead>, low: Partial<ClassHead>): number =>
			serveClass(p, IDLE_CLASSES, [null, null, head(100, { readyAt: now, ...normal }), head(100, { readyAt: now, ...low }), null], now)!.rank;
		expect(at({}, {})).toBe(2);
		expect(at({}, { readyAt: now - p.agePeriodMs })).toBe(3);
		expect(at({}, { bonusPpm: 200_000 })).toBe(3);
		expect(at({ weightPpm: 500_000 }, {})).toBe(3);
		// Nothing turns around a tenfold weight: 1.3 × 1.2 < 10.
		expect(serveClass(p, IDLE_CLASSES, [null, head(), head(100, { readyAt: 0, bonusPpm: 200_000 }), null, null], now)!.rank).toBe(1);
	});

	it('every algorithm: never a class that is empty or not eligible, and null when none is', () => {
		fc.assert(
			fc.property(fc.constantFrom<SchedulerName>('strict', 'weightedFair', 'deficitRoundRobin', 'adaptive'), fc.array(fc.option(fc.boolean(), { nil: null }), { minLength: 5, maxLength: 5 }), (algorithm, spec) => {
				const heads = spec.map((e) => (e === null ? null : head(100, { eligible: e })));
				const choice = serveClass(policy({ algorithm }), IDLE_CLASSES, heads, 0);
				if (!heads.some((h) => h?.eligible)) expect(choice).toBeNull();
				else expect(heads[choice!.rank]?.eligible).toBe(true);
			})
		);
	});
});

/* ------------------------------------------------------------------ */
/* One inbox                                                           */
/* ------------------------------------------------------------------ */

interface Harness {
	readonly sched: () => InboxScheduler;
	readonly dead: Set<string>;
	readonly kv: MemoryKV;
}

function inbox(p: PriorityPolicy, weight: (sender: string) => number = () => PPM): Harness {
	const kv = new MemoryKV();
	const dead = new Set<string>();
	return { kv, dead, sched: () => new InboxScheduler(kv, 'in', { policy: p, live: (id) => !dead.has(id), senderWeight: weight }) };
}

const item = (id: string, sender: string, priority: Priority, size = 100): SchedItem => ({ id, sender, priority, size, bonusPpm: 0, readyAt: 0 });

const pushArb = fc.array(
	fc.record({ sender: fc.constantFrom('a', 'b', 'c', 'd'), priority: fc.constantFrom<Priority>(...PRIORITIES), size: fc.integer({ min: 1, max: 3000 }), dead: fc.boolean() }),
	{ maxLength: 60 }
);
const algorithmArb = fc.constantFrom<SchedulerName>('strict', 'weightedFair', 'deficitRoundRobin', 'adaptive');

/** Pushes `pushes` (interleaved with `nexts` takes before each push), then drains; returns what came out and when. */
function run(p: PriorityPolicy, pushes: ReadonlyArray<{ sender: string; priority: Priority; size: number; dead: boolean }>, takesBefore: readonly number[]) {
	const h = inbox(p);
	const out: SchedItem[] = [];
	/** For each output, the items waiting (pushed, live, not yet out) when it was chosen. */
	const waitingAt: SchedItem[][] = [];
	const waiting: SchedItem[] = [];
	const take = (): boolean => {
		const next = h.sched().next(0);
		if (!next) return false;
		waitingAt.push([...waiting]);
		waiting.splice(waiting.findIndex((w) => w.id === next.id), 1);
		out.push(next);
		return true;
	};
	pushes.forEach((x, i) => {
		for (let t = 0; t < (takesBefore[i] ?? 0); t++) take();
		const it = item(`m${i}`, x.sender, x.priority, x.size);
		h.sched().push(it);
		if (x.dead) h.dead.add(it.id);
		else waiting.push(it);
	});
	while (take());
	return { out, waitingAt, kv: h.kv };
}

describe('inbox scheduler', () => {
	it('delivers every live item exactly once, never a dead one, and leaves only the last sender behind', () => {
		fc.assert(
			fc.property(algorithmArb, pushArb, fc.array(fc.nat(2), { maxLength: 60 }), (algorithm, pushes, takes) => {
				const { out, kv } = run(policy({ algorithm }), pushes, takes);
				const live = pushes.map((x, i) => ({ ...x, id: `m${i}` })).filter((x) => !x.dead).map((x) => x.id);
				expect(out.map((o) => o.id).sort()).toEqual(live.sort());
				// Only the record of who was served last remains.
				expect([...kv.map.keys()]).toEqual(out.length ? ['in'] : []);
			})
		);
	});

	it('keeps each sender\'s items of one priority in the order they were pushed', () => {
		fc.assert(
			fc.property(algorithmArb, pushArb, fc.array(fc.nat(2), { maxLength: 60 }), (algorithm, pushes, takes) => {
				const { out } = run(policy({ algorithm }), pushes, takes);
				for (const s of ['a', 'b', 'c', 'd']) {
					for (const p of PRIORITIES) {
						const ids = out.filter((o) => o.sender === s && o.priority === p).map((o) => Number(o.id.slice(1)));
						expect(ids).toEqual([...ids].sort((x, y) => x - y));
					}
				}
			})
		);
	});

	it('never gives one sender more than maxConsecutive in a row while another sender waits', () => {
		fc.assert(
			fc.property(algorithmArb, fc.integer({ min: 1, max: 4 }), pushArb, fc.array(fc.nat(2), { maxLength: 60 }), (algorithm, maxConsecutive, pushes, takes) => {
				const { out, waitingAt } = run(policy({ algorithm, maxConsecutive }), pushes, takes);
				let run_ = 0;
				out.forEach((o, i) => {
					run_ = i > 0 && out[i - 1]!.sender === o.sender ? run_ + 1 : 1;
					if (run_ > maxConsecutive) expect(waitingAt[i]!.some((w) => w.sender !== o.sender)).toBe(false);
				});
			})
		);
	});

	it('strict: nothing of lower priority goes while higher waits, unless the consecutive cap forces it', () => {
		fc.assert(
			fc.property(pushArb, fc.array(fc.nat(2), { maxLength: 60 }), (pushes, takes) => {
				const maxConsecutive = 1_000_000;
				const { out, waitingAt } = run(policy({ algorithm: 'strict', maxConsecutive }), pushes, takes);
				out.forEach((o, i) => {
					const rank = PRIORITIES.indexOf(o.priority);
					expect(waitingAt[i]!.every((w) => PRIORITIES.indexOf(w.priority) >= rank)).toBe(true);
				});
			})
		);
	});

	it('a flooding sender gets its share and no more: one turn in k + 1 against k busy senders of equal weight', () => {
		fc.assert(
			fc.property(algorithmArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 20, max: 80 }), (algorithm, k, prefix) => {
				const h = inbox(policy({ algorithm }));
				const s = h.sched();
				for (let i = 0; i < 200; i++) s.push(item(`f${i}`, 'flood', 'normal'));
				for (let o = 0; o < k; o++) for (let i = 0; i < 100; i++) s.push(item(`o${o}-${i}`, `other${o}`, 'normal'));
				let flood = 0;
				for (let i = 0; i < prefix; i++) if (h.sched().next(0)!.sender === 'flood') flood++;
				expect(flood).toBeLessThanOrEqual(Math.ceil(prefix / (k + 1)) + 1);
			}),
			{ numRuns: 30 }
		);
	});

	it('anti-monopoly: a sender whose weight fell to half gets half the turns of a fresh one', () => {
		const h = inbox(policy({ algorithm: 'weightedFair' }), (sender) => (sender === 'heavy' ? 500_000 : PPM));
		const s = h.sched();
		for (let i = 0; i < 300; i++) {
			s.push(item(`h${i}`, 'heavy', 'normal'));
			s.push(item(`l${i}`, 'light', 'normal'));
		}
		let heavy = 0;
		for (let i = 0; i < 300; i++) if (h.sched().next(0)!.sender === 'heavy') heavy++;
		expect(Math.abs(heavy - 100)).toBeLessThanOrEqual(2);
	});

	it('is deterministic: the same pushes and takes give the same order and the same stored state', () => {
		fc.assert(
			fc.property(algorithmArb, pushArb, fc.array(fc.nat(2), { maxLength: 60 }), (algorithm, pushes, takes) => {
				const a = run(policy({ algorithm }), pushes, takes);
				const b = run(policy({ algorithm }), pushes, takes);
				expect(a.out).toEqual(b.out);
				expect([...a.kv.map].sort()).toEqual([...b.kv.map].sort());
			}),
			{ numRuns: 30 }
		);
	});
});
