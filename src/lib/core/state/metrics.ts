/**
 * Queue metrics recorded on chain, after the seed's QueueMetrics: a member
 * reports named integer measurements (depth, latencyP50Ms, latencyP95Ms,
 * latencyP99Ms, throughput, deadLetters, feesCollected …) for one scope (a
 * queue, a topic or a route) over a window of block heights. State keeps the
 * latest window per scope, so it grows with the scopes, not with the reports;
 * each report is bounded in its number of values and in their names.
 */
import type { Hex } from '../bytes.js';
import { fail } from '../errors.js';
import * as s from '../schema.js';
import { defineKind } from './kind.js';
import { readLabel } from './labels.js';
import { getRoute } from './routes.js';
import type { StateTree } from './tree.js';

export const SCOPE_TYPES = ['queue', 'topic', 'route'] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];

export interface MetricScope {
	readonly type: ScopeType;
	readonly id: string;
}

/** Block heights, both ends included. */
export interface MetricWindow {
	readonly from: number;
	readonly to: number;
}

export interface MetricsReport {
	readonly scope: MetricScope;
	readonly window: MetricWindow;
	readonly values: Readonly<Record<string, number>>;
}

export interface MetricsRecord {
	readonly window: MetricWindow;
	readonly values: Readonly<Record<string, number>>;
	/** Who reported it, and in which block. */
	readonly by: Hex;
	readonly height: number;
}

export const MAX_METRIC_VALUES = 32;
/** camelCase names of at most 32 characters. */
const METRIC_NAME = /^[a-z][A-Za-z0-9]{0,31}$/;

export const metricsKey = (scope: MetricScope): string => `x/${scope.type}/${scope.id}`;

export function getMetrics(state: StateTree, scope: MetricScope): MetricsRecord | undefined {
	return state.get(metricsKey(scope)) as MetricsRecord | undefined;
}

function readValues(value: unknown, path: string): Record<string, number> {
	const r = s.record(value, path);
	const names = Object.keys(r);
	if (names.length === 0) fail('E_SCHEMA', path, value, 'must hold at least one value');
	if (names.length > MAX_METRIC_VALUES) fail('E_SCHEMA', path, value, `must hold at most ${MAX_METRIC_VALUES} values`);
	const out: Record<string, number> = {};
	for (const name of names) {
		if (!METRIC_NAME.test(name)) fail('E_SCHEMA', `${path}.${name}`, name, 'is not a metric name (camelCase, at most 32 characters)');
		out[name] = s.int(r[name], `${path}.${name}`);
	}
	return out;
}

export const metricsRecord = defineKind<MetricsReport>({
	kind: 'metrics.record',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['scope', 'window', 'values']);
		const scope = s.exactRecord(r.scope, 'body.scope', ['type', 'id']);
		const window = s.exactRecord(r.window, 'body.window', ['from', 'to']);
		const from = s.int(window.from, 'body.window.from');
		return {
			scope: { type: s.oneOf(scope.type, 'body.scope.type', SCOPE_TYPES), id: readLabel(scope.id, 'body.scope.id') },
			window: { from, to: s.int(window.to, 'body.window.to', from) },
			values: readValues(r.values, 'body.values')
		};
	},
	apply: (ctx, { scope, window, values }) => {
		if (window.to >= ctx.height) fail('E_TX_NOT_ALLOWED', 'body.window.to', window.to, `must be below the height ${ctx.height} of the block recording it`);
		if (scope.type === 'route' && !getRoute(ctx.state, scope.id)) fail('E_TX_NOT_ALLOWED', 'body.scope.id', scope.id, 'names no registered route');
		const latest = getMetrics(ctx.state, scope);
		if (latest && window.to <= latest.window.to) {
			fail('E_TX_NOT_ALLOWED', 'body.window.to', window.to, `must be after the recorded window, which ends at ${latest.window.to}`);
		}
		const record: MetricsRecord = { window, values, by: ctx.sender, height: ctx.height };
		ctx.state.put(metricsKey(scope), { ...record, window: { ...window }, values: { ...values } });
	}
});
