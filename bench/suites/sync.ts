/**
 * Two full nodes in one process, joined by a MessageChannel link exactly as
 * the worker sees a WebRTC peer: one holds a chain of 1,000 blocks × 10
 * signed transfers, the other has only the community's id and syncs it all
 * (locators, frames of blocks, every block verified and applied, stored).
 * Signatures go through the worker pool, as in the CLI and a headless peer.
 */
import { webcrypto } from 'node:crypto';
import type { Suite } from '../harness.js';
import { median } from '../harness.js';
import { AgoraNode } from '../../src/worker/node.js';
import { MemoryStore } from '../../src/lib/store/memory.js';
import { linkFromPort } from '../../src/lib/net/link.js';
import { VerifierPool } from '../../src/lib/crypto/pool.js';
import type { Verifier } from '../../src/lib/core/verify.js';
import { chainFixture, signer, type ChainFixture } from '../fixtures.js';

const BLOCKS = 1000;
const TXS = 10;
const SAMPLES = 3;
const TIMEOUT_MS = 120_000;

/** A node with an identity and the community; with the blocks in its store when `blocks` is set. */
async function node(fixture: ChainFixture, who: number, verifier: Verifier, blocks: boolean): Promise<AgoraNode> {
	const store = await MemoryStore.joined(signer(who).keys, `node ${who}`, fixture.blocks[0]!, 0, blocks ? fixture.blocks : []);
	return AgoraNode.open({ store, verifier, now: () => fixture.now, randomBytes: (n) => webcrypto.getRandomValues(new Uint8Array(n)), agent: 'agora-bench' });
}

function connect(a: AgoraNode, b: AgoraNode): void {
	const channel = new MessageChannel();
	a.addPeer(linkFromPort('B', channel.port1 as never));
	b.addPeer(linkFromPort('A', channel.port2 as never));
}

async function until(what: string, cond: () => boolean): Promise<void> {
	const end = performance.now() + TIMEOUT_MS;
	while (!cond()) {
		if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 2));
	}
}

const suite: Suite = {
	name: 'sync',
	title: 'Sync between two in-process nodes, 1,000 blocks × 10 transactions',
	order: 50,
	async run(ctx) {
		const fixture = chainFixture(BLOCKS, TXS);
		const pool = new VerifierPool();
		// The founder's node, holding the chain (its own blocks, read back from its store).
		const source = await node(fixture, 0, pool.verify, true);
		try {
			const rates: number[] = [];
			for (let s = 0; s < SAMPLES; s++) {
				const fresh = await node(fixture, 100 + s, pool.verify, false);
				try {
					const start = performance.now();
					connect(source, fresh);
					await until('the new node to reach the head', () => fresh.chain?.height === BLOCKS);
					rates.push((BLOCKS * 1000) / (performance.now() - start));
				} finally {
					fresh.close();
				}
			}
			const blocks = ctx.record({ id: 'blocks', label: `sync ${BLOCKS.toLocaleString('en-US')} blocks to a new node (worker pool)`, value: median(rates), samples: rates, unit: 'block/s', better: 'higher' });
			ctx.record({ id: 'signatures', label: 'the same, as signatures', value: (blocks.value * fixture.signatures) / (BLOCKS + 1), samples: rates.map((r) => (r * fixture.signatures) / (BLOCKS + 1)), unit: 'sig/s', better: 'higher' });
		} finally {
			source.close();
			await pool.close();
		}
	}
};

export default suite;
