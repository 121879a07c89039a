/** metrics.record: one bounded record per scope, the latest window winning; one rule at a time. */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/lib/core/bytes.js';
import { getMetrics, MAX_METRIC_VALUES } from '../../../../src/lib/core/state/metrics.js';
import { key, ledger } from '../../../helpers/community.js';

const [alice, bob, carol] = [key(0), key(1), key(2)]; // carol is not a member
const l = ledger({ members: [alice, bob] });
const queue = { type: 'queue', id: 'inbox' } as const;
const report = (over: Record<string, unknown> = {}) => ({
	scope: queue,
	window: { from: 1, to: 9 },
	values: { depth: 12, latencyP50Ms: 40, latencyP95Ms: 120, latencyP99Ms: 300, throughput: 55, deadLetters: 1 },
	...over
});

describe('metrics.record', () => {
	it('keeps the values per scope with the window, the reporter and the height', () => {
		l.reset().at(10).apply(alice, 'metrics.record', report());
		expect(getMetrics(l.state, queue)).toEqual({ window: { from: 1, to: 9 }, values: report().values, by: toHex(alice.publicKey), height: 10 });
		expect(getMetrics(l.state, { type: 'topic', id: 'inbox' })).toBeUndefined();
	});

	it('a later window replaces the record whole; scopes do not share records', () => {
		l.reset().at(10).apply(alice, 'metrics.record', report());
		l.apply(bob, 'metrics.record', report({ scope: { type: 'topic', id: 'news.local' }, values: { depth: 1 } }));
		l.at(20).apply(bob, 'metrics.record', report({ window: { from: 10, to: 19 }, values: { depth: 3 } }));
		expect(getMetrics(l.state, queue)).toEqual({ window: { from: 10, to: 19 }, values: { depth: 3 }, by: toHex(bob.publicKey), height: 20 });
		expect(getMetrics(l.state, { type: 'topic', id: 'news.local' })!.values).toEqual({ depth: 1 });
	});

	it.each([
		['the same window again', { from: 1, to: 9 }],
		['an earlier window', { from: 0, to: 5 }],
		['a window ending at the same height', { from: 5, to: 9 }]
	])('refuses %s: the latest window wins', (_what, window) => {
		l.reset().at(10).apply(alice, 'metrics.record', report());
		l.at(11).reject(bob, 'metrics.record', report({ window }), 'E_TX_NOT_ALLOWED', 'body.window.to');
	});

	it('a window must end below the recording block\'s height', () => {
		l.reset().at(9).reject(alice, 'metrics.record', report(), 'E_TX_NOT_ALLOWED', 'body.window.to');
		l.at(10).apply(alice, 'metrics.record', report());
	});

	it('a route scope must name a registered route', () => {
		const scope = { type: 'route', id: 'r1' };
		l.reset().at(10).reject(alice, 'metrics.record', report({ scope }), 'E_TX_NOT_ALLOWED', 'body.scope.id');
		l.apply(bob, 'route.register', { id: 'r1', from: 'a', to: 'b', hops: [], latencyMs: 5, bandwidth: 1, reliabilityPpm: 999_000, cost: 1, status: 'active' });
		l.apply(alice, 'metrics.record', report({ scope }));
		expect(getMetrics(l.state, { type: 'route', id: 'r1' })!.by).toBe(toHex(alice.publicKey));
	});

	it('rejects a sender who is not a member', () => {
		l.reset().at(10).reject(carol, 'metrics.record', report(), 'E_TX_NOT_ALLOWED', 'from');
	});

	it(`accepts exactly ${MAX_METRIC_VALUES} values and names of 32 characters`, () => {
		const values = Object.fromEntries(Array.from({ length: MAX_METRIC_VALUES }, (_, i) => [`m${String(i).padStart(31, '0')}`, i]));
		l.reset().at(10).apply(alice, 'metrics.record', report({ values }));
	});

	it.each([
		['an unknown scope type', { scope: { type: 'node', id: 'x' } }, 'body.scope.type'],
		['a scope id with a slash', { scope: { type: 'queue', id: 'a/b' } }, 'body.scope.id'],
		['a scope with an extra field', { scope: { ...queue, owner: 'x' } }, 'body.scope.owner'],
		['a window that ends before it starts', { window: { from: 5, to: 4 } }, 'body.window.to'],
		['a negative window start', { window: { from: -1, to: 4 } }, 'body.window.from'],
		['no values', { values: {} }, 'body.values'],
		['values that are not a map', { values: [1, 2] }, 'body.values'],
		[`more than ${MAX_METRIC_VALUES} values`, { values: Object.fromEntries(Array.from({ length: MAX_METRIC_VALUES + 1 }, (_, i) => [`m${i}`, i])) }, 'body.values'],
		['a negative value', { values: { depth: -1 } }, 'body.values.depth'],
		['a value that is not a number', { values: { depth: '3' } }, 'body.values.depth'],
		['a name that is not camelCase', { values: { 'p95-latency': 3 } }, 'body.values.p95-latency'],
		['a name over 32 characters', { values: { ['m'.repeat(33)]: 3 } }, `body.values.${'m'.repeat(33)}`],
		['a missing window', { window: undefined }, 'body.window']
	])('rejects %s', (_what, over, field) => {
		const body = Object.fromEntries(Object.entries(report(over)).filter(([, v]) => v !== undefined));
		l.reset().at(10).reject(alice, 'metrics.record', body as never, 'E_SCHEMA', field);
	});
});
