/**
 * What every queue operation works with: the state, the block's time and
 * height, the policies in force (read once, from state only), and the metrics
 * batch the operation's changes collect in until `done`.
 */
import { getPolicy, POLICY_NAMES, type Policies } from '../policy.js';
import type { StateTree } from '../tree.js';
import type { KV } from './kv.js';
import { MetricsBatch } from './metrics.js';

export interface QueueCtx {
	readonly state: StateTree;
	readonly time: number;
	readonly height: number;
	readonly policies: Policies;
	readonly metrics: MetricsBatch;
}

/** The policies in force, every one of them. */
export function readPolicies(kv: KV): Policies {
	return Object.fromEntries(POLICY_NAMES.map((name) => [name, getPolicy(kv, name)])) as unknown as Policies;
}

export function openQueue(state: StateTree, time: number, height: number): QueueCtx {
	const policies = readPolicies(state);
	return { state, time, height, policies, metrics: new MetricsBatch(state, Math.floor(time / policies.delivery.metricsPeriodMs)) };
}

/** Writes what the operation collected; call once it has succeeded. */
export function done(ctx: QueueCtx): void {
	ctx.metrics.flush();
}
