/**
 * Queue metrics, kept by the state machine itself as messages move (so they
 * are on chain and every node agrees on them), after the seed's QueueMetrics
 * and the data-flow metrics: throughput, latency from send to ack (p50, p95,
 * p99 from a bounded histogram), depth per priority, in flight, dead letters,
 * fees collected and SLA compliance against the routing policy's latency
 * bound of each priority.
 *
 * Scopes: `all`, every recipient's queue (`in:<key>`, direct and topic
 * deliveries to it) and every topic (`t:<name>`). Each keeps lifetime totals,
 * the counters of the current window (`metricsPeriodMs` of block time) and
 * gauges; when a window ends, it is archived in one of ARCHIVED slots, so a
 * scope's metrics take bounded space however long the chain runs.
 *
 * One transaction touches a scope's record once: changes collect in a batch
 * and are written when the transaction or block hook is done.
 */
import type { Encodable } from '../../codec.js';
import type { Hex } from '../../bytes.js';
import { PPM } from '../../params.js';
import { GUARANTEES, PRIORITIES, type Guarantee, type Priority } from '../policy.js';
import type { KV } from './kv.js';
import { queueKeys } from './keys.js';
import type { MessageRecord } from './types.js';

/** Upper bounds of the latency buckets; one more bucket counts anything slower than a day. */
export const LATENCY_BOUNDS_MS = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000, 86_400_000] as const;
export const ARCHIVED = 24;

export const COUNTER_NAMES = ['sent', 'deliveries', 'dispatched', 'redelivered', 'acked', 'nacked', 'dead', 'expired', 'redriven', 'fees', 'slaMet'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

export type Counters = Record<CounterName, number> & {
	/** Messages sent, per guarantee (GUARANTEES order). */
	readonly byGuarantee: number[];
	/** Send-to-ack latencies, per LATENCY_BOUNDS_MS bucket. */
	readonly latency: number[];
};

export interface Gauges {
	/** Deliveries waiting in schedulers, per priority (PRIORITIES order). */
	readonly depth: number[];
	readonly inflight: number;
	/** Ordered deliveries held for a gap or for the message before them. */
	readonly held: number;
	/** Dead letters not yet re-driven or acknowledged. */
	readonly dead: number;
}

export interface ScopeMetrics {
	readonly period: number;
	readonly window: Counters;
	readonly total: Counters;
	readonly gauges: Gauges;
}

export const ALL_SCOPE = 'all';
export const inboxScope = (recipient: Hex): string => `in:${recipient}`;
export const topicScope = (topic: string): string => `t:${topic}`;

/** The scopes a message counts in: everything, and its topic or its recipient's queue. */
export function messageScopes(m: MessageRecord): string[] {
	return [ALL_SCOPE, m.topic !== null ? topicScope(m.topic) : inboxScope(m.to!)];
}

/** The scopes a delivery counts in: everything, the recipient's queue, and its topic. */
export function deliveryScopes(m: MessageRecord, recipient: Hex): string[] {
	return [ALL_SCOPE, inboxScope(recipient), ...(m.topic !== null ? [topicScope(m.topic)] : [])];
}

export function zeroCounters(): Counters {
	return {
		...(Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Record<CounterName, number>),
		byGuarantee: GUARANTEES.map(() => 0),
		latency: [...LATENCY_BOUNDS_MS, 0].map(() => 0)
	};
}

function cloneCounters(c: Counters): Counters {
	return { ...c, byGuarantee: [...c.byGuarantee], latency: [...c.latency] };
}

export function readScope(kv: KV, scope: string): ScopeMetrics | undefined {
	return kv.get(queueKeys.metrics(scope)) as ScopeMetrics | undefined;
}

interface Mutable {
	period: number;
	window: Counters;
	total: Counters;
	gauges: { depth: number[]; inflight: number; held: number; dead: number };
}

export class MetricsBatch {
	private readonly open = new Map<string, Mutable>();

	constructor(
		private readonly kv: KV,
		/** The window the changes fall in: floor(block time / metricsPeriodMs). */
		private readonly period: number
	) {}

	private scope(scope: string): Mutable {
		let m = this.open.get(scope);
		if (m) return m;
		const stored = readScope(this.kv, scope);
		m = stored
			? { period: stored.period, window: cloneCounters(stored.window), total: cloneCounters(stored.total), gauges: { ...stored.gauges, depth: [...stored.gauges.depth] } }
			: { period: this.period, window: zeroCounters(), total: zeroCounters(), gauges: { depth: PRIORITIES.map(() => 0), inflight: 0, held: 0, dead: 0 } };
		if (m.period !== this.period) {
			this.kv.put(queueKeys.metricsArchive(scope, m.period % ARCHIVED), { period: m.period, ...m.window } as unknown as Encodable);
			m.period = this.period;
			m.window = zeroCounters();
		}
		this.open.set(scope, m);
		return m;
	}

	private both(scopes: readonly string[], change: (c: Counters) => void): void {
		for (const s of scopes) {
			const m = this.scope(s);
			change(m.window);
			change(m.total);
		}
	}

	count(scopes: readonly string[], name: CounterName, n = 1): void {
		this.both(scopes, (c) => ((c as Record<CounterName, number>)[name] += n));
	}

	sent(scopes: readonly string[], guarantee: Guarantee, fee: number): void {
		const g = GUARANTEES.indexOf(guarantee);
		this.both(scopes, (c) => {
			c.sent++;
			c.fees += fee;
			c.byGuarantee[g]!++;
		});
	}

	acked(scopes: readonly string[], latencyMs: number, boundMs: number): void {
		let bucket = LATENCY_BOUNDS_MS.findIndex((b) => latencyMs <= b);
		if (bucket < 0) bucket = LATENCY_BOUNDS_MS.length;
		this.both(scopes, (c) => {
			c.acked++;
			c.latency[bucket]!++;
			if (latencyMs <= boundMs) c.slaMet++;
		});
	}

	gauge(scopes: readonly string[], name: 'inflight' | 'held' | 'dead', delta: number): void {
		for (const s of scopes) this.scope(s).gauges[name] += delta;
	}

	depth(scopes: readonly string[], priority: Priority, delta: number): void {
		const p = PRIORITIES.indexOf(priority);
		for (const s of scopes) this.scope(s).gauges.depth[p]! += delta;
	}

	flush(): void {
		for (const [scope, m] of this.open) this.kv.put(queueKeys.metrics(scope), m as unknown as Encodable);
		this.open.clear();
	}
}

/* ------------------------------------------------------------------ */
/* Views                                                               */
/* ------------------------------------------------------------------ */

export interface CountersView extends Record<CounterName, number> {
	readonly byGuarantee: Readonly<Record<Guarantee, number>>;
	/** Upper bound of the bucket holding the percentile; MAX_SAFE_INTEGER above the last bound; null with no acks. */
	readonly latencyP50Ms: number | null;
	readonly latencyP95Ms: number | null;
	readonly latencyP99Ms: number | null;
	/** Acks within their priority's latency bound, per million acks (null with no acks). */
	readonly slaCompliancePpm: number | null;
}

export interface MetricsView {
	readonly scope: string;
	readonly periodMs: number;
	/** The current window (as of the last change in this scope) and the acks per hour in it. */
	readonly period: number;
	readonly window: CountersView;
	readonly throughputPerHour: number;
	readonly total: CountersView;
	readonly gauges: Omit<Gauges, 'depth'> & { readonly depth: Readonly<Record<Priority, number>> };
	/** Earlier windows still kept, oldest first. */
	readonly history: ReadonlyArray<{ readonly period: number } & CountersView>;
}

/** The latency bucket bound below which `ppm` of the acks fall. */
export function percentile(latency: readonly number[], ppm: number): number | null {
	const total = latency.reduce((a, b) => a + b, 0);
	if (total === 0) return null;
	const rank = Math.ceil((total * ppm) / PPM);
	let seen = 0;
	for (let i = 0; i < latency.length; i++) {
		seen += latency[i]!;
		if (seen >= rank) return LATENCY_BOUNDS_MS[i] ?? Number.MAX_SAFE_INTEGER;
	}
	return Number.MAX_SAFE_INTEGER;
}

export function countersView(c: Counters): CountersView {
	const { byGuarantee, latency, ...counts } = c;
	return {
		...counts,
		byGuarantee: Object.fromEntries(GUARANTEES.map((g, i) => [g, byGuarantee[i]!])) as Record<Guarantee, number>,
		latencyP50Ms: percentile(latency, 500_000),
		latencyP95Ms: percentile(latency, 950_000),
		latencyP99Ms: percentile(latency, 990_000),
		slaCompliancePpm: c.acked === 0 ? null : Math.floor((c.slaMet * PPM) / c.acked)
	};
}

export function metricsView(kv: KV, scope: string, periodMs: number): MetricsView | undefined {
	const m = readScope(kv, scope);
	if (!m) return undefined;
	const history: Array<{ period: number } & CountersView> = [];
	for (let p = m.period - ARCHIVED; p < m.period; p++) {
		if (p < 0) continue;
		const old = kv.get(queueKeys.metricsArchive(scope, p % ARCHIVED)) as ({ period: number } & Counters) | undefined;
		if (old && old.period === p) history.push({ period: p, ...countersView(old) });
	}
	return {
		scope,
		periodMs,
		period: m.period,
		window: countersView(m.window),
		throughputPerHour: Math.floor((m.window.acked * 3_600_000) / periodMs),
		total: countersView(m.total),
		gauges: { ...m.gauges, depth: Object.fromEntries(PRIORITIES.map((p, i) => [p, m.gauges.depth[i]!])) as Record<Priority, number> },
		history
	};
}
