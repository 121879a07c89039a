/**
 * Loads an export into a Chain, validating everything as it streams: the
 * format (reader.ts), every signature in batches through the verifier it is
 * given, and every chain rule by adding each block to a real Chain (links,
 * heights, times, Merkle and state roots by replay, seals and engine rules,
 * finality). Nothing here re-implements a rule. The first problem in file
 * order is thrown as an ExportError naming the block and, when one is at
 * fault, the transaction.
 *
 * Batches are pipelined: one batch's signatures are being verified (on
 * other threads, with a pool verifier) while the blocks of the batch before
 * it are applied to the chain on this one.
 */
import { toHex } from '../bytes.js';
import { AgoraError } from '../errors.js';
import { Chain, verifyBlock, verifyBlocks, type VerifiedBlock } from '../chain.js';
import type { Verifier } from '../verify.js';
import { ExportError, type ExportLocation } from './format.js';
import { readExport, type ExportItem, type ExportSource } from './reader.js';

export interface LoadOptions {
	readonly verifier: Verifier;
	/** The reader's clock: no block may be further ahead of it than the chain's drift limit. */
	readonly now: number;
	/** Roughly how many signatures to verify in one call to the verifier (default 4096). */
	readonly batchSignatures?: number;
}

export interface LoadedExport {
	readonly chain: Chain;
	readonly version: number;
	readonly blocks: number;
	readonly bytes: number;
}

type BlockItem = Extract<ExportItem, { type: 'block' }>;

/** A batch whose signatures are being verified: the verified blocks, or null when one signature is bad. */
interface Batch {
	readonly items: readonly BlockItem[];
	/** Never rejects, so that a batch abandoned after an earlier error cannot become an unhandled rejection. */
	readonly verified: Promise<{ readonly blocks: VerifiedBlock[] | null } | { readonly error: unknown }>;
}

const DEFAULT_BATCH_SIGNATURES = 4096;

/** An error about one block, with the block's place in the file (and the transaction, when its field names one). */
function atBlock(item: BlockItem, error: unknown): unknown {
	if (!(error instanceof AgoraError) || error instanceof ExportError) return error;
	const tx = /^txs\[(\d+)\]/.exec(error.field ?? '')?.[1];
	const at: ExportLocation = { record: item.index, offset: item.offset, height: item.index, ...(tx === undefined ? {} : { tx: Number(tx) }) };
	return new ExportError(error.code, error.message, at, error.field, error.value);
}

export async function loadExport(source: ExportSource, opts: LoadOptions): Promise<LoadedExport> {
	const batchLimit = opts.batchSignatures ?? DEFAULT_BATCH_SIGNATURES;
	let chain: Chain | null = null;
	let version = 0;
	let pending: BlockItem[] = [];
	let pendingSignatures = 0;
	let inFlight: Batch | null = null;

	const add = (item: BlockItem, vb: VerifiedBlock): void => {
		try {
			const result = chain!.add(vb, opts.now);
			if (result.status === 'orphan') {
				throw new AgoraError('E_BLOCK_PARENT', `the parent ${result.parent.slice(0, 16)}… is not the block before it`, 'header.parent', result.parent);
			}
			if (result.status !== 'head') {
				throw new AgoraError('E_EXPORT', `the block does not become the head of the chain (it is ${result.status})`, 'header', toHex(item.block.header.parent));
			}
		} catch (e) {
			throw atBlock(item, e);
		}
	};

	const start = (items: readonly BlockItem[]): Batch => ({
		items,
		verified: verifyBlocks(
			items.map((item) => item.block),
			opts.verifier
		).then(
			(blocks) => ({ blocks }),
			(error) => (error instanceof AgoraError ? { blocks: null } : { error })
		)
	});

	/** Adds a verified batch's blocks in order. */
	const apply = async (batch: Batch): Promise<void> => {
		const result = await batch.verified;
		if ('error' in result) throw result.error;
		if (result.blocks) {
			batch.items.forEach((item, i) => add(item, result.blocks![i]!));
			return;
		}
		// A bad signature somewhere in the batch: go block by block, so that an earlier block's
		// other fault is the one reported.
		for (const item of batch.items) {
			let vb: VerifiedBlock;
			try {
				vb = await verifyBlock(item.block, opts.verifier);
			} catch (e) {
				throw atBlock(item, e);
			}
			add(item, vb);
		}
	};

	/** Starts verifying the pending blocks, then applies the batch before them while that runs. */
	const flush = async (): Promise<void> => {
		const next = pending.length ? start(pending) : null;
		pending = [];
		pendingSignatures = 0;
		const previous = inFlight;
		inFlight = next;
		if (previous) await apply(previous);
	};

	/** Applies everything read so far. */
	const drain = async (): Promise<void> => {
		await flush();
		await flush();
	};

	const items = readExport(source);
	try {
		for (;;) {
			let next: IteratorResult<ExportItem>;
			try {
				next = await items.next();
			} catch (e) {
				// The format is broken at a later record: the blocks read before it come first.
				if (chain) await drain();
				throw e;
			}
			if (next.done) break;
			const item = next.value;
			if (item.type === 'start') {
				version = item.version;
			} else if (item.type === 'block' && item.index === 0) {
				try {
					chain = Chain.open(await verifyBlock(item.block, opts.verifier));
				} catch (e) {
					throw atBlock(item, e);
				}
			} else if (item.type === 'block') {
				pending.push(item);
				pendingSignatures += 1 + item.block.txs.length;
				if (pendingSignatures >= batchLimit) await flush();
			} else {
				await drain();
				return { chain: chain!, version, blocks: item.blocks, bytes: item.bytes };
			}
		}
	} finally {
		// Closes the source (a file stream, say) when a block's error ends the reading early.
		await items.return(undefined);
	}
	// readExport ends with 'end' or throws; a generator that simply stops is a bug in it.
	throw new Error('the export reader ended without a trailer');
}
