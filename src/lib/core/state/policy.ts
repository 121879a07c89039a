/**
 * Governed policies: the rules the DAO sets for the message queue (fees,
 * prioritisation, delivery) and for routing. Each lives in state under its
 * name with the proposal that made it and the height from which it applies;
 * the queue and the fee calculation read them only from here, so a passed
 * proposal changes what every node charges and schedules at the same height.
 *
 * Numbers are integers: ratios and multipliers in parts per million (PPM),
 * times in milliseconds of block time. Where fees go (proposer, treasury) is
 * the chain parameter `treasuryFeePpm`, which governance changes like any
 * other parameter.
 */
import type { Encodable } from '../codec.js';
import { AgoraError } from '../errors.js';
import { PPM } from '../params.js';
import * as s from '../schema.js';
import type { BlockHook } from './kind.js';
import type { StateTree } from './tree.js';

export const PRIORITIES = ['emergency', 'high', 'normal', 'low', 'bulk'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const GUARANTEES = ['atMostOnce', 'atLeastOnce', 'exactlyOnce', 'ordered'] as const;
export type Guarantee = (typeof GUARANTEES)[number];

export const SCHEDULERS = ['strict', 'weightedFair', 'deficitRoundRobin', 'adaptive'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

export type PerPriority = Readonly<Record<Priority, number>>;
export type PerGuarantee = Readonly<Record<Guarantee, number>>;

/** The reference fee formula, in integers, plus a progressive part that keeps small messages from small senders cheap. */
export interface FeePolicy {
	/** Fee floor for any message. */
	readonly minimumFee: number;
	/** Fee per size unit before multipliers. */
	readonly baseFee: number;
	readonly sizeUnitBytes: number;
	/** Size units are capped here (the reference caps at 100 KiB). */
	readonly maxSizeUnits: number;
	readonly priorityPpm: PerPriority;
	/** The policy's own multiplier on the priority multiplier (reference default 2). */
	readonly priorityScalePpm: number;
	readonly guaranteePpm: PerGuarantee;
	/** Progressive: a message no larger than this, from a sender below `smallSenderMessages` in the window, pays only the minimum. */
	readonly freeBytes: number;
	readonly smallSenderMessages: number;
	/** A topic message fanned out to n subscribers pays (n - 1) times this share of its fee on top. */
	readonly fanoutPpm: number;
}

export interface PriorityPolicy {
	readonly algorithm: SchedulerName;
	/** Base weights (reference 1000/100/10/1/0.1, here in thousandths). */
	readonly weights: PerPriority;
	/** Messages a sender may send per window. */
	readonly senderQuota: number;
	readonly quotaWindowMs: number;
	/** At most this many consecutive messages from one sender before another sender's is served. */
	readonly maxConsecutive: number;
	/** Anti-monopoly: priority falls by 1/`monopolyPer` per message the sender sent in the window, at most `monopolyMaxPpm`. */
	readonly monopolyPer: number;
	readonly monopolyMaxPpm: number;
	/** Ageing: priority rises by `ageMaxPpm` over `agePeriodMs` of waiting, no more. */
	readonly agePeriodMs: number;
	readonly ageMaxPpm: number;
	/** Paying above the required fee buys at most this bonus: (fee - required) / `feeBonusPer`, capped. */
	readonly feeBonusPer: number;
	readonly feeBonusMaxPpm: number;
	readonly fairnessPpm: number;
	/** Deficit round robin: credit added per round, in bytes. */
	readonly drrQuantumBytes: number;
}

export interface RoutingPolicy {
	readonly latencyWeightPpm: number;
	readonly costWeightPpm: number;
	readonly reliabilityWeightPpm: number;
	readonly minReliabilityPpm: number;
	/** A route may carry a priority only if its latency is within this bound. */
	readonly latencyBoundMs: PerPriority;
}

export interface DeliveryPolicy {
	/** A delivered, unacknowledged message is due again after this long (then backed off). */
	readonly visibilityTimeoutMs: number;
	readonly backoffPpm: number;
	readonly maxBackoffMs: number;
	/** Default and upper bound of a message's deliveries before it is dead-lettered. */
	readonly defaultMaxDeliveries: number;
	readonly maxDeliveriesLimit: number;
	/** Exactly-once: a repeated idempotency key from one sender within this window is rejected. */
	readonly dedupWindowMs: number;
	/** Ordered: a gap in a sender's sequence holds later messages at most this long. */
	readonly orderGapTimeoutMs: number;
	/** Deliveries a recipient has in flight (delivered, not yet settled) at once; the rest wait in its scheduler. */
	readonly maxInFlight: number;
	/** A message without an expiry expires this long after it is sent; none may live longer than `maxTtlMs`. */
	readonly defaultTtlMs: number;
	readonly maxTtlMs: number;
	/** Queue metrics are kept per window of this length. */
	readonly metricsPeriodMs: number;
}

export interface Policies {
	readonly fee: FeePolicy;
	readonly priority: PriorityPolicy;
	readonly routing: RoutingPolicy;
	readonly delivery: DeliveryPolicy;
}
export type PolicyName = keyof Policies;
export const POLICY_NAMES: readonly PolicyName[] = ['fee', 'priority', 'routing', 'delivery'];

/** The reference implementation's values, as integers. */
export const DEFAULT_POLICIES: Policies = {
	fee: {
		minimumFee: 1,
		baseFee: 1,
		sizeUnitBytes: 1024,
		maxSizeUnits: 100,
		priorityPpm: { emergency: 5 * PPM, high: 1_500_000, normal: PPM, low: 500_000, bulk: 100_000 },
		priorityScalePpm: 2 * PPM,
		guaranteePpm: { atMostOnce: 500_000, atLeastOnce: PPM, exactlyOnce: 2 * PPM, ordered: 1_500_000 },
		freeBytes: 256,
		smallSenderMessages: 10,
		fanoutPpm: 10_000
	},
	priority: {
		algorithm: 'weightedFair',
		weights: { emergency: 1_000_000, high: 100_000, normal: 10_000, low: 1_000, bulk: 100 },
		senderQuota: 100,
		quotaWindowMs: 3_600_000,
		maxConsecutive: 5,
		monopolyPer: 50,
		monopolyMaxPpm: 500_000,
		agePeriodMs: 3_600_000,
		ageMaxPpm: 300_000,
		feeBonusPer: 1000,
		feeBonusMaxPpm: 200_000,
		fairnessPpm: PPM,
		drrQuantumBytes: 1024
	},
	routing: {
		latencyWeightPpm: 400_000,
		costWeightPpm: 300_000,
		reliabilityWeightPpm: 300_000,
		minReliabilityPpm: 950_000,
		latencyBoundMs: { emergency: 100, high: 500, normal: 2_000, low: 10_000, bulk: 60_000 }
	},
	delivery: {
		visibilityTimeoutMs: 30_000,
		backoffPpm: 2 * PPM,
		maxBackoffMs: 3_600_000,
		defaultMaxDeliveries: 3,
		maxDeliveriesLimit: 20,
		dedupWindowMs: 300_000,
		orderGapTimeoutMs: 300_000,
		maxInFlight: 32,
		defaultTtlMs: 7 * 24 * 3_600_000,
		maxTtlMs: 30 * 24 * 3_600_000,
		metricsPeriodMs: 3_600_000
	}
};

/** Where a policy came from: genesis (no proposal) or an executed proposal. */
export interface PolicyRecord<N extends PolicyName = PolicyName> {
	readonly value: Policies[N];
	/** Id (hex) of the proposal that set it, or null for the genesis value. */
	readonly proposal: string | null;
	/** First height at which the value applies. */
	readonly effectiveFrom: number;
}

const key = (name: PolicyName): string => `policy/${name}`;
const pendingKey = (name: PolicyName): string => `policy/${name}/next`;

function perKey<K extends string>(value: unknown, path: string, keys: readonly K[], min: number, max: number): Readonly<Record<K, number>> {
	const r = s.exactRecord(value, path, keys);
	return Object.fromEntries(keys.map((k) => [k, s.int(r[k], `${path}.${k}`, min, max)])) as Record<K, number>;
}

const BIG = Number.MAX_SAFE_INTEGER;

/** Checks a policy value of this name: every field present, of its type and range; nothing else. */
export function readPolicy<N extends PolicyName>(name: N, value: unknown, path = `policy.${name}`): Policies[N] {
	switch (name) {
		case 'fee': {
			const r = s.exactRecord(value, path, Object.keys(DEFAULT_POLICIES.fee) as Array<keyof FeePolicy>);
			const out: FeePolicy = {
				minimumFee: s.int(r.minimumFee, `${path}.minimumFee`),
				baseFee: s.int(r.baseFee, `${path}.baseFee`),
				sizeUnitBytes: s.int(r.sizeUnitBytes, `${path}.sizeUnitBytes`, 1),
				maxSizeUnits: s.int(r.maxSizeUnits, `${path}.maxSizeUnits`, 1),
				priorityPpm: perKey(r.priorityPpm, `${path}.priorityPpm`, PRIORITIES, 0, 1000 * PPM),
				priorityScalePpm: s.int(r.priorityScalePpm, `${path}.priorityScalePpm`, 0, 1000 * PPM),
				guaranteePpm: perKey(r.guaranteePpm, `${path}.guaranteePpm`, GUARANTEES, 0, 1000 * PPM),
				freeBytes: s.int(r.freeBytes, `${path}.freeBytes`),
				smallSenderMessages: s.int(r.smallSenderMessages, `${path}.smallSenderMessages`),
				fanoutPpm: s.int(r.fanoutPpm, `${path}.fanoutPpm`, 0, 1000 * PPM)
			};
			return out as Policies[N];
		}
		case 'priority': {
			const r = s.exactRecord(value, path, Object.keys(DEFAULT_POLICIES.priority) as Array<keyof PriorityPolicy>);
			const out: PriorityPolicy = {
				algorithm: s.oneOf(r.algorithm, `${path}.algorithm`, SCHEDULERS),
				weights: perKey(r.weights, `${path}.weights`, PRIORITIES, 1, BIG),
				senderQuota: s.int(r.senderQuota, `${path}.senderQuota`, 1),
				quotaWindowMs: s.int(r.quotaWindowMs, `${path}.quotaWindowMs`, 1),
				maxConsecutive: s.int(r.maxConsecutive, `${path}.maxConsecutive`, 1),
				monopolyPer: s.int(r.monopolyPer, `${path}.monopolyPer`, 1),
				monopolyMaxPpm: s.int(r.monopolyMaxPpm, `${path}.monopolyMaxPpm`, 0, PPM),
				agePeriodMs: s.int(r.agePeriodMs, `${path}.agePeriodMs`, 1),
				ageMaxPpm: s.int(r.ageMaxPpm, `${path}.ageMaxPpm`, 0, 10 * PPM),
				feeBonusPer: s.int(r.feeBonusPer, `${path}.feeBonusPer`, 1),
				feeBonusMaxPpm: s.int(r.feeBonusMaxPpm, `${path}.feeBonusMaxPpm`, 0, 10 * PPM),
				fairnessPpm: s.int(r.fairnessPpm, `${path}.fairnessPpm`, 0, 10 * PPM),
				drrQuantumBytes: s.int(r.drrQuantumBytes, `${path}.drrQuantumBytes`, 1)
			};
			return out as Policies[N];
		}
		case 'routing': {
			const r = s.exactRecord(value, path, Object.keys(DEFAULT_POLICIES.routing) as Array<keyof RoutingPolicy>);
			const out: RoutingPolicy = {
				latencyWeightPpm: s.int(r.latencyWeightPpm, `${path}.latencyWeightPpm`, 0, PPM),
				costWeightPpm: s.int(r.costWeightPpm, `${path}.costWeightPpm`, 0, PPM),
				reliabilityWeightPpm: s.int(r.reliabilityWeightPpm, `${path}.reliabilityWeightPpm`, 0, PPM),
				minReliabilityPpm: s.int(r.minReliabilityPpm, `${path}.minReliabilityPpm`, 0, PPM),
				latencyBoundMs: perKey(r.latencyBoundMs, `${path}.latencyBoundMs`, PRIORITIES, 0, BIG)
			};
			if (out.latencyWeightPpm + out.costWeightPpm + out.reliabilityWeightPpm !== PPM) {
				throw new AgoraError('E_SCHEMA', `${path} weights must add up to ${PPM}`, `${path}.latencyWeightPpm`, out);
			}
			return out as Policies[N];
		}
		case 'delivery': {
			const r = s.exactRecord(value, path, Object.keys(DEFAULT_POLICIES.delivery) as Array<keyof DeliveryPolicy>);
			const out: DeliveryPolicy = {
				visibilityTimeoutMs: s.int(r.visibilityTimeoutMs, `${path}.visibilityTimeoutMs`, 1),
				backoffPpm: s.int(r.backoffPpm, `${path}.backoffPpm`, PPM, 100 * PPM),
				maxBackoffMs: s.int(r.maxBackoffMs, `${path}.maxBackoffMs`, 1),
				defaultMaxDeliveries: s.int(r.defaultMaxDeliveries, `${path}.defaultMaxDeliveries`, 1),
				maxDeliveriesLimit: s.int(r.maxDeliveriesLimit, `${path}.maxDeliveriesLimit`, 1),
				dedupWindowMs: s.int(r.dedupWindowMs, `${path}.dedupWindowMs`, 0),
				orderGapTimeoutMs: s.int(r.orderGapTimeoutMs, `${path}.orderGapTimeoutMs`, 1),
				maxInFlight: s.int(r.maxInFlight, `${path}.maxInFlight`, 1, 100_000),
				defaultTtlMs: s.int(r.defaultTtlMs, `${path}.defaultTtlMs`, 1),
				maxTtlMs: s.int(r.maxTtlMs, `${path}.maxTtlMs`, 1),
				metricsPeriodMs: s.int(r.metricsPeriodMs, `${path}.metricsPeriodMs`, 1000)
			};
			if (out.defaultMaxDeliveries > out.maxDeliveriesLimit) {
				throw new AgoraError('E_SCHEMA', `${path}.defaultMaxDeliveries exceeds maxDeliveriesLimit`, `${path}.defaultMaxDeliveries`, out.defaultMaxDeliveries);
			}
			if (out.defaultTtlMs > out.maxTtlMs) {
				throw new AgoraError('E_SCHEMA', `${path}.defaultTtlMs exceeds maxTtlMs`, `${path}.defaultTtlMs`, out.defaultTtlMs);
			}
			return out as Policies[N];
		}
	}
	throw new AgoraError('E_SCHEMA', `unknown policy ${String(name)}`, 'policy', name);
}

/** The policy in force (genesis default if none was ever set). */
/** Reads only (a state tree, or a read-through overlay of one). */
export function getPolicy<N extends PolicyName>(state: Pick<StateTree, 'get'>, name: N): Policies[N] {
	return getPolicyRecord(state, name).value;
}

export function getPolicyRecord<N extends PolicyName>(state: Pick<StateTree, 'get'>, name: N): PolicyRecord<N> {
	const stored = state.get(key(name)) as PolicyRecord<N> | undefined;
	return stored ?? { value: DEFAULT_POLICIES[name], proposal: null, effectiveFrom: 0 };
}

/** The genesis value of a policy. */
export function putGenesisPolicy<N extends PolicyName>(state: StateTree, name: N, value: Policies[N]): void {
	state.put(key(name), { value: readPolicy(name, value) as unknown as Encodable, proposal: null, effectiveFrom: 0 });
}

/**
 * Schedules a policy change decided by `proposal` for `effectiveFrom`. At or
 * after that height `activatePolicies` (run at the end of every block) makes
 * it the policy in force; a later schedule replaces an earlier pending one.
 */
export function schedulePolicy<N extends PolicyName>(state: StateTree, name: N, value: Policies[N], proposal: string, effectiveFrom: number): void {
	state.put(pendingKey(name), { value: readPolicy(name, value) as unknown as Encodable, proposal, effectiveFrom });
}

export function pendingPolicy<N extends PolicyName>(state: Pick<StateTree, 'get'>, name: N): PolicyRecord<N> | undefined {
	return state.get(pendingKey(name)) as PolicyRecord<N> | undefined;
}

/** Makes pending policies whose height has come the policies in force. */
export function activatePolicies(state: StateTree, height: number): void {
	for (const name of POLICY_NAMES) {
		const next = pendingPolicy(state, name);
		if (next && next.effectiveFrom <= height + 1) {
			state.put(key(name), next as unknown as Encodable);
			state.put(pendingKey(name), undefined);
		}
	}
}

export const policyHook: BlockHook = { name: 'policies', endBlock: (state, ctx) => activatePolicies(state, ctx.height) };
