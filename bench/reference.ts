/** Figures measured on the Python reference implementation, from ../shared/REFERENCE.md (one core of a shared machine). */
import type { Reference } from './harness.js';

const source = 'Python reference (REFERENCE.md)';

export const REFERENCE = {
	createSign: { low: 3_000, high: 3_800, unit: 'tx/s', source },
	verify: { low: 3_100, high: 4_600, unit: 'sig/s', source },
	buildBlock100: { low: 230, high: 370, unit: 'block/s', source },
	validateBlock100: { low: 32, high: 32, unit: 'block/s', source },
	merkleProof: { low: 115_000, high: 115_000, unit: 'proof/s', source },
	merkleVerify: { low: 60_000, high: 80_000, unit: 'proof/s', source },
	validateChain: { low: 2.1, high: 2.6, unit: 's', source },
	/** 1,000 blocks × 10 transactions + 1,000 headers... the reference signs transactions only: 10,000 in 2.1–2.6 s. */
	validateChainSignatures: { low: 10_000 / 2.6, high: 10_000 / 2.1, unit: 'sig/s', source },
	/** Its priority queue: enqueue then dequeue 1,000 messages (quadratic as it grows). */
	queueEnqueueDequeue: { low: 1_200, high: 1_700, unit: 'msg/s', source },
	/** Its chain-backed queue end to end (submit, block, process), falling from about 20 to 5–8 as the chain reaches 300 blocks. */
	queueEndToEnd: { low: 5, high: 8, unit: 'msg/s', source }
} satisfies Record<string, Reference>;
