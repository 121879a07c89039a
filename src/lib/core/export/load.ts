/**
 * Loads an export into a Chain, validating everything as it streams: the
 * format (reader.ts), every signature in batches through the verifier it is
 * given, and every chain rule by adding each block to a real Chain (links,
 * heights, times, Merkle and state roots by replay, seals and engine rules,
 * finality). Nothing here re-implements a rule. The first problem in file
 * order is thrown as an ExportError naming the block and, when one is at
 * fault, the transaction.
 *
 * Signatures are verified ahead in batches (bulk.ts: on other threads,
 * with a pool verifier) while earlier blocks are applied to the chain on
 * this one.
 */
import { toHex } from '../bytes.js';
import { AgoraError } from '../errors.js';
import { Chain, verifyBlock, type VerifiedBlock } from '../chain.js';
import { verifyAhead } from '../bulk.js';
import type { Verifier } from '../verify.js';
import { ExportError, type ExportLocation } from './format.js';
import { readExport, type ExportItem, type ExportSource } from './reader.js';

export interface LoadOptions {
	readonly verifier: Verifier;
	/** The reader's clock: no block may be further ahead of it than the chain's drift limit. */
	readonly now: number;
	/** Roughly how many signatures to verify in one call to the verifier (bulk.ts's default when absent). */
	readonly batchSignatures?: number;
}

export interface LoadedExport {
	readonly chain: Chain;
	readonly version: number;
	readonly blocks: number;
	readonly bytes: number;
}

type BlockItem = Extract<ExportItem, { type: 'block' }>;

/** An error about one block, with the block's place in the file (and the transaction, when its field names one). */
function atBlock(item: BlockItem, error: unknown): unknown {
	if (!(error instanceof AgoraError) || error instanceof ExportError) return error;
	const tx = /^txs\[(\d+)\]/.exec(error.field ?? '')?.[1];
	const at: ExportLocation = { record: item.index, offset: item.offset, height: item.index, ...(tx === undefined ? {} : { tx: Number(tx) }) };
	return new ExportError(error.code, error.message, at, error.field, error.value);
}

export async function loadExport(source: ExportSource, opts: LoadOptions): Promise<LoadedExport> {
	let chain: Chain | null = null;
	let version = 0;
	let trailer: Extract<ExportItem, { type: 'end' }> | null = null;

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

	const items = readExport(source);
	/** The blocks after genesis, for verifying ahead; the version, the genesis (which opens the chain) and the trailer are taken on the way. */
	async function* blocks(): AsyncGenerator<BlockItem> {
		for await (const item of items) {
			if (item.type === 'start') version = item.version;
			else if (item.type === 'end') trailer = item;
			else if (item.index > 0) yield item;
			else {
				try {
					chain = Chain.open(await verifyBlock(item.block, opts.verifier));
				} catch (e) {
					throw atBlock(item, e);
				}
			}
		}
	}

	try {
		// A format error at a later record is thrown after the blocks read before it are applied (verifyAhead's order).
		for await (const verdict of verifyAhead(blocks(), (item) => item.block, opts.verifier, opts.batchSignatures ? { batch: opts.batchSignatures } : {})) {
			if ('error' in verdict) throw atBlock(verdict.item, verdict.error);
			add(verdict.item, verdict.verified);
		}
	} finally {
		// Closes the source (a file stream, say) when a block's error ends the reading early.
		await items.return(undefined);
	}
	// readExport ends with 'end' or throws; a generator that simply stops is a bug in it.
	if (!trailer || !chain) throw new Error('the export reader ended without a trailer');
	const end: Extract<ExportItem, { type: 'end' }> = trailer;
	return { chain, version, blocks: end.blocks, bytes: end.bytes };
}
