/**
 * The member's own transactions: one at a time, never two with one nonce;
 * kept until final; and an expired one's nonce filled with a skip so the
 * ones after it still apply.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../src/lib/core/bytes.js';
import { VirtualClock } from '../../../src/lib/sim/clock.js';
import { closeAll, community, FOUNDER, link, MEMBER, open, T } from './virtual.js';

afterEach(closeAll);

describe('the outbox', () => {
	it('concurrent submissions take consecutive nonces', async () => {
		const clock = new VirtualClock(T);
		const node = await open(clock, MEMBER, community());
		const ids = await Promise.all([node.post('one'), node.post('two'), node.post('three')]);
		const nonces = node.ownTxs().map((o) => o.tx.nonce).sort();
		expect(new Set(ids).size).toBe(3);
		expect(nonces).toEqual([0, 1, 2]);
	});

	it('an expired transaction\'s nonce is skipped, and the later ones are sealed', async () => {
		const clock = new VirtualClock(T);
		const genesis = community();
		const founder = await open(clock, FOUNDER, genesis);
		const member = await open(clock, MEMBER, genesis);
		link(clock, founder, member);
		// A transfer the member cannot afford waits (the sealer leaves it out) until it expires; a post queues behind it.
		await member.submit('transfer', { to: FOUNDER.publicKey, amount: 5 }, { expires: T + 20_000 });
		await member.post('after the stuck one');
		await clock.run(T + 15_000, () => false);
		expect(founder.view().posts.some((p) => p.text === 'after the stuck one' && p.status === 'confirmed')).toBe(false);
		await clock.run(T + 120_000, () => founder.view().posts.some((p) => p.text === 'after the stuck one' && p.status === 'confirmed'));
		const failed = member.ownTxs().find((o) => o.tx.kind === 'transfer');
		expect(failed?.status).toBe('failed');
		expect(member.view().log.some((l) => l.message.includes('skipped nonce 0'))).toBe(true);
		const chain = founder.chain!;
		const kinds = [];
		for (let h = 1; h <= chain.height; h++) kinds.push(...chain.blockAt(h)!.block.txs.filter((tx) => toHex(tx.from) === toHex(MEMBER.publicKey)).map((tx) => `${tx.nonce}:${tx.kind}`));
		expect(kinds).toEqual(['0:nonce.skip', '1:post']);
	});
});
