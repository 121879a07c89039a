/** Merkle trees of 1,000 transaction-sized leaves: building one, making an inclusion proof, checking one. */
import type { Suite } from '../harness.js';
import { REFERENCE } from '../reference.js';
import { MerkleTree, verifyInclusion } from '../../src/lib/core/merkle.js';

const LEAVES = 1000;
const LEAF_BYTES = 200;

const suite: Suite = {
	name: 'merkle',
	title: 'Merkle proofs, 1,000 leaves',
	order: 30,
	async run(ctx) {
		const leaves = Array.from({ length: LEAVES }, (_, i) => Uint8Array.from({ length: LEAF_BYTES }, (_, j) => (i * 31 + j * 7) & 0xff));
		const build = await ctx.rate(() => new MerkleTree(leaves));
		ctx.record({ id: 'build1000', label: 'build a tree of 1,000 leaves', ...build, unit: 'tree/s', better: 'higher' });

		const tree = new MerkleTree(leaves);
		const root = tree.root;
		let i = 0;
		const proofs = await ctx.rate(() => tree.proof(i++ % LEAVES), { ops: 1, minMs: 200 });
		ctx.record({ id: 'proof', label: 'generate an inclusion proof', ...proofs, unit: 'proof/s', better: 'higher', reference: REFERENCE.merkleProof });

		const all = leaves.map((_, k) => tree.proof(k));
		let k = 0;
		const verified = await ctx.rate(
			() => {
				const at = k++ % LEAVES;
				if (!verifyInclusion(leaves[at]!, all[at]!, root)) throw new Error(`the proof of leaf ${at} does not verify`);
			},
			{ ops: 1, minMs: 200 }
		);
		ctx.record({ id: 'verify', label: 'verify an inclusion proof', ...verified, unit: 'proof/s', better: 'higher', reference: REFERENCE.merkleVerify });
	}
};

export default suite;
