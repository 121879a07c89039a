/** The chain watch flags a finalized block that leaves a node's chain, and counts reorganisations with their depth. */
import { describe, expect, it } from 'vitest';
import type { BlockNode, Chain } from '../../src/lib/core/chain.js';
import { ChainWatch } from '../../src/lib/sim/watch.js';

/** Just what the watch reads of a chain: the head, the finalized block and which blocks are canonical. */
function fakeChain(canonical: BlockNode[], final: BlockNode): Chain {
	return { head: canonical.at(-1)!, finalized: final, isCanonical: (n: BlockNode) => canonical[n.height] === n } as unknown as Chain;
}

function branch(from: BlockNode | null, length: number, tag: string): BlockNode[] {
	const out: BlockNode[] = [];
	let parent = from;
	for (let i = 0; i < length; i++) {
		const height = parent ? parent.height + 1 : 0;
		parent = { height, hash: `${tag}${height}`, parent } as BlockNode;
		out.push(parent);
	}
	return out;
}

describe('ChainWatch', () => {
	const trunk = branch(null, 4, 'a');

	it('is quiet while finality only moves forward along the chain', () => {
		const watch = new ChainWatch();
		watch.check([fakeChain(trunk, trunk[1]!)], 1);
		watch.check([fakeChain(trunk, trunk[3]!)], 2);
		expect(watch.violations).toEqual([]);
	});

	it('flags a finalized block that left the canonical chain', () => {
		const watch = new ChainWatch();
		watch.check([fakeChain(trunk, trunk[2]!)], 1);
		const other = [...trunk.slice(0, 2), ...branch(trunk[1]!, 3, 'b')];
		watch.check([fakeChain(other, other[3]!)], 2);
		expect(watch.violations).toEqual([expect.stringMatching(/^node 0 at 2: finalized block 2 a2… left the canonical chain$/)]);
	});

	it('flags a finalized height that went back', () => {
		const watch = new ChainWatch();
		watch.check([null, fakeChain(trunk, trunk[3]!)], 1);
		watch.check([null, fakeChain(trunk, trunk[2]!)], 2);
		expect(watch.violations).toEqual(['node 1 at 2: finalized height went back from 3 to 2']);
	});

	it('counts a reorganisation and its depth', () => {
		const watch = new ChainWatch();
		watch.check([fakeChain(trunk, trunk[0]!)], 1);
		const other = [...trunk.slice(0, 2), ...branch(trunk[1]!, 3, 'b')];
		watch.check([fakeChain(other, trunk[0]!)], 2);
		expect([watch.reorgs, watch.maxReorgDepth]).toEqual([1, 2]);
	});
});
