/**
 * Ordered streams: one sender's ordered messages to one member or topic
 * carry sequence numbers 0, 1, 2, … A message whose number is next is
 * released to its recipients' lanes (delivery.ts), together with any held
 * messages it unblocks; a message further ahead is held. A gap holds later
 * messages back for at most `orderGapTimeoutMs` from when it opened (or from
 * when the stream last moved on): then the stream skips to the lowest held
 * number, and the missing ones can never be sent after that.
 */
import type { Hex } from '../../bytes.js';
import { fail } from '../../errors.js';
import type { QueueCtx } from './context.js';
import { createDelivery, enterLane } from './delivery.js';
import { queueKeys } from './keys.js';
import { getDelivery, getMessage, recipientsOf } from './records.js';
import type { MessageRecord } from './types.js';
import { addTimer } from './wheel.js';

/** How far past the next expected number a message may be. */
export const MAX_AHEAD = 1024;

interface StreamRecord {
	/** The sequence number the stream expects next. */
	readonly next: number;
	/** Messages held ahead of a gap, and when the current gap times out (0: no gap). */
	readonly held: number;
	readonly gapDue: number;
	/** Sequence numbers given up on after a gap timed out. */
	readonly skipped: number;
}

const FRESH: StreamRecord = { next: 0, held: 0, gapDue: 0, skipped: 0 };

export function getStream(ctx: Pick<QueueCtx, 'state'>, stream: string): StreamRecord {
	return (ctx.state.get(queueKeys.stream(stream)) as StreamRecord | undefined) ?? FRESH;
}

/** Rejects a sequence number the stream cannot take (E_MSG_SEQUENCE on body.seq). */
export function checkSequence(ctx: QueueCtx, stream: string, seq: number): void {
	const s = getStream(ctx, stream);
	if (seq < s.next) fail('E_MSG_SEQUENCE', 'body.seq', seq, `was already used or skipped: the stream expects ${s.next}`);
	if (seq - s.next > MAX_AHEAD) fail('E_MSG_SEQUENCE', 'body.seq', seq, `is more than ${MAX_AHEAD} ahead of the expected ${s.next}`);
	if (ctx.state.get(queueKeys.heldAt(stream, seq)) !== undefined) fail('E_MSG_SEQUENCE', 'body.seq', seq, 'is already held by another message of the stream');
}

/** Files a checked ordered message: released with whatever it unblocks, or held behind its gap. */
export function placeOrdered(ctx: QueueCtx, stream: string, id: Hex, m: MessageRecord, recipients: readonly Hex[]): void {
	const s = getStream(ctx, stream);
	if (m.seq === s.next) {
		for (const r of recipients) createDelivery(ctx, id, r, m, false);
		releaseFrom(ctx, stream, { ...s, next: s.next + 1 });
		return;
	}
	for (const r of recipients) createDelivery(ctx, id, r, m, true);
	ctx.state.put(queueKeys.heldAt(stream, m.seq!), id);
	const gapDue = s.gapDue || ctx.time + ctx.policies.delivery.orderGapTimeoutMs;
	if (!s.gapDue) addTimer(ctx.state, ctx.time, gapDue, ['gap', stream]);
	ctx.state.put(queueKeys.stream(stream), { ...s, held: s.held + 1, gapDue });
}

/** The gap timer: skips to the lowest held message if this gap is still open. */
export function gapTimedOut(ctx: QueueCtx, stream: string, due: number): void {
	const s = getStream(ctx, stream);
	if (s.gapDue !== due || s.held === 0) return;
	// Every held number is within MAX_AHEAD of the expected one.
	for (let seq = s.next + 1; seq <= s.next + MAX_AHEAD; seq++) {
		if (heldId(ctx, stream, seq) !== undefined) return releaseFrom(ctx, stream, { ...s, next: seq, skipped: s.skipped + (seq - s.next) });
	}
}

/** Releases held messages from `s.next` on while they are consecutive; the gap left, if any, gets a fresh timeout. */
function releaseFrom(ctx: QueueCtx, stream: string, s: StreamRecord): void {
	let { next, held } = s;
	for (let id = heldId(ctx, stream, next); id !== undefined; id = heldId(ctx, stream, next)) {
		ctx.state.put(queueKeys.heldAt(stream, next), undefined);
		const m = getMessage(ctx.state, id)!;
		for (const r of recipientsOf(ctx.state, id, m)) {
			const d = getDelivery(ctx.state, id, r)!;
			// Held deliveries that expired meanwhile stay expired.
			if (d.status === 'held') enterLane(ctx, id, r, m, d);
		}
		held--;
		next++;
	}
	const gapDue = held === 0 ? 0 : ctx.time + ctx.policies.delivery.orderGapTimeoutMs;
	if (gapDue !== 0) addTimer(ctx.state, ctx.time, gapDue, ['gap', stream]);
	ctx.state.put(queueKeys.stream(stream), { ...s, next, held, gapDue });
}

function heldId(ctx: QueueCtx, stream: string, seq: number): Hex | undefined {
	return ctx.state.get(queueKeys.heldAt(stream, seq)) as Hex | undefined;
}
