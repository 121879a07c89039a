/**
 * Pending transactions waiting for a block. Unlike the reference pool (which
 * evicts the oldest and deduplicates by object identity) it deduplicates by
 * id, evicts the lowest fee when full, keeps each sender's transactions in
 * nonce order, lets a sender replace a pending transaction by paying more for
 * the same nonce, caps what one sender may hold, and drops what expired.
 *
 * `select` yields the order to try for a block: across senders by fee
 * (highest first, then lowest id), within a sender strictly by nonce starting
 * at the sender's next nonce, so nothing is offered that cannot apply.
 */
import { compareBytes, toHex, type Hex } from './bytes.js';
import { AgoraError } from './errors.js';
import { txId, txIdHex, type Tx } from './tx/tx.js';

export interface MempoolLimits {
	readonly capacity: number;
	readonly perSender: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = { capacity: 10_000, perSender: 256 };

export type MempoolAdd = 'added' | 'replaced';

/** Orders by fee descending, then id ascending: a total, deterministic order. */
function higherPriority(a: Tx, b: Tx): boolean {
	if (a.fee !== b.fee) return a.fee > b.fee;
	return compareBytes(txId(a), txId(b)) < 0;
}

export class Mempool {
	private readonly byId = new Map<Hex, Tx>();
	/** sender → nonce → tx */
	private readonly bySender = new Map<Hex, Map<number, Tx>>();

	constructor(private readonly limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS) {}

	get size(): number {
		return this.byId.size;
	}

	has(id: Hex): boolean {
		return this.byId.has(id);
	}

	get(id: Hex): Tx | undefined {
		return this.byId.get(id);
	}

	all(): Tx[] {
		return [...this.byId.values()];
	}

	/**
	 * Adds a transaction whose signature and stateless rules were checked.
	 * `nextNonce` is the sender's next nonce in the head state.
	 */
	add(tx: Tx, now: number, nextNonce: number): MempoolAdd {
		const id = txIdHex(tx);
		if (this.byId.has(id)) throw new AgoraError('E_TX_DUPLICATE', `transaction ${id.slice(0, 16)}… is already pending`, 'id', id);
		if (tx.expires <= now) throw new AgoraError('E_TX_EXPIRED', `transaction expired at ${tx.expires}`, 'expires', tx.expires);
		if (tx.nonce < nextNonce) throw new AgoraError('E_TX_NONCE', `nonce ${tx.nonce} was already used (next is ${nextNonce})`, 'nonce', tx.nonce);
		const sender = toHex(tx.from);
		const queue = this.bySender.get(sender);
		const existing = queue?.get(tx.nonce);
		if (existing) {
			if (tx.fee <= existing.fee) {
				throw new AgoraError('E_TX_FEE', `replacing a pending transaction needs a fee above ${existing.fee}`, 'fee', tx.fee);
			}
			this.delete(existing);
			this.insert(sender, tx);
			return 'replaced';
		}
		if ((queue?.size ?? 0) >= this.limits.perSender) {
			throw new AgoraError('E_TX_NOT_ALLOWED', `sender already has ${this.limits.perSender} pending transactions`, 'from', sender);
		}
		if (this.byId.size >= this.limits.capacity) {
			const lowest = this.lowest();
			if (!lowest || !higherPriority(tx, lowest)) {
				throw new AgoraError('E_TX_FEE', `the pool is full and fee ${tx.fee} does not beat its lowest fee ${lowest?.fee}`, 'fee', tx.fee);
			}
			this.delete(lowest);
		}
		this.insert(sender, tx);
		return 'added';
	}

	remove(tx: Tx): void {
		if (this.byId.has(txIdHex(tx))) this.delete(tx);
	}

	/** Drops expired transactions and those whose nonce the chain has used. Returns what was dropped. */
	prune(now: number, nextNonce: (sender: Hex) => number): Tx[] {
		const dropped: Tx[] = [];
		for (const [sender, queue] of this.bySender) {
			const next = nextNonce(sender);
			for (const tx of queue.values()) {
				if (tx.expires <= now || tx.nonce < next) dropped.push(tx);
			}
		}
		for (const tx of dropped) this.delete(tx);
		return dropped;
	}

	/** Candidates for the next block in the order to try them (see the module comment). */
	select(nextNonce: (sender: Hex) => number, max = Infinity): Tx[] {
		const heads: Tx[] = [];
		const cursor = new Map<Hex, number>();
		for (const [sender, queue] of this.bySender) {
			const next = nextNonce(sender);
			const head = queue.get(next);
			if (head) {
				heads.push(head);
				cursor.set(sender, next);
			}
		}
		const heap = new TxHeap(heads);
		const out: Tx[] = [];
		while (out.length < max) {
			const tx = heap.pop();
			if (!tx) break;
			out.push(tx);
			const sender = toHex(tx.from);
			const nonce = cursor.get(sender)! + 1;
			const following = this.bySender.get(sender)!.get(nonce);
			if (following) {
				cursor.set(sender, nonce);
				heap.push(following);
			}
		}
		return out;
	}

	private insert(sender: Hex, tx: Tx): void {
		this.byId.set(txIdHex(tx), tx);
		let queue = this.bySender.get(sender);
		if (!queue) this.bySender.set(sender, (queue = new Map()));
		queue.set(tx.nonce, tx);
	}

	private delete(tx: Tx): void {
		this.byId.delete(txIdHex(tx));
		const sender = toHex(tx.from);
		const queue = this.bySender.get(sender);
		queue?.delete(tx.nonce);
		if (queue?.size === 0) this.bySender.delete(sender);
	}

	/**
	 * The transaction to evict when full: lowest fee, and of those the highest nonce of its sender.
	 * Two passes rather than one running comparison: "same sender, higher nonce" and "higher id" do
	 * not form one order, and a single pass then depended on insertion order and could evict a
	 * sender's earlier nonce, stranding its later ones behind a gap.
	 */
	private lowest(): Tx | undefined {
		let fee = Infinity;
		for (const tx of this.byId.values()) if (tx.fee < fee) fee = tx.fee;
		let worst: Tx | undefined;
		for (const queue of this.bySender.values()) {
			// This sender's highest nonce at the lowest fee.
			let last: Tx | undefined;
			for (const tx of queue.values()) if (tx.fee === fee && (!last || tx.nonce > last.nonce)) last = tx;
			if (last && (!worst || higherPriority(worst, last))) worst = last;
		}
		return worst;
	}
}

/** A binary max-heap in `higherPriority` order. */
class TxHeap {
	private readonly items: Tx[] = [];
	constructor(items: Tx[]) {
		for (const tx of items) this.push(tx);
	}
	push(tx: Tx): void {
		const a = this.items;
		a.push(tx);
		let i = a.length - 1;
		while (i > 0) {
			const p = (i - 1) >> 1;
			if (!higherPriority(a[i]!, a[p]!)) break;
			[a[i], a[p]] = [a[p]!, a[i]!];
			i = p;
		}
	}
	pop(): Tx | undefined {
		const a = this.items;
		if (a.length === 0) return undefined;
		const top = a[0]!;
		const last = a.pop()!;
		if (a.length > 0) {
			a[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let m = i;
				if (l < a.length && higherPriority(a[l]!, a[m]!)) m = l;
				if (r < a.length && higherPriority(a[r]!, a[m]!)) m = r;
				if (m === i) break;
				[a[i], a[m]] = [a[m]!, a[i]!];
				i = m;
			}
		}
		return top;
	}
}
