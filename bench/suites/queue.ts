/**
 * The chain-backed message queue in the core (issue 5).
 *
 * Throughput: 100,000 direct messages through the state machine, from
 * 1,000 senders to 20 recipients, 1,000 `msg.send` a block; every block each
 * recipient acknowledges (`msg.ack`) what is in flight to it, which frees its
 * slots for the scheduler's next choices. Recipients get 50 messages a block
 * and have 32 slots, so backlogs build up while messages arrive and drain
 * after: enqueue, schedule and acknowledge all run with messages waiting.
 * Every block ends as a block does (hooks, timers, state root).
 *
 * Depth: what choosing the next message costs as one inbox holds 1,000 to
 * 1,000,000 pending messages, each from its own sender (every sender is a
 * flow: the scheduler's heaps' worst case) and all of one priority (so the
 * choices come from one heap that holds them all, as deep as it gets). Time
 * per choice and state keys read or written per choice at each depth, and
 * how both grow per 10× depth: logarithmic growth adds a constant per 10×,
 * so the ratios stay near 1, where the reference's re-sorted list is linear
 * per choice (quadratic overall). Time also grows with what no algorithm
 * avoids: a larger state is a larger map, with more cache misses per key.
 */
import { toHex, type Hex } from '../../src/lib/core/bytes.js';
import type { Encodable } from '../../src/lib/core/codec.js';
import { encodeDirectEnvelope } from '../../src/lib/core/crypto/envelope.js';
import { PPM } from '../../src/lib/core/params.js';
import { DEFAULT_POLICIES, PRIORITIES } from '../../src/lib/core/state/policy.js';
import { requiredFee } from '../../src/lib/core/state/queue/fee.js';
import { queueKeys } from '../../src/lib/core/state/queue/keys.js';
import { MemoryKV, type KV } from '../../src/lib/core/state/queue/kv.js';
import { KvList } from '../../src/lib/core/state/queue/list.js';
import { InboxScheduler, type SchedItem, type SchedulerEnv } from '../../src/lib/core/state/queue/schedule/scheduler.js';
import { median, type Figure, type Suite, type SuiteContext } from '../harness.js';
import { REFERENCE } from '../reference.js';
import { Machine, memberId } from '../machine.js';

const MESSAGES = 100_000;
const SENDERS = 1_000;
const RECIPIENTS = 20;
const SENDS_PER_BLOCK = 1_000;
const DEPTHS = [1_000, 10_000, 100_000, 1_000_000] as const;
const CHOICES = 4_000;
/** Inboxes this deep are filled once and measured in turn, each sample taking its choices from what the last left. */
const FILL_ONCE_FROM = 100_000;

/** A well-formed direct envelope: the chain checks its shape, never its contents. */
const PAYLOAD = encodeDirectEnvelope({ v: 1, epk: new Uint8Array(32).fill(7), keys: [new Uint8Array(48), new Uint8Array(48)], nonce: new Uint8Array(24), ct: new Uint8Array(64) });
/** The fee the default policy asks of such a message at each priority, once its sender is past the small-sender discount. */
const FEES = PRIORITIES.map((priority) => requiredFee(DEFAULT_POLICIES.fee, { bytes: PAYLOAD.length, priority, guarantee: 'atLeastOnce', recipients: 1, sentInWindow: DEFAULT_POLICIES.fee.smallSenderMessages }));

interface Run {
	readonly seconds: number;
	/** Of which computing state roots. */
	readonly rootSeconds: number;
	readonly blocks: number;
	readonly acks: number;
	readonly maxBacklog: number;
}

/** One full run on a fresh community: every message sent, delivered and acknowledged. */
function throughput(): Run {
	const recipients = Array.from({ length: RECIPIENTS }, (_, i) => memberId(1 + i));
	const senders = Array.from({ length: SENDERS }, (_, i) => memberId(1 + RECIPIENTS + i));
	const m = new Machine({
		members: [...recipients, ...senders].map((key, i) => ({ key, name: `member ${i}` })),
		allocations: senders.map((key) => ({ key, amount: 1_000_000 }))
	});
	const hex = recipients.map(toHex);
	// How far into each recipient's log of dispatched messages its acknowledgements have got.
	const acked = new Array<number>(RECIPIENTS).fill(0);
	const start = performance.now();
	let sent = 0;
	let done = 0;
	let acks = 0;
	let maxBacklog = 0;
	while (done < MESSAGES) {
		for (let r = 0; r < RECIPIENTS; r++) {
			const log = new KvList<Hex>(m.state, queueKeys.dispatched(hex[r]!));
			const ids: Uint8Array[] = [];
			for (; acked[r]! < log.end; acked[r]!++) ids.push(Buffer.from(log.at(acked[r]!)!, 'hex'));
			if (ids.length === 0) continue;
			m.apply(recipients[r]!, 'msg.ack', { ids });
			acks++;
			done += ids.length;
		}
		for (let i = 0; i < SENDS_PER_BLOCK && sent < MESSAGES; i++, sent++) {
			const p = sent % PRIORITIES.length;
			const body: Encodable = { to: recipients[sent % RECIPIENTS]!, priority: PRIORITIES[p]!, guarantee: 'atLeastOnce', category: 'social', type: 'chat.text', contentType: 'text/plain', payload: PAYLOAD };
			m.apply(senders[sent % SENDERS]!, 'msg.send', body, FEES[p]);
		}
		maxBacklog = Math.max(maxBacklog, (sent - done) / RECIPIENTS);
		m.endBlock();
	}
	const seconds = (performance.now() - start) / 1000;
	// Each message was dispatched once and acknowledged once (a failed acknowledgement throws).
	if (done !== MESSAGES) throw new Error(`${done} of ${MESSAGES} messages were acknowledged`);
	return { seconds, rootSeconds: m.rootMs / 1000, blocks: m.height - 1, acks, maxBacklog };
}

async function inState(ctx: SuiteContext): Promise<void> {
	ctx.log(`${MESSAGES.toLocaleString('en-US')} messages through the state machine…`);
	const runs = [throughput(), throughput(), throughput()];
	const rates = runs.map((r) => MESSAGES / r.seconds);
	const run = runs[0]!;
	ctx.record({
		id: 'throughput',
		label: `enqueue + schedule + ack, ${MESSAGES.toLocaleString('en-US')} messages (state machine: ${SENDERS.toLocaleString('en-US')} senders, ${RECIPIENTS} recipients, ${run.blocks} blocks)`,
		value: median(rates),
		samples: rates,
		unit: 'msg/s',
		better: 'higher',
		note: `${run.acks} msg.ack transactions; up to ${Math.round(run.maxBacklog)} messages waiting per recipient`
	});
	const shares = runs.map((r) => r.rootSeconds / r.seconds);
	ctx.record({
		id: 'throughput.rootShare',
		label: 'of that time, computing state roots (every block touches most of the 4,096 buckets, whose hashing grows with the state)',
		value: median(shares),
		samples: shares,
		unit: '×',
		better: 'lower'
	});
}

/** Counts the keys an operation reads or writes. */
class CountingKV implements KV {
	touched = 0;
	constructor(private readonly inner: KV) {}
	get(key: string): Encodable | undefined {
		this.touched++;
		return this.inner.get(key);
	}
	put(key: string, value: Encodable | undefined): void {
		this.touched++;
		this.inner.put(key, value);
	}
}

const ENV: SchedulerEnv = { policy: DEFAULT_POLICIES.priority, live: () => true, senderWeight: () => PPM };

/** Message n, from its own sender, in one of the five classes, with varied sizes and fee bonuses. */
const item = (n: number): SchedItem => ({ id: `m${n}`, sender: `s${n}`, priority: PRIORITIES[n % PRIORITIES.length]!, size: 100 + (n % 7), bonusPpm: (n * 7919) % 200_000, readyAt: n });
/** The same in one class: every pending message in the heap the choices are made from, however many are taken. */
const normal = (n: number): SchedItem => ({ ...item(n), priority: 'normal' });

async function depth(ctx: SuiteContext): Promise<void> {
	// The reference's figure: enqueue then dequeue 1,000 messages.
	const thousand = await ctx.rate(
		() => {
			const kv = new MemoryKV();
			for (let n = 0; n < 1000; n++) new InboxScheduler(kv, 'in', ENV).push(item(n));
			for (let n = 0; n < 1000; n++) new InboxScheduler(kv, 'in', ENV).next(n);
		},
		{ ops: 1000 }
	);
	ctx.record({ id: 'enqueueDequeue1000', label: 'enqueue + dequeue 1,000 messages (one inbox\'s scheduler)', ...thousand, unit: 'msg/s', better: 'higher', reference: REFERENCE.queueEnqueueDequeue });

	const per: Array<{ depth: number; us: Figure; keys: Figure }> = [];
	let big: { kv: CountingKV; size: number } | null = null;
	for (const depth of DEPTHS) {
		ctx.log(`one inbox with ${depth.toLocaleString('en-US')} pending…`);
		// At most a tenth of the messages are taken per sample, so the depth stays near its mark; small inboxes are
		// filled afresh for each sample, large ones once (and grown to the next depth).
		const choices = Math.min(CHOICES, depth / 10);
		const samples: number[] = [];
		const keys: number[] = [];
		// Small inboxes take few choices a sample: more samples, after one that warms up and is left out.
		const count = depth < FILL_ONCE_FROM ? 12 : 5;
		for (let s = 0; s < count; s++) {
			let inbox: { kv: CountingKV; size: number };
			if (depth < FILL_ONCE_FROM) inbox = { kv: new CountingKV(new MemoryKV()), size: 0 };
			else inbox = big ??= { kv: new CountingKV(new MemoryKV()), size: 0 };
			for (; inbox.size < depth; inbox.size++) new InboxScheduler(inbox.kv, 'in', ENV).push(normal(inbox.size));
			let elapsed = 0;
			let touched = 0;
			for (let c = 0; c < choices; c++) {
				inbox.kv.touched = 0;
				const start = performance.now();
				const next = new InboxScheduler(inbox.kv, 'in', ENV).next(depth);
				elapsed += performance.now() - start;
				touched += inbox.kv.touched;
				if (!next) throw new Error('the inbox ran dry');
			}
			if (count > 5 && s === 0) continue;
			samples.push((elapsed * 1000) / choices);
			keys.push(touched / choices);
		}
		const d = depth.toLocaleString('en-US');
		per.push({
			depth,
			us: ctx.record({ id: `depth.${depth}.time`, label: `choose the next message, ${d} pending`, value: median(samples), samples, unit: 'µs', better: 'lower' }),
			keys: ctx.record({ id: `depth.${depth}.keys`, label: `state keys read or written per choice, ${d} pending`, value: median(keys), samples: keys, unit: 'keys', better: 'lower' })
		});
	}
	for (let i = 1; i < per.length; i++) {
		const [a, b] = [per[i - 1]!, per[i]!];
		const span = `${a.depth.toLocaleString('en-US')} → ${b.depth.toLocaleString('en-US')}`;
		ctx.record({ id: `growth.${b.depth}.time`, label: `growth per 10× depth, ${span}: time per choice (linear would be 10×)`, value: b.us.value / a.us.value, unit: '×', better: 'lower', of: [b.us.id, a.us.id] });
		ctx.record({ id: `growth.${b.depth}.keys`, label: `growth per 10× depth, ${span}: keys per choice`, value: b.keys.value / a.keys.value, unit: '×', better: 'lower', of: [b.keys.id, a.keys.id] });
	}
}

const suite: Suite = {
	name: 'queue',
	title: 'Message queue in the core: 100,000 messages; the cost of a choice from 1,000 to 1,000,000 pending',
	order: 70,
	async run(ctx) {
		await inState(ctx);
		await depth(ctx);
	}
};

export default suite;
