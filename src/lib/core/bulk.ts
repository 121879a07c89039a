/**
 * Importing many blocks at once: a sync batch, an export being verified, a
 * replay. Signatures are the costly part and need no state, so they are
 * checked ahead, in parallel, while earlier blocks are applied in order:
 * blocks are gathered into batches that go to the verifier as soon as they
 * are full, several batches are in flight at once (so every thread of a
 * verifier pool stays busy), and verified blocks come out in their order.
 * The first batch is small, so that applying starts early; later ones are
 * larger, so that each call to the verifier carries enough to share out.
 */
import type { AgoraError } from './errors.js';
import type { Block } from './block/block.js';
import { verifyPrefix, type AddResult, type Chain, type VerifiedBlock } from './chain.js';
import type { Verifier } from './verify.js';

export interface AheadOptions {
	/** Signatures in the first batch (default 64). */
	readonly firstBatch?: number;
	/** Signatures per batch once under way (default 1024). */
	readonly batch?: number;
	/** Batches verifying at once, besides the one being applied (default 3). */
	readonly ahead?: number;
}

/** An item whose block's signatures all hold, or the first one with a bad signature. */
export type Verdict<T> = { readonly item: T; readonly verified: VerifiedBlock } | { readonly item: T; readonly error: AgoraError };

const DEFAULT_FIRST_BATCH = 64;
const DEFAULT_BATCH = 1024;
const DEFAULT_AHEAD = 3;

interface InFlight<T> {
	readonly items: T[];
	readonly result: Promise<{ verified: VerifiedBlock[]; error: AgoraError | null }>;
}

/**
 * Verifies the blocks of `items` ahead of their use and yields a verdict for
 * each, in order. After the first bad signature's verdict it yields nothing
 * more. An error of the source is thrown after the verdicts of every item
 * read before it; an error of the verifier itself (a closed pool) is thrown
 * as it comes.
 */
export async function* verifyAhead<T>(
	items: Iterable<T> | AsyncIterable<T>,
	blockOf: (item: T) => Block,
	verifier: Verifier,
	options: AheadOptions = {}
): AsyncGenerator<Verdict<T>, void, undefined> {
	const most = options.batch ?? DEFAULT_BATCH;
	const ahead = Math.max(1, options.ahead ?? DEFAULT_AHEAD);
	let target = Math.min(options.firstBatch ?? DEFAULT_FIRST_BATCH, most);
	const source = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
	const inFlight: InFlight<T>[] = [];
	let gathering: T[] = [];
	let signatures = 0;
	let ended = false;
	let sourceError: { error: unknown } | null = null;

	const launch = (): void => {
		if (gathering.length === 0) return;
		const result = verifyPrefix(gathering.map(blockOf), verifier);
		// Marked as handled: when a bad block stops the import, later batches' outcomes are never read.
		result.catch(() => undefined);
		inFlight.push({ items: gathering, result });
		gathering = [];
		signatures = 0;
		target = Math.min(2 * target, most);
	};

	try {
		for (;;) {
			while (!ended && inFlight.length <= ahead) {
				let next: IteratorResult<T>;
				try {
					next = await source.next();
				} catch (error) {
					sourceError = { error };
					next = { done: true, value: undefined };
				}
				if (next.done) {
					ended = true;
					launch();
					break;
				}
				gathering.push(next.value);
				signatures += 1 + blockOf(next.value).txs.length;
				if (signatures >= target) launch();
			}
			const oldest = inFlight.shift();
			if (!oldest) break;
			const { verified, error } = await oldest.result;
			for (let i = 0; i < verified.length; i++) yield { item: oldest.items[i]!, verified: verified[i]! };
			if (error) {
				yield { item: oldest.items[verified.length]!, error };
				return;
			}
		}
		if (sourceError) throw sourceError.error;
	} finally {
		if (!ended) await source.return?.();
	}
}

/**
 * Verifies blocks ahead (see `verifyAhead`) and adds them to the chain in
 * order. Stops at the first invalid block, bad signature or broken rule,
 * and throws its error; the blocks before it stay added.
 */
export async function addBlocks(chain: Chain, blocks: Iterable<Block> | AsyncIterable<Block>, verifier: Verifier, now: number, options?: AheadOptions): Promise<AddResult[]> {
	const results: AddResult[] = [];
	for await (const verdict of verifyAhead(blocks, (block) => block, verifier, options)) {
		if ('error' in verdict) throw verdict.error;
		results.push(chain.add(verdict.verified, now));
	}
	return results;
}
