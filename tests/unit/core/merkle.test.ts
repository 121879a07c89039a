/**
 * Merkle trees (RFC 9162 shape, the root also committing to the size): fixed
 * roots, no padding or leaf/node collisions, and inclusion proofs that verify
 * for their own leaf, index, size and root only.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { EMPTY_ROOT, MerkleTree, leafHash, merkleRoot, nodeHash, verifyInclusion, type InclusionProof } from '../../../src/lib/core/merkle.js';
import { concat, toHex, utf8 } from '../../../src/lib/core/bytes.js';

/** An independent definition: the recursive split of RFC 9162 §2.1.1, through node's SHA-256. */
function H(tag: string, ...parts: Uint8Array[]): Uint8Array {
	const h = createHash('sha256');
	h.update(Buffer.from(`agora/v1/${tag}\0`, 'utf8'));
	for (const p of parts) h.update(p);
	return new Uint8Array(h.digest());
}
function mth(leaves: readonly Uint8Array[]): Uint8Array {
	if (leaves.length === 1) return H('merkle-leaf', leaves[0]!);
	let k = 1;
	while (k * 2 < leaves.length) k *= 2;
	return H('merkle-node', mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function u64(n: number): Uint8Array {
	const b = new Uint8Array(8);
	new DataView(b.buffer).setBigUint64(0, BigInt(n));
	return b;
}
function referenceRoot(leaves: readonly Uint8Array[]): string {
	return toHex(leaves.length === 0 ? H('merkle-empty') : H('merkle-root', u64(leaves.length), mth(leaves)));
}

const [a, b, c] = ['a', 'b', 'c'].map(utf8) as [Uint8Array, Uint8Array, Uint8Array];

describe('merkle: fixed roots', () => {
	const vectors: Array<[number, string]> = [
		[0, '272480f8447f22bea4806a8e90d8350e5abedba7c3e7f51cc9ba3051060daea4'],
		[1, '18cddf88c7ec3987df8174653121e5db3b449fd7b2d6dbdfcc6560d557eab2cd'],
		[2, '73ac6e9f1ed1dd2a226f543ce5d944a5a63471883abbebf09537b931925a6f6b'],
		[3, '5ffae9b0a2e9bc16991e555b30e4b8297ac00dffa9bd89c5d7d7a4b9b2610e5a']
	];

	it.each(vectors)('root of the first %i of ["a", "b", "c"]', (n, hex) => {
		const leaves = [a, b, c].slice(0, n);
		expect(toHex(merkleRoot(leaves))).toBe(hex);
		expect(toHex(new MerkleTree(leaves).root)).toBe(hex);
		expect(referenceRoot(leaves)).toBe(hex);
	});

	it('the empty tree has EMPTY_ROOT', () => {
		expect(toHex(merkleRoot([]))).toBe(toHex(EMPTY_ROOT));
		expect(new MerkleTree([]).size).toBe(0);
	});

	it('leaf and node hashes are domain-separated SHA-256', () => {
		expect(toHex(leafHash(a))).toBe(toHex(H('merkle-leaf', a)));
		expect(toHex(nodeHash(leafHash(a), leafHash(b)))).toBe(toHex(H('merkle-node', leafHash(a), leafHash(b))));
	});

	it('the root equals the recursive RFC 9162 definition for any list of leaves', () => {
		fc.assert(
			fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 70 }), (leaves) => {
				expect(toHex(merkleRoot(leaves))).toBe(referenceRoot(leaves));
			}),
			{ numRuns: 200 }
		);
	});
});

describe('merkle: no two lists of leaves share a root', () => {
	const cases: Array<[string, Uint8Array[], Uint8Array[]]> = [
		['[a,b,c] vs [a,b,c,c] (last leaf duplicated as padding)', [a, b, c], [a, b, c, c]],
		['[a,b,c] vs [a,b,c,pad] (an empty pad leaf)', [a, b, c], [a, b, c, new Uint8Array(0)]],
		['[a,b,c] vs [a,b,c,pad] (a zero-hash pad leaf)', [a, b, c], [a, b, c, new Uint8Array(32)]],
		['[a] vs [a,a]', [a], [a, a]],
		['[a,b] vs [b,a]', [a, b], [b, a]],
		['[a,b] vs [ab] (two leaves vs their concatenation)', [a, b], [concat(a, b)]],
		// A second preimage: a leaf whose bytes are the two child hashes must not pose as the inner node.
		['[a,b] vs [leafHash(a) ‖ leafHash(b)]', [a, b], [concat(leafHash(a), leafHash(b))]],
		['[a,b,c,d] vs [node(a,b) ‖ node(c,d)] one level up', [a, b, c, utf8('d')], [concat(nodeHash(leafHash(a), leafHash(b)), nodeHash(leafHash(c), leafHash(utf8('d'))))]],
		['[] vs [empty leaf]', [], [new Uint8Array(0)]]
	];

	it.each(cases)('%s', (_name, x, y) => {
		expect(toHex(merkleRoot(x))).not.toBe(toHex(merkleRoot(y)));
	});

	it('distinct random lists have distinct roots', () => {
		fc.assert(
			fc.property(fc.array(fc.uint8Array({ maxLength: 3 }), { maxLength: 9 }), fc.array(fc.uint8Array({ maxLength: 3 }), { maxLength: 9 }), (x, y) => {
				fc.pre(JSON.stringify(x.map(toHex)) !== JSON.stringify(y.map(toHex)));
				expect(toHex(merkleRoot(x))).not.toBe(toHex(merkleRoot(y)));
			}),
			{ numRuns: 500 }
		);
	});
});

describe('merkle: inclusion proofs', () => {
	const leavesArb = fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 40 });
	const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

	it('fixed proofs for three leaves', () => {
		const t = new MerkleTree([a, b, c]);
		expect(t.proof(0).path.map(toHex)).toEqual([toHex(leafHash(b)), toHex(leafHash(c))]);
		expect(t.proof(1).path.map(toHex)).toEqual([toHex(leafHash(a)), toHex(leafHash(c))]);
		expect(t.proof(2).path.map(toHex)).toEqual([toHex(nodeHash(leafHash(a), leafHash(b)))]);
		for (let i = 0; i < 3; i++) {
			expect(t.proof(i)).toMatchObject({ index: i, size: 3 });
			expect(verifyInclusion([a, b, c][i]!, t.proof(i), t.root)).toBe(true);
		}
	});

	it('a single leaf has an empty path', () => {
		const t = new MerkleTree([a]);
		expect(t.proof(0)).toEqual({ index: 0, size: 1, path: [] });
		expect(verifyInclusion(a, t.proof(0), t.root)).toBe(true);
	});

	it.each([-1, 3, 1.5, NaN])('proof(%s) of a three-leaf tree is a RangeError', (i) => {
		expect(() => new MerkleTree([a, b, c]).proof(i)).toThrow(RangeError);
	});

	it('every leaf\'s proof verifies', () => {
		fc.assert(
			fc.property(leavesArb, (leaves) => {
				const t = new MerkleTree(leaves);
				leaves.forEach((leaf, i) => expect(verifyInclusion(leaf, t.proof(i), t.root)).toBe(true));
			}),
			{ numRuns: 150 }
		);
	});

	it('a proof fails for any other leaf bytes', () => {
		fc.assert(
			fc.property(leavesArb, fc.nat(), fc.uint8Array({ maxLength: 12 }), (leaves, at, other) => {
				const i = at % leaves.length;
				fc.pre(toHex(other) !== toHex(leaves[i]!));
				const t = new MerkleTree(leaves);
				expect(verifyInclusion(other, t.proof(i), t.root)).toBe(false);
			}),
			{ numRuns: 300 }
		);
	});

	it('a proof fails for any other index, any other size, and any other (index, size) pair', () => {
		// Distinct leaves: with two equal leaves, leaf 0's proof may honestly prove the same bytes at index 1.
		const distinctLeaves = fc.uniqueArray(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 40, selector: toHex });
		fc.assert(
			fc.property(distinctLeaves, fc.nat(), fc.nat({ max: 70 }), fc.nat({ max: 70 }), (leaves, at, index, size) => {
				const i = at % leaves.length;
				const t = new MerkleTree(leaves);
				const p = t.proof(i);
				fc.pre(index !== p.index || size !== p.size);
				expect(verifyInclusion(leaves[i]!, { ...p, index }, t.root), 'other index').toBe(index === p.index);
				expect(verifyInclusion(leaves[i]!, { ...p, size }, t.root), 'other size').toBe(size === p.size);
				expect(verifyInclusion(leaves[i]!, { ...p, index, size }, t.root), 'other index and size').toBe(false);
			}),
			{ numRuns: 500 }
		);
	});

	it('in particular, a proof for leaf 0 of 3 does not pass as leaf 0 of 4, nor leaf 1 of 2 as leaf 2 of 3', () => {
		const t3 = new MerkleTree([a, b, c]);
		expect(verifyInclusion(a, { ...t3.proof(0), size: 4 }, t3.root)).toBe(false);
		const t2 = new MerkleTree([a, b]);
		expect(verifyInclusion(b, { ...t2.proof(1), index: 2, size: 3 }, t2.root)).toBe(false);
	});

	it('a proof fails against any other root', () => {
		fc.assert(
			fc.property(leavesArb, fc.nat(), fc.oneof(hash32, leavesArb.map((l) => merkleRoot(l))), (leaves, at, root) => {
				const t = new MerkleTree(leaves);
				fc.pre(toHex(root) !== toHex(t.root));
				const i = at % leaves.length;
				expect(verifyInclusion(leaves[i]!, t.proof(i), root)).toBe(false);
			}),
			{ numRuns: 300 }
		);
	});

	it('a proof fails with its path truncated, extended, reordered or with one element changed', () => {
		fc.assert(
			fc.property(leavesArb, fc.nat(), hash32, fc.nat(), (leaves, at, extra, which) => {
				const t = new MerkleTree(leaves);
				const i = at % leaves.length;
				const p = t.proof(i);
				const leaf = leaves[i]!;
				const n = p.path.length;
				expect(verifyInclusion(leaf, { ...p, path: [...p.path, extra] }, t.root), 'extended at the end').toBe(false);
				expect(verifyInclusion(leaf, { ...p, path: [extra, ...p.path] }, t.root), 'extended at the start').toBe(false);
				if (n > 0) {
					expect(verifyInclusion(leaf, { ...p, path: p.path.slice(0, -1) }, t.root), 'last dropped').toBe(false);
					expect(verifyInclusion(leaf, { ...p, path: p.path.slice(1) }, t.root), 'first dropped').toBe(false);
					const j = which % n;
					const changed = p.path.map((x, k) => (k === j ? x.map((v, m) => (m === 0 ? v ^ 1 : v)) : x));
					expect(verifyInclusion(leaf, { ...p, path: changed }, t.root), 'element changed').toBe(false);
				}
				if (n > 1 && toHex(p.path[0]!) !== toHex(p.path[n - 1]!)) {
					expect(verifyInclusion(leaf, { ...p, path: [...p.path].reverse() }, t.root), 'reversed').toBe(false);
				}
			}),
			{ numRuns: 200 }
		);
	});

	it('verifyInclusion returns false and never throws on garbage', () => {
		const t = new MerkleTree([a, b, c]);
		const good = t.proof(1);
		const garbage: unknown[] = [
			null,
			undefined,
			{},
			[],
			{ index: 1, size: 3 },
			{ index: 1, size: 3, path: null },
			{ index: 1, size: 3, path: 'path' },
			{ index: 1, size: 3, path: [null, null] },
			{ index: 1, size: 3, path: [new Uint8Array(31), good.path[1]] },
			{ index: 1, size: 3, path: good.path.map(toHex) },
			{ ...good, index: -1 },
			{ ...good, index: 1.5 },
			{ ...good, index: '1' },
			{ ...good, size: 0 },
			{ ...good, size: Infinity },
			{ ...good, size: 2 ** 60 },
			{ ...good, index: 3 }
		];
		for (const proof of garbage) {
			expect(verifyInclusion(b, proof as InclusionProof, t.root)).toBe(false);
		}
		expect(verifyInclusion(b, good, t.root.subarray(0, 31))).toBe(false);
		expect(verifyInclusion(b, good, toHex(t.root) as unknown as Uint8Array)).toBe(false);
		expect(verifyInclusion(b, good, null as unknown as Uint8Array)).toBe(false);
		expect(verifyInclusion(b, good, t.root)).toBe(true);
	});

	it('verifyInclusion never throws on arbitrary values', () => {
		fc.assert(
			fc.property(fc.anything(), fc.anything(), fc.anything(), fc.array(fc.oneof(hash32, fc.anything()), { maxLength: 6 }), (leaf, index, size, path) => {
				const root = merkleRoot([a]);
				expect(typeof verifyInclusion(leaf as Uint8Array, { index, size, path } as unknown as InclusionProof, root)).toBe('boolean');
			}),
			{ numRuns: 300 }
		);
	});
});
