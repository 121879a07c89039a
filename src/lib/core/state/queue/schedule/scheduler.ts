/**
 * The order in which one recipient receives its waiting messages, in a KV
 * store under `prefix`. Two levels:
 *
 * 1. Within a priority class, each sender is a flow (its messages in the
 *    order sent) and flows take turns by self-clocked fair queuing: a flow's
 *    head gets the tag V + cost, where V is the class's last served tag and
 *    the cost shrinks with the message's fee bonus and grows as its sender's
 *    anti-monopoly weight falls (see fairness.ts). The flows of a class sit in
 *    a heap by tag, so a flooding sender is one flow among the others.
 * 2. Among the five classes, the policy's algorithm chooses (classes.ts).
 *
 * On top, no sender gets more than `maxConsecutive` messages in a row while
 * another sender waits: when the sender that had them would come next, the
 * best flow of another sender is served instead. It is the root of a class's
 * heap or one of the root's two children (a sender has one flow per class),
 * so this costs O(1) reads.
 *
 * Choosing and taking the next message reads and writes O(log n) keys for n
 * waiting flows, whatever the algorithm. Items the caller no longer wants
 * (acknowledged early, expired) are skipped when they reach the front of
 * their flow, so removing one costs nothing up front and O(log n) once.
 */
import type { Encodable } from '../../../codec.js';
import { PRIORITIES, type Priority, type PriorityPolicy } from '../../policy.js';
import type { KV } from '../kv.js';
import { KvList } from '../list.js';
import { IDLE_CLASSES, serveClass, CLASS_COUNT, type ClassHead, type ClassState } from './classes.js';
import { flowCost } from './fairness.js';
import { entryBefore, KvHeap, type HeapEntry } from './heap.js';

export interface SchedItem {
	readonly id: string;
	readonly sender: string;
	readonly priority: Priority;
	/** Bytes (deficit round robin counts them). */
	readonly size: number;
	readonly bonusPpm: number;
	/** When the item started to wait (ageing). */
	readonly readyAt: number;
}

export interface SchedulerEnv {
	readonly policy: PriorityPolicy;
	/** Whether an item pushed earlier still wants to be delivered. */
	readonly live: (id: string) => boolean;
	/** The sender's weight after the anti-monopoly penalty, now. */
	readonly senderWeight: (sender: string) => number;
}

/** What a flow keeps per item. */
type FlowItem = [id: string, size: number, bonusPpm: number, readyAt: number];

interface SchedState {
	readonly classes: ClassState;
	/** Each class's flow-level virtual time, and its heap's size. */
	readonly vflow: number[];
	readonly sizes: number[];
	/** Tie-breaking counter for heap entries. */
	readonly order: number;
	/** The sender served last and how many of its messages came in a row. */
	readonly last: string | null;
	readonly run: number;
}

const IDLE: SchedState = {
	classes: IDLE_CLASSES,
	vflow: Array<number>(CLASS_COUNT).fill(0),
	sizes: Array<number>(CLASS_COUNT).fill(0),
	order: 0,
	last: null,
	run: 0
};

interface Head extends ClassHead {
	readonly sender: string;
	/** Where its flow sits in the class heap. */
	readonly index: number;
}

export class InboxScheduler {
	private st: { -readonly [K in keyof SchedState]: SchedState[K] };
	private readonly heaps: KvHeap[];

	constructor(
		private readonly kv: KV,
		private readonly prefix: string,
		private readonly env: SchedulerEnv
	) {
		const saved = kv.get(prefix) as Partial<SchedState> | undefined;
		this.st = { ...IDLE, ...saved, vflow: [...(saved?.vflow ?? IDLE.vflow)], sizes: [...(saved?.sizes ?? IDLE.sizes)] };
		this.heaps = PRIORITIES.map((_, c) => new KvHeap(kv, `${prefix}/h${c}`, this.st.sizes[c]!));
	}

	/** Adds an item behind its sender's earlier items of the same priority. */
	push(item: SchedItem): void {
		const c = PRIORITIES.indexOf(item.priority);
		const flow = this.flow(c, item.sender);
		const wasIdle = flow.size === 0;
		flow.push([item.id, item.size, item.bonusPpm, item.readyAt]);
		if (wasIdle) {
			if (this.heaps[c]!.size === 0) this.st.vflow[c] = 0;
			this.heaps[c]!.push([this.st.vflow[c]! + this.cost(item.bonusPpm, item.sender), this.st.order++, item.sender]);
		}
		this.save();
	}

	/** Takes the item to deliver next, or null when nothing live is waiting. */
	next(now: number): SchedItem | null {
		// A choice looks at each class's root, and when the consecutive cap applies at the root's two children
		// too: their heads must be live. Cleaning the children can move a new flow to the root, so then the
		// natural choice is made again.
		let reach = 1;
		let heads: Array<Head | null>;
		let choice: ReturnType<typeof serveClass>;
		for (;;) {
			for (let c = 0; c < CLASS_COUNT; c++) this.clean(c, reach);
			heads = PRIORITIES.map((_, c) => this.head(c, 0, true));
			choice = serveClass(this.env.policy, this.st.classes, heads, now);
			if (!choice) {
				this.save();
				return null;
			}
			if (heads[choice.rank]!.sender !== this.st.last || this.st.run < this.env.policy.maxConsecutive || reach === 3) break;
			reach = 3;
		}
		if (heads[choice.rank]!.sender === this.st.last && this.st.run >= this.env.policy.maxConsecutive) {
			const others = PRIORITIES.map((_, c) => this.otherThan(c, this.st.last!));
			const other = serveClass(this.env.policy, this.st.classes, others, now);
			if (other) [choice, heads] = [other, others];
		}
		const head = heads[choice.rank]!;
		const item = this.take(choice.rank, head.index);
		this.st.classes = choice.state;
		this.st.run = item.sender === this.st.last ? this.st.run + 1 : 1;
		this.st.last = item.sender;
		this.save();
		return item;
	}

	private flow(c: number, sender: string): KvList<FlowItem> {
		return new KvList<FlowItem>(this.kv, `${this.prefix}/f${c}/${sender}`);
	}

	private cost(bonusPpm: number, sender: string): number {
		return flowCost(bonusPpm, this.env.senderWeight(sender));
	}

	private head(c: number, index: number, eligible: boolean): Head | null {
		const entry = this.heaps[c]!.at(index);
		if (!entry) return null;
		const [, size, bonusPpm, readyAt] = this.flow(c, entry[2]).peek()!;
		return { sender: entry[2], index, size, bonusPpm, readyAt, weightPpm: this.env.senderWeight(entry[2]), eligible };
	}

	/** The class's best flow from a sender other than `sender` (eligible), or its head marked not eligible. */
	private otherThan(c: number, sender: string): Head | null {
		const heap = this.heaps[c]!;
		if (heap.size === 0) return null;
		if (heap.at(0)![2] !== sender) return this.head(c, 0, true);
		const [a, b] = [heap.at(1), heap.at(2)];
		const best = a && b ? (entryBefore(a, b) ? 1 : 2) : a ? 1 : b ? 2 : -1;
		return best < 0 ? this.head(c, 0, false) : this.head(c, best, true);
	}

	/** Drops dead items from the front of the flows at the first `reach` heap positions until each holds a live head. */
	private clean(c: number, reach: number): void {
		const heap = this.heaps[c]!;
		for (;;) {
			const i = [0, 1, 2].slice(0, reach).find((p) => {
				const entry = heap.at(p);
				return entry !== undefined && !this.env.live(this.flow(c, entry[2]).peek()![0]);
			});
			if (i === undefined) return;
			this.advance(c, i, this.st.vflow[c]!);
		}
	}

	/** Removes the head item of the flow at heap position i and re-files the flow (or drops it when empty). */
	private advance(c: number, i: number, base: number): FlowItem {
		const heap = this.heaps[c]!;
		const sender = heap.at(i)![2];
		const flow = this.flow(c, sender);
		const item = flow.shift()!;
		const next = flow.peek();
		if (next) heap.replace(i, [base + this.cost(next[2], sender), this.st.order++, sender] as HeapEntry);
		else heap.remove(i);
		return item;
	}

	private take(c: number, index: number): SchedItem {
		const heap = this.heaps[c]!;
		const [tag, , sender] = heap.at(index)!;
		this.st.vflow[c] = tag;
		const [id, size, bonusPpm, readyAt] = this.advance(c, index, tag);
		if (heap.size === 0) this.st.vflow[c] = 0;
		return { id, sender, priority: PRIORITIES[c]!, size, bonusPpm, readyAt };
	}

	/** An idle inbox keeps only who was served last (the consecutive rule spans idle spells); the rest starts over. */
	private save(): void {
		this.heaps.forEach((h, c) => (this.st.sizes[c] = h.size));
		const idle = this.st.sizes.every((n) => n === 0);
		const value = idle ? (this.st.last === null ? undefined : { last: this.st.last, run: this.st.run }) : (this.st as unknown as Encodable);
		this.kv.put(this.prefix, value);
	}
}
