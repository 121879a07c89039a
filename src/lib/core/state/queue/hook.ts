/**
 * The queue's end-of-block work: fire the timing wheel's deadlines that
 * passed by the block's time (see wheel.ts), each handled by the module that
 * filed it. It runs before the policies scheduled for the next height take
 * over, so a block's deadlines are judged by the policies of that block.
 * `nextDeadline` tells a node when the next one falls, so that a quiet chain
 * still gets the block that redelivers, dead-letters or expires on time.
 */
import type { BlockHook } from '../kind.js';
import { done, openQueue } from './context.js';
import { expireMessage, windowEnded } from './delivery.js';
import { forgetIdempotency } from './idempotency.js';
import { gapTimedOut } from './ordering.js';
import { getMessage, recipientsOf } from './records.js';
import { nextDue, takeDue } from './wheel.js';

export const queueHook: BlockHook = {
	name: 'queue',
	endBlock: (state, block) => {
		const fired = takeDue(state, block.time);
		if (fired.length === 0) return;
		const q = openQueue(state, block.time, block.height);
		for (const { due, timer } of fired) {
			switch (timer[0]) {
				case 'visibility':
					windowEnded(q, timer[1], timer[2], timer[3], due);
					break;
				case 'expiry':
					expireMessage(q, timer[1], recipientsOf(state, timer[1], getMessage(state, timer[1])!));
					break;
				case 'idempotency':
					forgetIdempotency(q, timer[1], timer[2], due);
					break;
				case 'gap':
					gapTimedOut(q, timer[1], due);
					break;
			}
		}
		done(q);
	},
	nextDeadline: nextDue
};
