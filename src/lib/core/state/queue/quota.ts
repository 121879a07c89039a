/**
 * Sender quotas: messages per sender per window of `quotaWindowMs` block
 * time. Windows are fixed (floor(time / quotaWindowMs)), so a count resets at
 * a time every node agrees on, not when someone happens to dequeue. The same
 * count drives the anti-monopoly weight and the progressive fee.
 */
import type { Hex } from '../../bytes.js';
import type { PriorityPolicy } from '../policy.js';
import type { KV } from './kv.js';
import { queueKeys } from './keys.js';

type QuotaRecord = [window: number, count: number];

export function sentInWindow(kv: KV, sender: Hex, time: number, policy: PriorityPolicy): number {
	const stored = kv.get(queueKeys.quota(sender)) as QuotaRecord | undefined;
	return stored && stored[0] === Math.floor(time / policy.quotaWindowMs) ? stored[1] : 0;
}

export function countSent(kv: KV, sender: Hex, time: number, policy: PriorityPolicy): void {
	kv.put(queueKeys.quota(sender), [Math.floor(time / policy.quotaWindowMs), sentInWindow(kv, sender, time, policy) + 1]);
}
