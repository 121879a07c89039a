/**
 * The simulated network: links between endpoints (nodes, scripted peers)
 * with seeded latency and loss, partitions, nodes going offline and back,
 * and a bounded-degree mesh that each node keeps topped up, so gossip has to
 * spread hop by hop.
 *
 * A link behaves like an ordered data channel: frames in one direction
 * arrive in the order they were sent, each after a latency drawn from
 * `latencyMs`, unless lost. The first frame each way (the `hello` of a new
 * connection) is never lost: a channel that opens delivers its first message
 * or is not open at all. A frame between two sides of a partition is lost.
 * Closing a link tells the other side one latency later; a close for
 * misbehaviour makes the closer refuse the other for `banMs`, as the app's
 * peer manager does.
 */
import type { PeerLink } from '../net/link.js';
import type { Rng } from './rng.js';
import type { VirtualClock } from './clock.js';

export interface NetworkOptions {
	readonly latencyMs: { readonly min: number; readonly max: number };
	/** Probability that a frame is lost. */
	readonly loss: number;
	/** Links each node keeps open; it makes new ones when it has fewer. */
	readonly degree: number;
	/** How long a node refuses a peer it dropped for misbehaving. */
	readonly banMs: number;
}

/** Anything links can be made to. */
export interface Endpoint {
	readonly name: string;
	accept(link: PeerLink): void;
}

export interface NetworkStats {
	framesSent: number;
	framesLost: number;
	framesDelivered: number;
	bytesSent: number;
	linksOpened: number;
	linksClosed: number;
	/** Links closed by one side because the other misbehaved. */
	misbehaviourCloses: number;
}

/** How a link ended, as the side that closed it said. */
export interface LinkClose {
	readonly time: number;
	/** Index of the side that closed it (-1: the network, for going offline or a partition). */
	readonly by: number;
	readonly other: number;
	readonly reason: string;
	readonly misbehaved: boolean;
}

interface Pair {
	readonly a: number;
	readonly b: number;
	closed: boolean;
	/** Per direction (0: a to b, 1: b to a): when the last frame arrives, and whether the first frame went. */
	readonly lastArrival: [number, number];
	readonly opened: [boolean, boolean];
	readonly ends: [SimLink, SimLink];
}

interface SimLink extends PeerLink {
	/** Called by the network when the other side closed or the network cut the link. */
	remoteClosed(reason: string): void;
}

export class SimNetwork {
	readonly stats: NetworkStats = { framesSent: 0, framesLost: 0, framesDelivered: 0, bytesSent: 0, linksOpened: 0, linksClosed: 0, misbehaviourCloses: 0 };
	readonly closes: LinkClose[] = [];
	private readonly endpoints: Endpoint[] = [];
	private readonly online: boolean[] = [];
	/** Nodes that take part in the mesh (scripted peers are linked by hand). */
	private readonly meshed: boolean[] = [];
	private readonly pairs = new Map<string, Pair>();
	/** Who each endpoint is linked to now. */
	private readonly adjacency: Array<Set<number>> = [];
	/** `${refuser}>${refused}` → until when. */
	private readonly bans = new Map<string, number>();
	private groups: readonly (readonly number[])[] | null = null;

	constructor(
		private readonly clock: VirtualClock,
		private readonly rng: Rng,
		private readonly options: NetworkOptions
	) {}

	/** Adds an endpoint, online; returns its index. */
	add(endpoint: Endpoint, meshed = true): number {
		this.endpoints.push(endpoint);
		this.online.push(true);
		this.meshed.push(meshed);
		this.adjacency.push(new Set());
		return this.endpoints.length - 1;
	}

	get size(): number {
		return this.endpoints.length;
	}

	isOnline(i: number): boolean {
		return this.online[i]!;
	}

	/** Indices linked to `i` now. */
	peersOf(i: number): number[] {
		return [...this.adjacency[i]!].sort((x, y) => x - y);
	}

	/** Whether `i` refuses `j` now (it dropped `j` for misbehaving recently). */
	refuses(i: number, j: number): boolean {
		const until = this.bans.get(`${i}>${j}`);
		return until !== undefined && until > this.clock.now();
	}

	/** Whether frames can pass between `i` and `j` under the current partition. */
	reachable(i: number, j: number): boolean {
		return this.groupOf(i) === this.groupOf(j);
	}

	/** Links `i` and `j` unless one is offline, they are linked already, cut off, or one refuses the other. */
	connect(i: number, j: number): boolean {
		if (i === j || !this.online[i] || !this.online[j] || this.pairs.has(pairKey(i, j))) return false;
		if (!this.reachable(i, j) || this.refuses(i, j) || this.refuses(j, i)) return false;
		const a = Math.min(i, j);
		const b = Math.max(i, j);
		const pair: Pair = { a, b, closed: false, lastArrival: [0, 0], opened: [false, false], ends: [null!, null!] };
		pair.ends[0] = this.end(pair, 0);
		pair.ends[1] = this.end(pair, 1);
		this.pairs.set(pairKey(a, b), pair);
		this.adjacency[a]!.add(b);
		this.adjacency[b]!.add(a);
		this.stats.linksOpened++;
		this.endpoints[a]!.accept(pair.ends[0]);
		this.endpoints[b]!.accept(pair.ends[1]);
		return true;
	}

	/** Takes a node off the network (its links close) or brings it back (the mesh links it again). */
	setOnline(i: number, online: boolean): void {
		if (this.online[i] === online) return;
		this.online[i] = online;
		if (!online) for (const j of this.peersOf(i)) this.cut(this.pairs.get(pairKey(i, j))!, 'went offline');
	}

	/**
	 * Splits the network into groups that cannot reach each other (null heals
	 * it). Nodes named in no group form one more group together. Links across
	 * groups are cut at once, as a failed connection would be.
	 */
	partition(groups: readonly (readonly number[])[] | null): void {
		this.groups = groups;
		for (const p of [...this.pairs.values()]) if (!this.reachable(p.a, p.b)) this.cut(p, 'partitioned');
	}

	/** Tops every online meshed node up to `degree` links with random reachable peers, lowest index first. */
	maintain(): void {
		const { degree } = this.options;
		for (let i = 0; i < this.endpoints.length; i++) {
			if (!this.online[i] || !this.meshed[i] || this.adjacency[i]!.size >= degree) continue;
			for (const j of this.rng.shuffle(this.candidatesFor(i))) {
				if (this.adjacency[i]!.size >= degree) break;
				// Room for one more than the target, so that newcomers always find someone.
				if (this.adjacency[j]!.size <= degree) this.connect(i, j);
			}
		}
	}

	private candidatesFor(i: number): number[] {
		const out: number[] = [];
		const linked = this.adjacency[i]!;
		for (let j = 0; j < this.endpoints.length; j++) {
			if (j !== i && this.meshed[j] && this.online[j] && !linked.has(j) && this.reachable(i, j) && !this.refuses(i, j) && !this.refuses(j, i)) out.push(j);
		}
		return out;
	}

	private groupOf(i: number): number {
		if (!this.groups) return 0;
		const g = this.groups.findIndex((group) => group.includes(i));
		return g === -1 ? this.groups.length : g;
	}

	private end(pair: Pair, side: 0 | 1): SimLink {
		const me = side === 0 ? pair.a : pair.b;
		const other = side === 0 ? pair.b : pair.a;
		let open = true;
		const link: SimLink = {
			id: this.endpoints[other]!.name,
			send: (bytes) => {
				if (!open || pair.closed) return;
				this.stats.framesSent++;
				this.stats.bytesSent += bytes.length;
				const first = !pair.opened[side];
				pair.opened[side] = true;
				if (!this.reachable(me, other) || (!first && this.rng.chance(this.options.loss))) {
					this.stats.framesLost++;
					return;
				}
				const { min, max } = this.options.latencyMs;
				const at = Math.max(pair.lastArrival[side], this.clock.now() + this.rng.int(min, max));
				pair.lastArrival[side] = at;
				const receiver = pair.ends[side === 0 ? 1 : 0];
				this.clock.setTimeout(() => {
					if (pair.closed) return;
					this.stats.framesDelivered++;
					receiver.onMessage?.(bytes);
				}, at - this.clock.now());
			},
			close: (reason, misbehaved = false) => {
				if (!open) return;
				open = false;
				if (!pair.closed) {
					this.forget(pair);
					this.closes.push({ time: this.clock.now(), by: me, other, reason, misbehaved });
					if (misbehaved) {
						this.stats.misbehaviourCloses++;
						this.bans.set(`${me}>${other}`, this.clock.now() + this.options.banMs);
					}
					const remote = pair.ends[side === 0 ? 1 : 0];
					this.clock.setTimeout(() => remote.remoteClosed(`closed by the peer: ${reason}`), this.options.latencyMs.min);
				}
				link.onClose?.(reason);
			},
			remoteClosed: (reason) => {
				if (!open) return;
				open = false;
				link.onClose?.(reason);
			},
			onMessage: null,
			onClose: null
		};
		return link;
	}

	/** The network ends a link: both sides learn at once. */
	private cut(pair: Pair, reason: string): void {
		if (pair.closed) return;
		this.forget(pair);
		this.closes.push({ time: this.clock.now(), by: -1, other: -1, reason, misbehaved: false });
		for (const end of pair.ends) end.remoteClosed(reason);
	}

	private forget(pair: Pair): void {
		pair.closed = true;
		this.pairs.delete(pairKey(pair.a, pair.b));
		this.adjacency[pair.a]!.delete(pair.b);
		this.adjacency[pair.b]!.delete(pair.a);
		this.stats.linksClosed++;
	}
}

function pairKey(i: number, j: number): string {
	return i < j ? `${i}-${j}` : `${j}-${i}`;
}
