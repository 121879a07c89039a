/**
 * The node's platform services and sealing modes, on a virtual clock: when
 * it seals (pending, always, never), a proof-of-work budget per try, own
 * transactions sent again after a lost frame, and gossip duplicates checked
 * once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SigCheck, Verifier } from '../../../src/lib/core/verify.js';
import { nodeVerifier } from '../../../src/lib/crypto/node.js';
import { decodeFrame } from '../../../src/lib/net/wire.js';
import { VirtualClock } from '../../../src/lib/sim/clock.js';
import { REBROADCAST_MS, type AgoraNode } from '../../../src/worker/node.js';
import { makeTx } from '../../helpers/community.js';
import { closeAll, community, FOUNDER, link, MEMBER, open, T } from './virtual.js';

afterEach(closeAll);

const blockTimes = (n: AgoraNode) => Array.from({ length: n.chain!.height + 1 }, (_, h) => n.chain!.blockAt(h)!.header.time - T);

describe('sealing', () => {
	it('by default seals only when something is waiting', async () => {
		const clock = new VirtualClock(T);
		const node = await open(clock, FOUNDER, community());
		await clock.run(T + 5_000, () => false);
		expect(node.chain!.height).toBe(0);
		await node.post('hello');
		await clock.run(T + 6_000, () => node.chain!.height === 1);
		expect(node.chain!.head.block.txs).toHaveLength(1);
	});

	it('"always" seals empty blocks too, half a block time after the parent at the earliest', async () => {
		const clock = new VirtualClock(T);
		const node = await open(clock, FOUNDER, community(), { sealing: 'always' });
		await clock.run(T + 5_000, () => false);
		expect(blockTimes(node)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
	});

	it('"never" does not seal, even what the member itself sent', async () => {
		const clock = new VirtualClock(T);
		const node = await open(clock, FOUNDER, community(), { sealing: 'never' });
		await node.post('hello');
		await clock.run(T + 5_000, () => false);
		expect(node.chain!.height).toBe(0);
	});

	it('spends at most the seal budget per try and tries again after its period (proof of work)', async () => {
		const clock = new VirtualClock(T);
		const genesis = community({ engine: { name: 'pow', difficulty: 400, retargetBlocks: 10, finalityDepth: 6 } });
		const node = await open(clock, FOUNDER, genesis, { sealing: 'always', sealBudget: { attempts: 10, everyMs: 100 } });
		await clock.run(T + 60_000, () => node.chain!.height === 1);
		const found = node.chain!.head.header.time - T;
		// The first try is at 500 ms (half a block time); 10 attempts rarely meet difficulty 400, so later tries, 100 ms apart.
		expect(found).toBeGreaterThan(500);
		expect((found - 500) % 100).toBe(0);
	});
});

describe('own transactions and gossip', () => {
	it('sends its waiting transactions again, so one whose frame was lost still reaches the sealer', async () => {
		const clock = new VirtualClock(T);
		const genesis = community();
		const founder = await open(clock, FOUNDER, genesis);
		const member = await open(clock, MEMBER, genesis);
		let lost = 0;
		link(clock, founder, member, (bytes, from) => from === member && decodeFrame(bytes).type === 'txs' && lost++ === 0);
		await clock.run(T + 100, () => false);
		await member.post('lost once');
		await clock.run(T + 60_000, () => founder.chain!.height === 1);
		expect(lost).toBeGreaterThan(1);
		expect(founder.chain!.head.header.time - T).toBeGreaterThanOrEqual(REBROADCAST_MS);
		expect((founder.chain!.head.block.txs[0]!.body as { text: string }).text).toBe('lost once');
	});

	it('checks the signatures of a transaction or a block it already has only once', async () => {
		const clock = new VirtualClock(T);
		const checked: SigCheck[] = [];
		const counting: Verifier = (checks) => {
			checked.push(...checks);
			return nodeVerifier(checks);
		};
		const genesis = community();
		const node = await open(clock, MEMBER, genesis, { verifier: counting });
		const tx = makeTx(node.chain!, FOUNDER, 0, 'post', { text: 'twice' }, { created: T + 1 });
		await node.importTxs([tx]);
		await node.importTxs([tx]);
		expect(checked).toHaveLength(1);
		const sealer = await open(clock, FOUNDER, genesis);
		await sealer.importTxs([tx]);
		await clock.run(T + 1_000, () => sealer.chain!.height === 1);
		checked.length = 0;
		await node.importBlocks([sealer.chain!.head.block]);
		expect(checked).toHaveLength(2); // the header's signature and its transaction's
		await node.importBlocks([sealer.chain!.head.block]);
		expect(checked).toHaveLength(2);
		expect(node.chain!.height).toBe(1);
	});
});
