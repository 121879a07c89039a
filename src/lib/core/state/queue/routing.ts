/**
 * Route choice for a message sent towards a hub, after the seed's router:
 * among the routes into the hub that are active, at least as reliable as the
 * routing policy's minimum, within the latency bound of the message's
 * priority and affordable for it (a route's cost for the message may take at
 * most half its fee), the highest score wins, ties to the lowest id:
 *
 *   score = wL × latencyScore + wC × costScore + wR × reliability
 *
 * with latencyScore = 1 − latency / 10 s and costScore = 1 − cost / 100, both
 * floored at 0, the latency score doubled for emergency messages and the cost
 * score for bulk ones (all in parts per million). The decision is written
 * into the message record, so it is on chain and every node made the same.
 */
import { PPM } from '../../params.js';
import type { Priority, RoutingPolicy } from '../policy.js';
import type { Route } from '../routes.js';
import type { RouteDecision } from './types.js';

export const LATENCY_SCALE_MS = 10_000;
export const COST_SCALE = 100;
const MIB = 1 << 20;

export interface RouteNeeds {
	readonly priority: Priority;
	readonly bytes: number;
	readonly fee: number;
}

export function routeQualifies(route: Route, m: RouteNeeds, policy: RoutingPolicy): boolean {
	return (
		route.status === 'active' &&
		route.reliabilityPpm >= policy.minReliabilityPpm &&
		route.latencyMs <= policy.latencyBoundMs[m.priority] &&
		// cost per MiB × MiB carried ≤ fee / 2
		2n * BigInt(route.cost) * BigInt(m.bytes) <= BigInt(m.fee) * BigInt(MIB)
	);
}

export function routeScore(route: Route, priority: Priority, policy: RoutingPolicy): number {
	const latency = Math.max(0, PPM - Math.floor((route.latencyMs * PPM) / LATENCY_SCALE_MS)) * (priority === 'emergency' ? 2 : 1);
	const cost = Math.max(0, PPM - Math.floor((Math.min(route.cost, COST_SCALE) * PPM) / COST_SCALE)) * (priority === 'bulk' ? 2 : 1);
	return Math.floor((policy.latencyWeightPpm * latency + policy.costWeightPpm * cost + policy.reliabilityWeightPpm * route.reliabilityPpm) / PPM);
}

export function chooseRoute(hub: string, routes: readonly Route[], m: RouteNeeds, policy: RoutingPolicy): RouteDecision {
	let best: RouteDecision = { hub, id: null, score: 0 };
	for (const route of routes) {
		if (!routeQualifies(route, m, policy)) continue;
		const score = routeScore(route, m.priority, policy);
		if (best.id === null || score > best.score || (score === best.score && route.id < best.id)) best = { hub, id: route.id, score };
	}
	return best;
}
