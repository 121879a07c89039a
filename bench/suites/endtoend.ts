/**
 * Messages end to end, on the reference's scale (issue 5): real nodes in one
 * process, joined by MessageChannel links exactly as the worker sees WebRTC
 * peers, on a chain that grows to 300 blocks. The founder's node seals (it
 * is the community's one authority, sealing as soon as transactions wait);
 * four members each keep WINDOW direct messages under way to the next
 * member, through the node's messaging (sealed for the recipient, fee
 * quoted from the policy, signed, saved, gossiped), and send another as soon
 * as one is acknowledged. A recipient's node opens what is delivered to it
 * and answers with a signed `msg.ack` after the block; a message counts once
 * its acknowledgement is in a block. The rate is taken over the whole run and
 * per 100 blocks, since the reference's falls as its chain grows (from about
 * 20 to 5–8 messages/s at 300 blocks).
 *
 * The community raises the sender quota (100 an hour by default) so that
 * four members can send thousands of messages within a minute of block time.
 */
import { webcrypto } from 'node:crypto';
import { toHex, type Hex } from '../../src/lib/core/bytes.js';
import type { Block } from '../../src/lib/core/block/block.js';
import { createGenesis } from '../../src/lib/core/genesis.js';
import { DEFAULT_POLICIES } from '../../src/lib/core/state/policy.js';
import { getDelivery } from '../../src/lib/core/state/queue/records.js';
import { VerifierPool } from '../../src/lib/crypto/pool.js';
import { linkFromPort } from '../../src/lib/net/link.js';
import { MemoryStore } from '../../src/lib/store/memory.js';
import { AgoraNode } from '../../src/worker/node.js';
import type { Verifier } from '../../src/lib/core/verify.js';
import { median, type Suite } from '../harness.js';
import { REFERENCE } from '../reference.js';
import { signer, type Signer } from '../fixtures.js';

const BLOCKS = 300;
const SEGMENT = 100;
const MEMBERS = 4;
/** Messages each member keeps under way. */
const WINDOW = 8;
const SAMPLES = 3;
const TIMEOUT_MS = 300_000;

const random = (n: number): Uint8Array => webcrypto.getRandomValues(new Uint8Array(n));

/** A node whose store already holds its identity, the community and the genesis block. */
async function openNode(genesis: Block, who: Signer, verifier: Verifier): Promise<AgoraNode> {
	const store = await MemoryStore.joined(who.keys, 'bench', genesis, genesis.header.time);
	return AgoraNode.open({ store, verifier, now: () => Date.now(), randomBytes: random, agent: 'agora-bench' });
}

interface Run {
	readonly seconds: number;
	readonly acked: number;
	/** Messages acknowledged within each SEGMENT of blocks, and the seconds each took. */
	readonly segments: ReadonlyArray<{ readonly acked: number; readonly seconds: number }>;
	/** Seconds from sending a message to its acknowledgement's block, median. */
	readonly latency: number;
}

async function run(verifier: Verifier): Promise<Run> {
	const founder = signer(0);
	const members = Array.from({ length: MEMBERS }, (_, i) => signer(500 + i));
	const genesis = createGenesis({
		name: 'End to end',
		time: Date.now(),
		salt: random(16),
		founder: founder.keys,
		founderName: 'founder',
		members: [founder, ...members].map((m, i) => ({ key: m.keys.publicKey, name: `member ${i}` })),
		allocations: members.map((m) => ({ key: m.keys.publicKey, amount: 1_000_000_000 })),
		policies: { priority: { ...DEFAULT_POLICIES.priority, senderQuota: 1_000_000 } }
	});
	const nodes = await Promise.all([founder, ...members].map((who) => openNode(genesis, who, verifier)));
	try {
		// Every node linked to every other, as a small community's browsers are.
		nodes.forEach((a, i) =>
			nodes.slice(i + 1).forEach((b, k) => {
				const channel = new MessageChannel();
				a.addPeer(linkFromPort(`peer ${i + 1 + k}`, channel.port1 as never));
				b.addPeer(linkFromPort(`peer ${i}`, channel.port2 as never));
			})
		);
		const sealer = nodes[0]!;
		const senders = nodes.slice(1);
		const recipientOf = (s: number): Hex => senders[(s + 1) % MEMBERS]!.publicKey!;
		const sent = new Map<Hex, { sender: number; recipient: Hex; at: number }>();
		const underWay = new Array<number>(MEMBERS).fill(0);
		const latencies: number[] = [];
		const marks: Array<{ acked: number; at: number }> = [];
		let acked = 0;
		let failure: unknown = null;
		const start = performance.now();
		const topUp = (s: number): void => {
			for (; underWay[s]! < WINDOW && failure === null; underWay[s]!++) {
				const at = performance.now();
				senders[s]!.messaging
					.send({ to: recipientOf(s), topic: null, text: `message ${sent.size} from member ${s}` })
					.then((id) => void sent.set(id, { sender: s, recipient: recipientOf(s), at }))
					.catch((e: unknown) => (failure = e));
			}
		};
		senders.forEach((_, s) => topUp(s));
		let height = 0;
		while (marks.length < BLOCKS / SEGMENT) {
			if (failure) throw failure;
			if (performance.now() - start > TIMEOUT_MS) throw new Error(`timed out at height ${height}`);
			await new Promise((r) => setTimeout(r, 1));
			const chain = sealer.chain!;
			if (chain.height === height) continue;
			// Messages whose acknowledgement is in a block up to the head, counted once.
			for (let h = height + 1; h <= chain.height && marks.length < BLOCKS / SEGMENT; h++) {
				for (const tx of chain.blockAt(h)!.block.txs) {
					if (tx.kind !== 'msg.ack') continue;
					for (const raw of (tx.body as { ids: Uint8Array[] }).ids) {
						const id = toHex(raw);
						const message = sent.get(id);
						if (!message || getDelivery(chain.state, id, message.recipient)?.status !== 'acked') continue;
						acked++;
						latencies.push((performance.now() - message.at) / 1000);
						sent.delete(id);
						underWay[message.sender]!--;
					}
				}
				if (h % SEGMENT === 0) marks.push({ acked, at: performance.now() });
			}
			height = chain.height;
			senders.forEach((_, s) => topUp(s));
		}
		const end = marks[marks.length - 1]!;
		const segments = marks.map((m, i) => {
			const before = i === 0 ? { acked: 0, at: start } : marks[i - 1]!;
			return { acked: m.acked - before.acked, seconds: (m.at - before.at) / 1000 };
		});
		return { seconds: (end.at - start) / 1000, acked: end.acked, segments, latency: median(latencies) };
	} finally {
		for (const n of nodes) n.close();
	}
}

const suite: Suite = {
	name: 'e2e',
	title: `Messages end to end: 5 in-process nodes, submit → block → ack → block, a chain of ${BLOCKS} blocks`,
	order: 80,
	async run(ctx) {
		const pool = new VerifierPool();
		try {
			const runs: Run[] = [];
			for (let s = 0; s < SAMPLES; s++) {
				runs.push(await run(pool.verify));
				ctx.log(`run ${s + 1}: ${runs[s]!.acked} messages acknowledged in ${runs[s]!.seconds.toFixed(1)} s`);
			}
			const rates = runs.map((r) => r.acked / r.seconds);
			ctx.record({
				id: 'messages',
				label: `messages acknowledged end to end, ${MEMBERS} members × ${WINDOW} under way, up to block ${BLOCKS}`,
				value: median(rates),
				samples: rates,
				unit: 'msg/s',
				better: 'higher',
				reference: REFERENCE.queueEndToEnd
			});
			const segment = (i: number): number[] => runs.map((r) => r.segments[i]!.acked / r.segments[i]!.seconds);
			const first = ctx.record({ id: 'messages.first', label: `the same, blocks 1–${SEGMENT}`, value: median(segment(0)), samples: segment(0), unit: 'msg/s', better: 'higher' });
			const lastIndex = BLOCKS / SEGMENT - 1;
			const last = ctx.record({ id: 'messages.last', label: `the same, blocks ${BLOCKS - SEGMENT + 1}–${BLOCKS}`, value: median(segment(lastIndex)), samples: segment(lastIndex), unit: 'msg/s', better: 'higher' });
			ctx.record({ id: 'messages.last/first', label: `blocks ${BLOCKS - SEGMENT + 1}–${BLOCKS} ÷ blocks 1–${SEGMENT} (the reference falls to about 0.25–0.4×)`, value: last.value / first.value, unit: '×', better: 'higher', of: [last.id, first.id] });
			const latency = runs.map((r) => r.latency);
			ctx.record({ id: 'latency', label: 'send → acknowledgement in a block, median', value: median(latency) * 1000, samples: latency.map((l) => l * 1000), unit: 'ms', better: 'lower' });
		} finally {
			await pool.close();
		}
	}
};

export default suite;
