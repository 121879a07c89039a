/**
 * Message routes between hubs, after the seed's MessageRoute: a relay
 * declares a path from one hub to another with its hops, latency, bandwidth,
 * reliability, cost and health, and only the route's owner changes it. The
 * queue chooses a route by destination hub, so routes are indexed by it:
 * `rh/<hub>` lists the ids of every route into the hub, sorted, and route
 * choice reads that list and the records it names, never a scan of state.
 */
import type { Hex } from '../bytes.js';
import { AgoraError, fail } from '../errors.js';
import { PPM } from '../params.js';
import * as s from '../schema.js';
import { withItem } from '../sorted.js';
import { defineKind } from './kind.js';
import { readLabel } from './labels.js';
import type { StateTree } from './tree.js';

export const ROUTE_STATUSES = ['active', 'degraded', 'maintenance', 'failed'] as const;
export type RouteStatus = (typeof ROUTE_STATUSES)[number];

/** What an owner may change about a route after registering it. */
export interface RouteTerms {
	/** Intermediate hubs, in order. */
	readonly hops: readonly string[];
	readonly latencyMs: number;
	/** Kilobits per second. */
	readonly bandwidth: number;
	readonly reliabilityPpm: number;
	/** Cost per MiB carried, in ledger units. */
	readonly cost: number;
	readonly status: RouteStatus;
}

export interface RouteRegistration extends RouteTerms {
	readonly id: string;
	readonly from: string;
	readonly to: string;
}

export interface Route extends RouteRegistration {
	readonly owner: Hex;
	/** Heights of the registration and of the last change. */
	readonly since: number;
	readonly updated: number;
}

export interface RouteChanges extends Partial<RouteTerms> {
	readonly id: string;
}

export const MAX_HOPS = 16;
export const MAX_LATENCY_MS = 3_600_000;
/** Bounds the index of one hub, which is rewritten whole when a route into it is added. */
export const MAX_ROUTES_PER_HUB = 1024;

export const routeKey = (id: string): string => `r/${id}`;
export const hubKey = (hub: string): string => `rh/${hub}`;

export function getRoute(state: StateTree, id: string): Route | undefined {
	return state.get(routeKey(id)) as Route | undefined;
}

/** Ids of the routes into `hub`, sorted. */
export function routeIdsTo(state: StateTree, hub: string): readonly string[] {
	return (state.get(hubKey(hub)) as string[] | undefined) ?? [];
}

/** The routes into `hub`, by id, whatever their status. */
export function routesTo(state: StateTree, hub: string): Route[] {
	return routeIdsTo(state, hub).map((id) => getRoute(state, id)!);
}

function readHops(value: unknown, path: string): string[] {
	const hops = s.array(value, path, MAX_HOPS).map((h, i) => readLabel(h, `${path}[${i}]`));
	hops.forEach((h, i) => {
		if (hops.indexOf(h) !== i) fail('E_SCHEMA', `${path}[${i}]`, h, 'repeats an earlier hop');
	});
	return hops;
}

const TERM_READERS: { readonly [K in keyof RouteTerms]: (value: unknown, path: string) => RouteTerms[K] } = {
	hops: readHops,
	latencyMs: (v, p) => s.int(v, p, 0, MAX_LATENCY_MS),
	bandwidth: (v, p) => s.int(v, p),
	reliabilityPpm: (v, p) => s.int(v, p, 0, PPM),
	cost: (v, p) => s.int(v, p),
	status: (v, p) => s.oneOf(v, p, ROUTE_STATUSES)
};
const TERMS = Object.keys(TERM_READERS) as Array<keyof RouteTerms>;

/** Reads the terms present in `r` (all of them when registering, any when updating). */
function readTerms(r: Record<string, unknown>): Partial<RouteTerms> {
	const out: Record<string, unknown> = {};
	for (const k of TERMS) if (r[k] !== undefined) out[k] = TERM_READERS[k](r[k], `body.${k}`);
	return out;
}

export const routeRegister = defineKind<RouteRegistration>({
	kind: 'route.register',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['id', 'from', 'to', ...TERMS]);
		const from = readLabel(r.from, 'body.from');
		const to = readLabel(r.to, 'body.to');
		if (to === from) fail('E_SCHEMA', 'body.to', to, 'must differ from body.from');
		return { id: readLabel(r.id, 'body.id'), from, to, ...(readTerms(r) as RouteTerms) };
	},
	apply: (ctx, body) => {
		if (getRoute(ctx.state, body.id)) throw new AgoraError('E_TX_NOT_ALLOWED', `route ${body.id} is already registered`, 'body.id', body.id);
		const ids = routeIdsTo(ctx.state, body.to);
		if (ids.length >= MAX_ROUTES_PER_HUB) fail('E_TX_NOT_ALLOWED', 'body.to', body.to, `already has ${MAX_ROUTES_PER_HUB} routes into it`);
		ctx.state.put(routeKey(body.id), { ...body, hops: [...body.hops], owner: ctx.sender, since: ctx.height, updated: ctx.height });
		ctx.state.put(hubKey(body.to), withItem(ids, body.id));
	}
});

export const routeUpdate = defineKind<RouteChanges>({
	kind: 'route.update',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['id', ...TERMS], TERMS);
		if (Object.keys(r).length === 1) fail('E_SCHEMA', 'body', value, 'must change at least one of ' + TERMS.join(', '));
		return { id: readLabel(r.id, 'body.id'), ...readTerms(r) };
	},
	apply: (ctx, { id, ...changes }) => {
		const route = getRoute(ctx.state, id);
		if (!route) fail('E_TX_NOT_ALLOWED', 'body.id', id, 'names no registered route');
		if (route.owner !== ctx.sender) {
			throw new AgoraError('E_TX_NOT_ALLOWED', `route ${id} belongs to ${route.owner.slice(0, 16)}…, not the sender`, 'from', ctx.sender);
		}
		const next = { ...route, ...changes, updated: ctx.height };
		ctx.state.put(routeKey(id), { ...next, hops: [...next.hops] });
	}
});
