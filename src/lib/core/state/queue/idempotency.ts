/**
 * Idempotency keys: a sender's message carrying a key it used within the
 * last `dedupWindowMs` is rejected, naming the earlier message. Exactly-once
 * messages must carry one; any message may. The entry is dropped by a timer
 * when its window closes, so state holds only the keys still in force.
 */
import type { Hex } from '../../bytes.js';
import { AgoraError } from '../../errors.js';
import type { QueueCtx } from './context.js';
import { queueKeys } from './keys.js';
import { addTimer } from './wheel.js';

interface KeyRecord {
	readonly id: Hex;
	readonly until: number;
}

export function checkIdempotency(ctx: QueueCtx, sender: Hex, key: Hex): void {
	const earlier = ctx.state.get(queueKeys.idempotency(sender, key)) as KeyRecord | undefined;
	if (earlier && earlier.until > ctx.time) {
		throw new AgoraError('E_TX_DUPLICATE', `body.idempotencyKey was used by message ${earlier.id.slice(0, 16)}… until ${earlier.until}`, 'body.idempotencyKey', key);
	}
}

export function recordIdempotency(ctx: QueueCtx, sender: Hex, key: Hex, id: Hex): void {
	const window = ctx.policies.delivery.dedupWindowMs;
	if (window === 0) return;
	const until = ctx.time + window;
	ctx.state.put(queueKeys.idempotency(sender, key), { id, until });
	addTimer(ctx.state, ctx.time, until, ['idempotency', sender, key]);
}

/** The timer: forgets the key if this is still its window's end (a later reuse may have renewed it). */
export function forgetIdempotency(ctx: QueueCtx, sender: Hex, key: Hex, due: number): void {
	const k = queueKeys.idempotency(sender, key);
	if ((ctx.state.get(k) as KeyRecord | undefined)?.until === due) ctx.state.put(k, undefined);
}
