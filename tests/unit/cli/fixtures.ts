/** A small, fully deterministic chain and its export, shared by the export and command-line tests. */
import { encodeExport } from '../../../src/lib/core/export/writer.js';
import type { Block } from '../../../src/lib/core/block/block.js';
import type { Chain } from '../../../src/lib/core/chain.js';
import { txIdHex } from '../../../src/lib/core/tx/tx.js';
import { key, makeTx, openChain, poaGenesis, seal, T0 } from '../../helpers/community.js';

/** Late enough that no fixture block is in the future. */
export const LATER = T0 + 10_000_000;
export const founder = key(0);
export const joiner = key(1);

export interface Fixture {
	readonly chain: Chain;
	readonly blocks: readonly Block[];
	readonly bytes: Uint8Array;
	/** Ids of the fixture's transactions, in chain order. */
	readonly txids: readonly string[];
}

/**
 * Genesis and `height` blocks sealed by the founder (the only authority):
 * a join in block 1, then two posts per block, so every block after the
 * genesis has transactions to tamper with.
 */
export async function smallChain(height = 4): Promise<Fixture> {
	const chain = await openChain(poaGenesis([founder]));
	const blocks: Block[] = [chain.genesis.block];
	for (let h = 1; h <= height; h++) {
		// The joiner's nonce h - 1: its join in block 1, then one post per block; the founder posts from block 2.
		const txs =
			h === 1
				? [makeTx(chain, joiner, 0, 'member.join', { name: 'joiner' })]
				: [makeTx(chain, founder, h - 2, 'post', { text: `post ${h}a` }), makeTx(chain, joiner, h - 1, 'post', { text: `post ${h}b` })];
		blocks.push(await seal(chain, founder, txs, T0 + 1000 * h));
	}
	return { chain, blocks, bytes: encodeExport(blocks), txids: blocks.flatMap((b) => b.txs.map(txIdHex)) };
}
