/**
 * Blocks of 100 transactions: building one on a real chain (Chain.propose:
 * every transaction applied to the state, the state root, the Merkle root,
 * the proposer's signature), and validating one as it arrives from a peer
 * (decoding, every signature through the worker pool, every rule, the state
 * replayed and its root checked).
 */
import type { Suite } from '../harness.js';
import { REFERENCE } from '../reference.js';
import { Chain, verifyBlock } from '../../src/lib/core/chain.js';
import { decodeBlock } from '../../src/lib/core/block/block.js';
import { VerifierPool } from '../../src/lib/crypto/pool.js';
import { nodeVerifier } from '../../src/lib/crypto/node.js';
import type { Verifier } from '../../src/lib/core/verify.js';
import { blockTxs, chainFixture, community, T0, BLOCK_MS } from '../fixtures.js';

const TXS = 100;
const BLOCKS = 20;

const suite: Suite = {
	name: 'blocks',
	title: 'Blocks of 100 transactions',
	order: 20,
	async run(ctx) {
		// A pool of pending transfers from ten members, ten each, as a mempool would offer them.
		const c = community(10);
		const candidates = blockTxs(c, 1, TXS);
		const now = T0 + BLOCK_MS;
		const built = await ctx.rate(() => {
			const p = c.chain.propose(c.founder.keys, candidates, now);
			if (!p || 'wait' in p || p.block.txs.length !== TXS) throw new Error('the block did not take every transaction');
		});
		ctx.record({ id: 'build100', label: 'build a block of 100 transactions (Chain.propose)', ...built, unit: 'block/s', better: 'higher', reference: REFERENCE.buildBlock100 });

		const fixture = chainFixture(BLOCKS, TXS);
		const validate = async (verifier: Verifier): Promise<void> => {
			const chain = Chain.open(await verifyBlock(decodeBlock(fixture.encoded[0]!), verifier));
			for (const bytes of fixture.encoded.slice(1)) chain.add(await verifyBlock(decodeBlock(bytes), verifier), fixture.now);
		};
		const pool = new VerifierPool();
		try {
			const one = await ctx.rate(() => validate(nodeVerifier), { ops: BLOCKS, samples: 3 });
			ctx.record({ id: 'validate100.node', label: 'validate a block of 100 (one thread, node:crypto)', ...one, unit: 'block/s', better: 'higher', reference: REFERENCE.validateBlock100 });
			const all = await ctx.rate(() => validate(pool.verify), { ops: BLOCKS, samples: 3 });
			ctx.record({ id: 'validate100.pool', label: `validate a block of 100 (worker pool, ${pool.threads} threads)`, ...all, unit: 'block/s', better: 'higher', reference: REFERENCE.validateBlock100 });
		} finally {
			await pool.close();
		}
	}
};

export default suite;
