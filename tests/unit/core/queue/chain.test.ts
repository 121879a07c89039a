/**
 * The queue on a real chain: signed messages and receipts sealed in blocks,
 * their inclusion proofs checked against the headers alone, redelivery
 * deadlines crossed by empty blocks, and a second node replaying the blocks
 * to the same state root.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/lib/core/bytes.js';
import { verifyInclusion } from '../../../../src/lib/core/merkle.js';
import { encodeTx, txIdHex, type Tx } from '../../../../src/lib/core/tx/tx.js';
import type { Block } from '../../../../src/lib/core/block/block.js';
import type { Chain } from '../../../../src/lib/core/chain.js';
import { DEFAULT_POLICIES } from '../../../../src/lib/core/state/policy.js';
import { messageTxIds, messageView, queueSummary } from '../../../../src/lib/core/state/queue/queries.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import { genesisFor, key, makeTx, openChain, seal, T0, verified } from '../../../helpers/community.js';
import { World, direct, hex, hexBytes, topical } from './world.js';

describe('the queue on a chain', () => {
	const [a, b] = [key(0), key(1)];
	const genesis = genesisFor(a, {
		members: [
			{ key: a.publicKey, name: 'a' },
			{ key: b.publicKey, name: 'b' }
		],
		allocations: [
			{ key: a.publicKey, amount: 10_000 },
			{ key: b.publicKey, amount: 10_000 }
		],
		policies: { delivery: { ...DEFAULT_POLICIES.delivery, visibilityTimeoutMs: 3000 } }
	});

	async function build(): Promise<{ chain: Chain; blocks: Block[]; message: Tx; receipt: Tx; late: Tx }> {
		const chain = await openChain(genesis);
		const blocks: Block[] = [];
		const nonce = (k: typeof a): number => getAccount(chain.state, hex(k)).nonce;
		let now = T0 + 1000;
		const message = makeTx(chain, a, nonce(a), 'msg.send', direct(b), { fee: 1, created: now });
		const late = makeTx(chain, a, nonce(a) + 1, 'msg.send', direct(b), { fee: 1, created: now });
		blocks.push(await seal(chain, a, [message, late], now));
		// b does not answer `late`: empty blocks carry time past its windows (3 s, 6 s, 12 s), then it is dead.
		for (let i = 0; i < 25; i++) blocks.push(await seal(chain, a, [], (now += 1000)));
		const receipt = makeTx(chain, b, nonce(b), 'msg.ack', { ids: [hexBytes(txIdHex(message))] }, { fee: 0, created: now });
		blocks.push(await seal(chain, a, [receipt], (now += 1000)));
		return { chain, blocks, message, receipt, late };
	}

	it('a message and its receipt each have an inclusion proof that verifies against its block header', async () => {
		const { chain, message, receipt } = await build();
		const ids = messageTxIds(chain.state, txIdHex(message))!;
		expect(ids.receipts[0]!.ack).toBe(txIdHex(receipt));
		for (const id of [ids.message, ids.receipts[0]!.ack!]) {
			const { location, proof } = chain.txProof(id)!;
			expect(verifyInclusion(encodeTx(location.tx), proof, location.block.header.txRoot)).toBe(true);
		}
	});

	it('deadlines pass in empty blocks: the unanswered message is redelivered, then dead-lettered', async () => {
		const { chain, late } = await build();
		const d = messageView(chain.state, txIdHex(late))!.deliveries[0]!;
		expect(d).toMatchObject({ status: 'dead', attempts: 3, deadReason: 'maxDeliveries' });
		// The acknowledged message was dead-lettered too before its receipt came, late: two ever, one still dead.
		expect(queueSummary(chain.state)).toMatchObject({ messages: 2, acked: 1, deadLettered: 2, deadLetters: 1 });
	});

	it('another node replaying the blocks reaches the same state root at every height', async () => {
		const { chain, blocks } = await build();
		const replica = await openChain(genesis);
		for (const block of blocks) {
			const r = replica.add(await verified(block), block.header.time);
			expect(r.status).toBe('head');
			expect(toHex(replica.state.root())).toBe(toHex(block.header.stateRoot));
		}
		expect(toHex(replica.state.root())).toBe(toHex(chain.state.root()));
	});

	it('undoing the blocks (as a reorganisation does, through their journals) removes every queue record', () => {
		const w = new World({ members: 3 });
		const [x, y, z] = w.members as [typeof a, typeof a, typeof a];
		const root = toHex(w.state.root());
		const start = w.state.checkpoint();
		w.apply(x, 'topic.create', { name: 'news', mode: 'clear' });
		w.apply(y, 'topic.subscribe', { pattern: '#' });
		const id = w.send(x, direct(y, { guarantee: 'ordered', seq: 1 }));
		w.send(z, topical('news'));
		w.send(x, direct(y, { guarantee: 'exactlyOnce', idempotencyKey: new Uint8Array([1]) }));
		w.runTo(w.time + 400_000, 20_000);
		expect(messageView(w.state, id)!.deliveries[0]!.status).not.toBe('held');
		w.state.revert(start);
		expect(toHex(w.state.root())).toBe(root);
		expect(w.state.keys('q/')).toEqual([]);
	});
});
