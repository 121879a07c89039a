/**
 * Merkle trees in the shape of RFC 9162 (Certificate Transparency v2): leaves
 * and inner nodes are hashed under different domains, and a tree of n leaves
 * is split at the largest power of two below n instead of being padded, so
 * no two lists of leaves share a root. An inclusion proof names the leaf
 * index and the tree size, and its verification folds the path in the order
 * those two numbers dictate. The folded path alone does not pin the size
 * (leaf 0 of 3 folds like leaf 0 of 4, leaf 1 of 2 like leaf 2 of 3), and a
 * block header carries no transaction count to check it against, so the
 * root published is the RFC 9162 root hashed together with the size: a proof
 * for one index or size then fails for any other.
 */
import { equalBytes, isBytes, u64, type Bytes } from './bytes.js';
import { hash, HASH_BYTES } from './hash.js';

export interface InclusionProof {
	readonly index: number;
	readonly size: number;
	readonly path: readonly Bytes[];
}

export function leafHash(leaf: Bytes): Bytes {
	return hash('merkleLeaf', leaf);
}

export function nodeHash(left: Bytes, right: Bytes): Bytes {
	return hash('merkleNode', left, right);
}

export const EMPTY_ROOT: Bytes = hash('merkleEmpty');

/** The published root of a non-empty tree: its RFC 9162 root bound to its size. */
function sizedRoot(size: number, treeHash: Bytes): Bytes {
	return hash('merkleRoot', u64(size), treeHash);
}

/**
 * All levels of a tree, leaf hashes first. Built bottom-up: nodes are paired
 * left to right and a last unpaired node is carried up unchanged, which gives
 * exactly the RFC 9162 tree.
 */
export class MerkleTree {
	private readonly levels: Bytes[][];

	constructor(leaves: readonly Bytes[]) {
		this.levels = [leaves.map(leafHash)];
		let level = this.levels[0]!;
		while (level.length > 1) {
			const next: Bytes[] = [];
			for (let i = 0; i < level.length; i += 2) {
				next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
			}
			this.levels.push(next);
			level = next;
		}
	}

	get size(): number {
		return this.levels[0]!.length;
	}

	get root(): Bytes {
		return this.size === 0 ? EMPTY_ROOT : sizedRoot(this.size, this.levels[this.levels.length - 1]![0]!);
	}

	proof(index: number): InclusionProof {
		if (!Number.isInteger(index) || index < 0 || index >= this.size) {
			throw new RangeError(`leaf index ${index} is outside a tree of ${this.size} leaves`);
		}
		const path: Bytes[] = [];
		let i = index;
		for (let l = 0; l < this.levels.length - 1; l++) {
			const level = this.levels[l]!;
			const sibling = i % 2 === 1 ? i - 1 : i + 1;
			if (sibling < level.length) path.push(level[sibling]!);
			i = Math.floor(i / 2);
		}
		return { index, size: this.size, path };
	}
}

export function merkleRoot(leaves: readonly Bytes[]): Bytes {
	return new MerkleTree(leaves).root;
}

/** RFC 9162 §2.1.3.2. Returns false, never throws, on malformed proofs. */
export function verifyInclusion(leaf: Bytes, proof: InclusionProof, root: Bytes): boolean {
	try {
		const { index, size, path } = proof;
		if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
		if (!Array.isArray(path) || !isBytes(root, HASH_BYTES)) return false;
		let fn = index;
		let sn = size - 1;
		let r = leafHash(leaf);
		for (const p of path) {
			if (!isBytes(p, HASH_BYTES) || sn === 0) return false;
			if (fn % 2 === 1 || fn === sn) {
				r = nodeHash(p, r);
				if (fn % 2 === 0) {
					while (fn % 2 === 0 && fn !== 0) {
						fn = Math.floor(fn / 2);
						sn = Math.floor(sn / 2);
					}
				}
			} else {
				r = nodeHash(r, p);
			}
			fn = Math.floor(fn / 2);
			sn = Math.floor(sn / 2);
		}
		return sn === 0 && equalBytes(sizedRoot(size, r), root);
	} catch {
		return false;
	}
}
