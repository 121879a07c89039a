/** Routes: registration, owner-only updates, and the index by destination hub that route choice reads. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AgoraError } from '../../../../src/lib/core/errors.js';
import { toHex } from '../../../../src/lib/core/bytes.js';
import { getRoute, hubKey, MAX_HOPS, MAX_LATENCY_MS, MAX_ROUTES_PER_HUB, routeIdsTo, routesTo } from '../../../../src/lib/core/state/routes.js';
import { PPM } from '../../../../src/lib/core/params.js';
import { key, ledger } from '../../../helpers/community.js';

const [alice, bob, carol] = [key(0), key(1), key(2)]; // carol is not a member
const l = ledger({ members: [alice, bob] });
const route = (over: Record<string, unknown> = {}) => ({
	id: 'r1',
	from: 'hub-a',
	to: 'hub-b',
	hops: ['relay-1', 'relay-2'],
	latencyMs: 40,
	bandwidth: 10_000,
	reliabilityPpm: 990_000,
	cost: 3,
	status: 'active',
	...over
});

describe('route.register', () => {
	it('records the route with its owner and heights, and indexes it by destination hub', () => {
		l.reset().at(3).apply(alice, 'route.register', route());
		expect(getRoute(l.state, 'r1')).toEqual({ ...route(), owner: toHex(alice.publicKey), since: 3, updated: 3 });
		expect(routeIdsTo(l.state, 'hub-b')).toEqual(['r1']);
		expect(routeIdsTo(l.state, 'hub-a')).toEqual([]);
	});

	it('the hub index lists every route into the hub, sorted by id, whoever registered it', () => {
		l.reset();
		l.apply(bob, 'route.register', route({ id: 'zeta' }));
		l.apply(alice, 'route.register', route({ id: 'alpha', from: 'hub-c' }));
		l.apply(alice, 'route.register', route({ id: 'mid', to: 'hub-c' }));
		expect(routesTo(l.state, 'hub-b').map((r) => r.id)).toEqual(['alpha', 'zeta']);
		expect(routesTo(l.state, 'hub-c').map((r) => r.id)).toEqual(['mid']);
	});

	it('accepts the bounds: no hops, latency 0 and the maximum, reliability 0 and 1e6', () => {
		l.reset();
		l.apply(alice, 'route.register', route({ id: 'a', hops: [], latencyMs: 0, reliabilityPpm: 0 }));
		l.apply(alice, 'route.register', route({ id: 'b', hops: Array.from({ length: MAX_HOPS }, (_, i) => `h${i}`), latencyMs: MAX_LATENCY_MS, reliabilityPpm: PPM }));
	});

	it('a route id is registered once', () => {
		l.reset().apply(alice, 'route.register', route());
		l.reject(bob, 'route.register', route({ to: 'hub-c' }), 'E_TX_NOT_ALLOWED', 'body.id');
	});

	it('a hub takes at most MAX_ROUTES_PER_HUB routes, so its index stays bounded', () => {
		l.reset();
		// Filled directly: registering a thousand routes would only make the test slow.
		l.state.put(hubKey('hub-b'), Array.from({ length: MAX_ROUTES_PER_HUB - 1 }, (_, i) => `x${String(i).padStart(4, '0')}`));
		l.apply(alice, 'route.register', route());
		l.reject(alice, 'route.register', route({ id: 'r2' }), 'E_TX_NOT_ALLOWED', 'body.to');
		l.apply(alice, 'route.register', route({ id: 'r2', to: 'hub-c' }));
	});

	it('rejects a sender who is not a member', () => {
		l.reset().reject(carol, 'route.register', route(), 'E_TX_NOT_ALLOWED', 'from');
	});

	it.each([
		['an empty id', { id: '' }, 'body.id'],
		['an id with a slash', { id: 'a/b' }, 'body.id'],
		['an id over 64 characters', { id: 'r'.repeat(65) }, 'body.id'],
		['a missing source hub', { from: undefined }, 'body.from'],
		['a destination equal to the source', { to: 'hub-a' }, 'body.to'],
		['hops that are not an array', { hops: 'relay-1' }, 'body.hops'],
		['more than 16 hops', { hops: Array.from({ length: MAX_HOPS + 1 }, (_, i) => `h${i}`) }, 'body.hops'],
		['a repeated hop', { hops: ['x', 'y', 'x'] }, 'body.hops[2]'],
		['a hop that is not a label', { hops: ['ok', ' spaced'] }, 'body.hops[1]'],
		['a negative latency', { latencyMs: -1 }, 'body.latencyMs'],
		['a latency above an hour', { latencyMs: MAX_LATENCY_MS + 1 }, 'body.latencyMs'],
		['a negative bandwidth', { bandwidth: -1 }, 'body.bandwidth'],
		['reliability above 1e6 ppm', { reliabilityPpm: PPM + 1 }, 'body.reliabilityPpm'],
		['a negative cost', { cost: -1 }, 'body.cost'],
		['an unknown status', { status: 'up' }, 'body.status'],
		['an unknown field', { owner: 'me' }, 'body.owner']
	])('rejects %s', (_what, over, field) => {
		const body = Object.fromEntries(Object.entries(route(over)).filter(([, v]) => v !== undefined));
		l.reset().reject(alice, 'route.register', body as never, 'E_SCHEMA', field);
	});
});

describe('route.update', () => {
	it('the owner changes any of the terms; id, hubs and owner stay', () => {
		l.reset().apply(alice, 'route.register', route());
		l.at(9).apply(alice, 'route.update', { id: 'r1', status: 'degraded', latencyMs: 250, hops: ['relay-3'] });
		expect(getRoute(l.state, 'r1')).toEqual({ ...route(), status: 'degraded', latencyMs: 250, hops: ['relay-3'], owner: toHex(alice.publicKey), since: 1, updated: 9 });
		expect(routeIdsTo(l.state, 'hub-b')).toEqual(['r1']);
	});

	it('another member may not change it', () => {
		l.reset().apply(alice, 'route.register', route());
		l.reject(bob, 'route.update', { id: 'r1', status: 'failed' }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('an unknown route id is refused', () => {
		l.reset().reject(alice, 'route.update', { id: 'nope', status: 'failed' }, 'E_TX_NOT_ALLOWED', 'body.id');
	});

	it.each([
		['that changes nothing', { id: 'r1' }, 'body'],
		['of the destination (a route\'s hubs are what it is)', { id: 'r1', to: 'hub-c' }, 'body.to'],
		['with a bad term', { id: 'r1', reliabilityPpm: -1 }, 'body.reliabilityPpm'],
		['without an id', { status: 'failed' }, 'body.id']
	])('rejects an update %s', (_what, body, field) => {
		l.reset().apply(alice, 'route.register', route());
		l.reject(alice, 'route.update', body, 'E_SCHEMA', field);
	});
});

describe('the hub index', () => {
	it('property: for any registrations, each hub lists exactly the ids of the routes into it, sorted', () => {
		const regArb = fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), from: fc.constantFrom('h1', 'h2', 'h3'), to: fc.constantFrom('h1', 'h2', 'h3') }), { maxLength: 12 });
		fc.assert(
			fc.property(regArb, (regs) => {
				l.reset();
				const accepted = new Map<string, string>();
				for (const r of regs) {
					const ok = r.from !== r.to && !accepted.has(r.id);
					let refused: unknown = null;
					try {
						l.apply(alice, 'route.register', route(r));
					} catch (e) {
						refused = e;
					}
					if (refused !== null) expect(refused).toBeInstanceOf(AgoraError);
					expect(refused === null).toBe(ok);
					if (ok) accepted.set(r.id, r.to);
				}
				for (const hub of ['h1', 'h2', 'h3']) {
					const expected = [...accepted].filter(([, to]) => to === hub).map(([id]) => id).sort();
					expect(routeIdsTo(l.state, hub)).toEqual(expected);
				}
			}),
			{ numRuns: 50 }
		);
	});
});
