/**
 * Watches every node's chain after every event of a run: a finalized block
 * must never leave a node's canonical chain (nor its finalized height go
 * back), and each reorganisation is counted with its depth.
 */
import type { BlockNode, Chain } from '../core/chain.js';

export class ChainWatch {
	/** What went wrong, with the node and the virtual time; a safe run has none. */
	readonly violations: string[] = [];
	reorgs = 0;
	maxReorgDepth = 0;
	private readonly finals: Array<BlockNode | undefined> = [];
	private readonly heads: Array<BlockNode | undefined> = [];

	/** Looks at node i's chain as `chains[i]`. */
	check(chains: ReadonlyArray<Chain | null>, now: number): void {
		chains.forEach((chain, i) => {
			if (!chain) return;
			this.checkFinal(i, chain, now);
			this.checkHead(i, chain);
		});
	}

	private checkFinal(i: number, chain: Chain, now: number): void {
		const before = this.finals[i];
		const final = chain.finalized;
		if (before === final) return;
		if (before) {
			if (final.height < before.height) this.violations.push(`node ${i} at ${now}: finalized height went back from ${before.height} to ${final.height}`);
			else if (!chain.isCanonical(before)) this.violations.push(`node ${i} at ${now}: finalized block ${before.height} ${before.hash.slice(0, 16)}… left the canonical chain`);
		}
		this.finals[i] = final;
	}

	private checkHead(i: number, chain: Chain): void {
		const before = this.heads[i];
		const head = chain.head;
		if (before === head) return;
		if (before && !chain.isCanonical(before)) {
			let n: BlockNode | null = before;
			while (n && !chain.isCanonical(n)) n = n.parent;
			this.reorgs++;
			this.maxReorgDepth = Math.max(this.maxReorgDepth, before.height - (n?.height ?? 0));
		}
		this.heads[i] = head;
	}
}
