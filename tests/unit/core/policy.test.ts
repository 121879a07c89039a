import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, POLICY_NAMES, activatePolicies, getPolicy, getPolicyRecord, pendingPolicy, readPolicy, schedulePolicy } from '../../../src/lib/core/state/policy.js';
import { StateTree } from '../../../src/lib/core/state/tree.js';
import { openGenesis } from '../../../src/lib/core/genesis.js';
import { decode, encode } from '../../../src/lib/core/codec.js';
import { expectAgoraError, genesisFor, key } from '../../helpers/community.js';

describe('policies', () => {
	it('the defaults read back as themselves through the canonical codec', () => {
		for (const name of POLICY_NAMES) expect(readPolicy(name, decode(encode(DEFAULT_POLICIES[name] as never)))).toEqual(DEFAULT_POLICIES[name]);
	});

	const bad: Array<[string, () => unknown, string]> = [
		['a missing field', () => readPolicy('fee', { ...DEFAULT_POLICIES.fee, minimumFee: undefined }), 'policy.fee.minimumFee'],
		['an unknown field', () => readPolicy('delivery', { ...DEFAULT_POLICIES.delivery, extra: 1 }), 'policy.delivery.extra'],
		['a negative fee', () => readPolicy('fee', { ...DEFAULT_POLICIES.fee, baseFee: -1 }), 'policy.fee.baseFee'],
		['an unknown scheduler', () => readPolicy('priority', { ...DEFAULT_POLICIES.priority, algorithm: 'lottery' }), 'policy.priority.algorithm'],
		['a missing priority', () => readPolicy('routing', { ...DEFAULT_POLICIES.routing, latencyBoundMs: { emergency: 1 } }), 'policy.routing.latencyBoundMs.high'],
		['routing weights not adding up to 1', () => readPolicy('routing', { ...DEFAULT_POLICIES.routing, costWeightPpm: 1 }), 'policy.routing.latencyWeightPpm'],
		['more default deliveries than the limit', () => readPolicy('delivery', { ...DEFAULT_POLICIES.delivery, defaultMaxDeliveries: 30 }), 'policy.delivery.defaultMaxDeliveries']
	];
	for (const [name, fn, field] of bad) it(`rejects ${name}`, () => void expectAgoraError(fn, 'E_SCHEMA', field));

	it('a scheduled policy takes effect at its height and records its proposal', () => {
		const state = new StateTree();
		const cheaper = { ...DEFAULT_POLICIES.fee, minimumFee: 5 };
		schedulePolicy(state, 'fee', cheaper, 'ab'.repeat(32), 10);
		activatePolicies(state, 8);
		expect(getPolicy(state, 'fee').minimumFee).toBe(1);
		expect(pendingPolicy(state, 'fee')?.effectiveFrom).toBe(10);
		// The end of block 9 makes it the policy for block 10.
		activatePolicies(state, 9);
		expect(getPolicyRecord(state, 'fee')).toEqual({ value: cheaper, proposal: 'ab'.repeat(32), effectiveFrom: 10 });
		expect(pendingPolicy(state, 'fee')).toBeUndefined();
	});

	it('genesis can set policies, and they are committed by the genesis block', () => {
		const delivery = { ...DEFAULT_POLICIES.delivery, visibilityTimeoutMs: 5_000 };
		const { state } = openGenesis(genesisFor(key(0), { policies: { delivery } }));
		expect(getPolicy(state, 'delivery')).toEqual(delivery);
		expect(getPolicy(state, 'fee')).toEqual(DEFAULT_POLICIES.fee);
		expect(() => genesisFor(key(0), { policies: { delivery: { ...delivery, visibilityTimeoutMs: 0 } } })).toThrow(/visibilityTimeoutMs/);
	});
});
