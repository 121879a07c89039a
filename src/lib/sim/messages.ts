/**
 * Queue traffic. Members declare topics and subscribe to them, and send
 * direct and topic messages of every priority and delivery guarantee (some
 * short-lived, some topic messages an attachment that no one reads as
 * text); recipients answer what their own chain shows in flight to them:
 * most acknowledge, some only when it comes a second time, some ask for it
 * again later, some reject what they cannot read, some never answer.
 * Messages to members who are away (offline for a while, or absent members
 * with no node at all) are redelivered, then dead-lettered or expire.
 *
 * Every message is sealed end to end for its recipient, pays what the fee
 * policy asks (the policy a passed proposal has scheduled too, in case it
 * takes over before the block) and is dry-run by the member's node first.
 * A node that answers messages by itself only gets there first: what this
 * actor then sends is refused by the dry run and changes nothing.
 */
import { fromHex, toHex, utf8, type Bytes, type Hex } from '../core/bytes.js';
import type { Encodable } from '../core/codec.js';
import { sealDirect } from '../core/crypto/direct.js';
import { listMembers } from '../core/state/members.js';
import { getPolicy, GUARANTEES, pendingPolicy, PRIORITIES, type FeePolicy, type Guarantee, type Priority } from '../core/state/policy.js';
import { requiredFee } from '../core/state/queue/fee.js';
import { streamOf } from '../core/state/queue/keys.js';
import { getStream } from '../core/state/queue/ordering.js';
import { inFlight } from '../core/state/queue/queries.js';
import { sentInWindow } from '../core/state/queue/quota.js';
import { MAX_ACKS } from '../core/state/queue/receipts.js';
import { getMessage } from '../core/state/queue/records.js';
import { readSendBody } from '../core/state/queue/send.js';
import { getTopic } from '../core/state/queue/topics.js';
import type { StateTree } from '../core/state/tree.js';
import type { Actor } from './actors.js';
import type { Rng } from './rng.js';
import type { Simulation, SimMember } from './world.js';

export const TEXT = 'text/plain; charset=utf-8';
export const ATTACHMENT = 'application/octet-stream';

/** A message as a member writes it. */
export interface Draft {
	/** A member's key, or null for a topic message. */
	readonly to: Hex | null;
	readonly topic: string | null;
	readonly priority: Priority;
	readonly guarantee: Guarantee;
	readonly content: Bytes;
	readonly contentType: string;
	/** How long it lives, from now (null: the delivery policy's default). */
	readonly lifetimeMs: number | null;
	/** Deliveries before it is dead-lettered (null: the policy's default). */
	readonly maxDeliveries: number | null;
}

/**
 * The fee `sender` offers for a message in the next block: what the fee
 * policy in force asks after the sender's messages still waiting for a
 * block, or what a policy already scheduled asks if that is more.
 */
export function messageFee(view: StateTree, sender: Hex, m: { readonly bytes: number; readonly priority: Priority; readonly guarantee: Guarantee; readonly recipients: number }, time: number, waiting: number): number {
	const sent = sentInWindow(view, sender, time, getPolicy(view, 'priority')) + waiting;
	const pending = pendingPolicy(view, 'fee');
	const policies: FeePolicy[] = pending ? [getPolicy(view, 'fee'), pending.value] : [getPolicy(view, 'fee')];
	return Math.max(...policies.map((p) => requiredFee(p, { ...m, sentInWindow: sent })));
}

/** The member's `msg.send` transactions waiting for a block. */
function waitingSends(member: SimMember): Encodable[] {
	return member.node.ownTxs().flatMap((own) => (own.status !== 'failed' && own.tx.kind === 'msg.send' ? [own.tx.body] : []));
}

/** The next sequence number of one of the member's ordered streams: after the chain's and after its waiting messages'. */
function nextSeq(member: SimMember, view: StateTree, to: Hex | null, topic: string | null): number {
	const stream = streamOf(member.key, to, topic);
	let next = getStream({ state: view }, stream).next;
	for (const body of waitingSends(member)) {
		const b = readSendBody(body);
		if (b.seq !== null && streamOf(member.key, b.to, b.topic) === stream) next = Math.max(next, b.seq + 1);
	}
	return next;
}

/**
 * Sends a message from `from` as `draft` says: sealed for its recipient, and
 * paying its fee; its id, or null if refused. The body is made once the
 * member's earlier submissions are saved, so that its fee and sequence number
 * count them.
 */
export function sendMessage(sim: Simulation, from: SimMember, draft: Draft, rng: Rng): Promise<Hex | null> {
	return sim.submitWith(from, () => {
		const view = from.node.chain!.state;
		const now = sim.clock.now();
		const expires = draft.lifetimeMs === null ? null : now + draft.lifetimeMs;
		const payload = draft.to === null ? draft.content : sealDirect({ plaintext: draft.content, sender: from.keys, recipient: fromHex(draft.to), random: (n) => rng.bytes(n) });
		const body: Record<string, Encodable> = {
			...(draft.to === null ? { topic: draft.topic! } : { to: fromHex(draft.to) }),
			priority: draft.priority,
			guarantee: draft.guarantee,
			category: 'social',
			type: draft.to === null ? 'notice' : 'note',
			contentType: draft.contentType,
			payload,
			...(draft.guarantee === 'exactlyOnce' ? { idempotencyKey: rng.bytes(16) } : {}),
			...(draft.guarantee === 'ordered' ? { seq: nextSeq(from, view, draft.to, draft.topic) } : {}),
			...(expires === null ? {} : { expires }),
			...(draft.maxDeliveries === null ? {} : { maxDeliveries: draft.maxDeliveries })
		};
		// A topic reaches at most every other member: the fee for as many covers subscribers who join meanwhile.
		const recipients = draft.to === null ? Math.max(1, listMembers(view).length - 1) : 1;
		const fee = messageFee(view, from.key, { bytes: payload.length, priority: draft.priority, guarantee: draft.guarantee, recipients }, now, waitingSends(from).length);
		return { kind: 'msg.send', body, options: { fee, preflight: true, ...(expires === null ? {} : { expires }) } };
	});
}

export interface MessageTrafficOptions {
	/** Messages per virtual second, all members together (a Poisson process). */
	readonly perSecond: number;
	/** Topics the founding members declare at the start, in turn. */
	readonly topics: readonly string[];
	/** Patterns each founding member subscribes with one or two of, at the start. */
	readonly patterns: readonly string[];
	/** Share of messages sent to a topic rather than a member. */
	readonly toTopic: number;
	/** Share of messages that live only 6 to 10 s. */
	readonly shortLived: number;
	/** Share of topic messages that carry an attachment instead of text. */
	readonly attachments: number;
	/**
	 * Open by writing to each absent member, once with a short life and once
	 * with the default one, so that every run has a message that expires and
	 * one that is dead-lettered, however the dice fall.
	 */
	readonly opening: boolean;
}

export const DEFAULT_MESSAGE_TRAFFIC: MessageTrafficOptions = {
	perSecond: 1.5,
	topics: ['news.general', 'news.local', 'alerts.fire'],
	patterns: ['news.*', 'news.local', 'alerts.#', '#'],
	toTopic: 0.3,
	shortLived: 0.2,
	attachments: 0.15,
	opening: true
};

/** Something a member must get done: retried each tick, by the first of `by` who can act, until its transaction is saved. */
interface Errand {
	readonly at: number;
	readonly by: readonly number[];
	readonly run: (member: SimMember) => Promise<Hex | null>;
	state: 'waiting' | 'sending' | 'done';
}

const TICK_MS = 500;
const SHORT_LIFE_MS: readonly [number, number] = [6_000, 10_000];

export class MessageTraffic implements Actor {
	readonly name = 'messages';
	private readonly errands: Errand[] = [];
	private sent = 0;

	constructor(private readonly options: MessageTrafficOptions = DEFAULT_MESSAGE_TRAFFIC) {}

	start(sim: Simulation): void {
		const rng = sim.rng(this.name);
		this.plan(sim, rng);
		sim.clock.every(TICK_MS, () => {
			this.runErrands(sim);
			return this.errands.some((e) => e.state !== 'done');
		});
		if (this.options.perSecond <= 0) return;
		const meanGap = 1000 / this.options.perSecond;
		const next = (): void => {
			sim.clock.setTimeout(() => {
				this.sendOne(sim, rng);
				next();
			}, rng.exponential(meanGap));
		};
		next();
	}

	/** The start: topics declared, subscriptions made, and the opening messages to absent members. */
	private plan(sim: Simulation, rng: Rng): void {
		const { founders, absent } = sim.community;
		const { topics, patterns } = this.options;
		topics.forEach((name, i) => this.errand(500 + 300 * i, [founders[i % founders.length]!], (m) => sim.submit(m, 'topic.create', { name, mode: 'clear', description: `the ${name} topic` }, { preflight: true })));
		founders.forEach((f, j) => {
			for (const pattern of rng.shuffle(patterns).slice(0, rng.int(1, 2))) this.errand(1_000 + 200 * j, [f], (m) => sim.submit(m, 'topic.subscribe', { pattern }, { preflight: true }));
		});
		if (!this.options.opening) return;
		for (const who of absent) {
			const to = toHex(who.publicKey);
			for (const lifetimeMs of [rng.int(...SHORT_LIFE_MS), null]) {
				this.errand(2_500, founders, (m) => sendMessage(sim, m, { to, topic: null, priority: 'normal', guarantee: 'atLeastOnce', content: utf8(`are you there, ${to.slice(0, 8)}?`), contentType: TEXT, lifetimeMs, maxDeliveries: null }, rng));
			}
		}
	}

	private errand(at: number, by: readonly number[], run: Errand['run']): void {
		this.errands.push({ at, by, run, state: 'waiting' });
	}

	private runErrands(sim: Simulation): void {
		for (const e of this.errands) {
			if (e.state !== 'waiting' || sim.elapsedMs < e.at) continue;
			const member = e.by.map((i) => sim.members[i]!).find((m) => sim.canAct(m));
			if (!member) continue;
			e.state = 'sending';
			void e.run(member).then((id) => (e.state = id === null ? 'waiting' : 'done'));
		}
	}

	/** One message from a random member who can act, to another member or to a declared topic. */
	private sendOne(sim: Simulation, rng: Rng): void {
		const senders = sim.members.filter((m) => sim.canAct(m));
		if (senders.length === 0) return;
		const from = rng.pick(senders);
		const view = from.node.chain!.state;
		const topics = this.options.topics.filter((t) => getTopic(view, t));
		const others = listMembers(view).filter((k) => k !== from.key);
		const toTopic = topics.length > 0 && (others.length === 0 || rng.chance(this.options.toTopic));
		if (!toTopic && others.length === 0) return;
		const attachment = toTopic && rng.chance(this.options.attachments);
		const n = ++this.sent;
		void sendMessage(
			sim,
			from,
			{
				to: toTopic ? null : rng.pick(others),
				topic: toTopic ? rng.pick(topics) : null,
				priority: rng.pick(PRIORITIES),
				guarantee: rng.pick(GUARANTEES),
				content: attachment ? rng.bytes(rng.int(64, 512)) : utf8(`message ${n} from ${from.name}: ${'lorem ipsum '.repeat(rng.int(1, 40))}`),
				contentType: attachment ? ATTACHMENT : TEXT,
				lifetimeMs: rng.chance(this.options.shortLived) ? rng.int(...SHORT_LIFE_MS) : null,
				maxDeliveries: null
			},
			rng
		);
	}
}

/** How recipients answer a delivery: shares of each way (the rest never answer); what is not text is always rejected. */
export interface AnswerMix {
	/** Acknowledge at once. */
	readonly ack: number;
	/** Leave the first delivery, acknowledge the second. */
	readonly lateAck: number;
	/** Ask for it again later (a nack with requeue), then acknowledge it. */
	readonly retry: number;
	/** Reject it (a nack without requeue): dead-lettered at once. */
	readonly reject: number;
}

export const DEFAULT_ANSWERS: AnswerMix = { ack: 0.65, lateAck: 0.1, retry: 0.08, reject: 0.04 };

type Answer = keyof AnswerMix | 'ignore';

interface Plan {
	readonly answer: Answer;
	/** Virtual time from which the recipient answers (it takes a moment to read). */
	readonly at: number;
}

/** No answer is sent this close to a message's expiry or the end of its delivery window: it might reach a block too late. */
const ANSWER_MARGIN_MS = 2_000;
const READ_MS: readonly [number, number] = [0, 1_500];

export class Recipients implements Actor {
	readonly name = 'recipients';
	/** By `${message}/${node index}`. */
	private readonly plans = new Map<string, Plan>();
	/** Deliveries whose answer is saved, by `${message}/${node index}/${attempt}`: a retry's nack answers only its attempt. */
	private readonly answered = new Set<string>();

	constructor(private readonly mix: AnswerMix = DEFAULT_ANSWERS) {}

	start(sim: Simulation): void {
		const rng = sim.rng(this.name);
		sim.clock.every(TICK_MS, () => {
			for (const m of sim.members) if (sim.canAct(m)) this.answer(sim, m, rng);
		});
	}

	/** Answers what the member's chain shows in flight to it, as each delivery's plan says: acks in one transaction, nacks one each. */
	private answer(sim: Simulation, m: SimMember, rng: Rng): void {
		const view = m.node.chain!.state;
		const now = sim.clock.now();
		const acks: Array<{ readonly id: Hex; readonly key: string }> = [];
		let acksExpire = Number.POSITIVE_INFINITY;
		for (const d of inFlight(view, m.key)) {
			const msg = getMessage(view, d.id)!;
			const key = `${d.id}/${m.index}/${d.attempts}`;
			if (msg.expires - now <= ANSWER_MARGIN_MS || this.answered.has(key)) continue;
			const plan = this.planOf(`${d.id}/${m.index}`, msg.contentType, rng, now);
			if (now < plan.at) continue;
			const nackable = d.status === 'inflight' && d.due - now > ANSWER_MARGIN_MS;
			const acking = plan.answer === 'ack' || ((plan.answer === 'lateAck' || plan.answer === 'retry') && d.attempts >= 2);
			if (acking && acks.length < MAX_ACKS) {
				acks.push({ id: d.id, key });
				acksExpire = Math.min(acksExpire, msg.expires);
			} else if (nackable && (plan.answer === 'reject' || plan.answer === 'retry')) {
				const requeue = plan.answer === 'retry';
				const reason = requeue ? 'busy, send it again later' : msg.contentType === TEXT ? 'not for me' : `cannot read ${msg.contentType}`;
				this.settle(key, sim.submit(m, 'msg.nack', { id: fromHex(d.id), reason, requeue }, { preflight: true, expires: d.due }));
			}
		}
		if (acks.length === 0) return;
		const sent = sim.submit(m, 'msg.ack', { ids: acks.map((a) => fromHex(a.id)) }, { preflight: true, expires: acksExpire });
		for (const a of acks) this.settle(a.key, sent);
	}

	/** Marks a delivery answered now; a refused answer (the node answered first, or the member is stalled) unmarks it, to look again. */
	private settle(key: string, sent: Promise<Hex | null>): void {
		this.answered.add(key);
		void sent.then((id) => id === null && this.answered.delete(key));
	}

	private planOf(key: string, contentType: string, rng: Rng, now: number): Plan {
		let plan = this.plans.get(key);
		if (!plan) {
			const at = now + rng.int(...READ_MS);
			plan = { answer: contentType === TEXT ? this.draw(rng) : 'reject', at };
			this.plans.set(key, plan);
		}
		return plan;
	}

	private draw(rng: Rng): Answer {
		let x = rng.next();
		for (const answer of ['ack', 'lateAck', 'retry', 'reject'] as const) {
			if (x < this.mix[answer]) return answer;
			x -= this.mix[answer];
		}
		return 'ignore';
	}
}
