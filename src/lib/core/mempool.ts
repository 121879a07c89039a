/**
 * Pending transactions waiting for a block. Unlike the reference pool (which
 * evicts the oldest and deduplicates by object identity) it deduplicates by
 * id, evicts the lowest fee when full, keeps each sender's transactions in
 * nonce order, lets a sender replace a pending transaction by paying more for
 * the same nonce, caps what one sender may hold, and drops what expired.
 *
 * Eviction takes only a sender's highest pending nonce (its tail): dropping
 * an earlier one would leave the later ones behind a gap that nothing in the
 * pool fills. The tails sit in a heap, lowest-ranked on top, so admitting a
 * transaction into a full pool costs O(log n) whatever the pool's size.
 *
 * `select` yields the order to try for a block: across senders by fee
 * (highest first, then lowest id), within a sender strictly by nonce starting
 * at the sender's next nonce, so nothing is offered that cannot apply.
 */
import { compareBytes, toHex, type Hex } from './bytes.js';
import { AgoraError } from './errors.js';
import { Heap } from './heap.js';
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

/** The index of `nonce` in a sender's nonce-ordered queue, or where it would go. */
function nonceIndex(queue: readonly Tx[], nonce: number): number {
	let lo = 0;
	let hi = queue.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (queue[mid]!.nonce < nonce) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

export class Mempool {
	private readonly byId = new Map<Hex, Tx>();
	/** sender → its pending transactions in nonce order (at most `perSender`). */
	private readonly bySender = new Map<Hex, Tx[]>();
	/** Every sender's last transaction, the one to evict first on top. */
	private readonly tails = new Heap<Tx>((a, b) => higherPriority(b, a));

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
		const queue = this.bySender.get(sender) ?? [];
		const existing = queue[nonceIndex(queue, tx.nonce)];
		if (existing?.nonce === tx.nonce) {
			if (tx.fee <= existing.fee) {
				throw new AgoraError('E_TX_FEE', `replacing a pending transaction needs a fee above ${existing.fee}`, 'fee', tx.fee);
			}
			this.delete(existing);
			this.insert(sender, tx);
			return 'replaced';
		}
		if (queue.length >= this.limits.perSender) {
			throw new AgoraError('E_TX_NOT_ALLOWED', `sender already has ${this.limits.perSender} pending transactions`, 'from', sender);
		}
		if (this.byId.size >= this.limits.capacity) {
			const victim = this.victim(sender, tx.nonce);
			if (!victim || !higherPriority(tx, victim)) {
				throw new AgoraError('E_TX_FEE', `the pool is full and fee ${tx.fee} does not beat the lowest evictable fee ${victim?.fee}`, 'fee', tx.fee);
			}
			this.delete(victim);
		}
		this.insert(sender, tx);
		return 'added';
	}

	remove(tx: Tx): void {
		const stored = this.byId.get(txIdHex(tx));
		if (stored) this.delete(stored);
	}

	/** Drops expired transactions and those whose nonce the chain has used. Returns what was dropped. */
	prune(now: number, nextNonce: (sender: Hex) => number): Tx[] {
		const dropped: Tx[] = [];
		for (const [sender, queue] of this.bySender) {
			const next = nextNonce(sender);
			for (const tx of queue) {
				if (tx.expires <= now || tx.nonce < next) dropped.push(tx);
			}
		}
		for (const tx of dropped) this.delete(tx);
		return dropped;
	}

	/** Candidates for the next block in the order to try them (see the module comment). */
	select(nextNonce: (sender: Hex) => number, max = Infinity): Tx[] {
		/** Where each sender's cursor is in its queue. */
		const cursor = new Map<Hex, number>();
		const heads: Tx[] = [];
		for (const [sender, queue] of this.bySender) {
			const next = nextNonce(sender);
			const i = nonceIndex(queue, next);
			const head = queue[i];
			if (head?.nonce === next) {
				heads.push(head);
				cursor.set(sender, i);
			}
		}
		const heap = new Heap<Tx>(higherPriority, heads);
		const out: Tx[] = [];
		while (out.length < max) {
			const tx = heap.pop();
			if (!tx) break;
			out.push(tx);
			const sender = toHex(tx.from);
			const i = cursor.get(sender)! + 1;
			const following = this.bySender.get(sender)![i];
			if (following?.nonce === tx.nonce + 1) {
				cursor.set(sender, i);
				heap.push(following);
			}
		}
		return out;
	}

	/**
	 * What to evict for a transaction from `sender` at `nonce`: the
	 * lowest-ranked tail, except the sender's own tail below `nonce`, whose
	 * eviction would strand the newcomer behind a gap.
	 */
	private victim(sender: Hex, nonce: number): Tx | undefined {
		const worst = this.tails.peek();
		if (!worst || toHex(worst.from) !== sender || worst.nonce > nonce) return worst;
		this.tails.delete(worst);
		const next = this.tails.peek();
		this.tails.push(worst);
		return next;
	}

	private insert(sender: Hex, tx: Tx): void {
		this.byId.set(txIdHex(tx), tx);
		let queue = this.bySender.get(sender);
		if (!queue) this.bySender.set(sender, (queue = []));
		const i = nonceIndex(queue, tx.nonce);
		queue.splice(i, 0, tx);
		if (i === queue.length - 1) {
			if (i > 0) this.tails.delete(queue[i - 1]!);
			this.tails.push(tx);
		}
	}

	/** Removes a transaction the pool holds (the stored object itself). */
	private delete(tx: Tx): void {
		this.byId.delete(txIdHex(tx));
		const sender = toHex(tx.from);
		const queue = this.bySender.get(sender)!;
		const i = nonceIndex(queue, tx.nonce);
		queue.splice(i, 1);
		if (i === queue.length) {
			this.tails.delete(tx);
			if (i > 0) this.tails.push(queue[i - 1]!);
		}
		if (queue.length === 0) this.bySender.delete(sender);
	}
}
