/**
 * Two nodes on a virtual clock over a link that loses one chosen frame:
 * nothing waits forever on it. A missed block announcement is made up by
 * the periodic status; a lost answer to a request for blocks by asking again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeFrame, type FrameType } from '../../../src/lib/net/wire.js';
import { REQUEST_TIMEOUT_MS, STATUS_MS } from '../../../src/lib/net/sync.js';
import { VirtualClock } from '../../../src/lib/sim/clock.js';
import type { AgoraNode } from '../../../src/worker/node.js';
import { closeAll, community, FOUNDER, link, MEMBER, open, T } from './virtual.js';

afterEach(closeAll);

/** Loses the first frame of this type that `sender` sends. */
function loseFirst(sender: () => AgoraNode, type: FrameType) {
	let lost = false;
	return (bytes: Uint8Array, from: AgoraNode): boolean => {
		if (lost || from !== sender() || decodeFrame(bytes).type !== type) return false;
		return (lost = true);
	};
}

describe('a lost frame', () => {
	it('a missed block announcement: the next status tells the node it is behind, and it catches up', async () => {
		const clock = new VirtualClock(T);
		const genesis = community();
		const founder = await open(clock, FOUNDER, genesis);
		const member = await open(clock, MEMBER, genesis);
		link(clock, founder, member, loseFirst(() => founder, 'newBlock'));
		await clock.run(T + 100, () => false);
		await founder.post('announced, but the announcement is lost');
		await clock.run(T + 1_000, () => false);
		expect([founder.chain!.height, member.chain!.height]).toEqual([1, 0]);
		await clock.run(T + 2 * STATUS_MS, () => member.chain!.height === 1);
		expect(member.chain!.head.hash).toBe(founder.chain!.head.hash);
		expect(clock.now() - T).toBeLessThanOrEqual(STATUS_MS + 100);
	});

	it('a lost answer to a request for blocks: the request is made again, and the node catches up', async () => {
		const clock = new VirtualClock(T);
		const genesis = community();
		const founder = await open(clock, FOUNDER, genesis);
		for (let i = 0; i < 3; i++) await founder.post(`before the member came online ${i}`);
		await clock.run(T + 1_000, () => false);
		expect(founder.chain!.height).toBeGreaterThan(0);
		const member = await open(clock, MEMBER, genesis);
		link(clock, founder, member, loseFirst(() => founder, 'blocks'));
		await clock.run(T + 1_000 + 2 * REQUEST_TIMEOUT_MS, () => member.chain!.height === founder.chain!.height);
		expect(member.chain!.head.hash).toBe(founder.chain!.head.hash);
		expect(clock.now() - T).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
	});
});
