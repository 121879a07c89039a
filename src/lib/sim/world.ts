/**
 * A simulated community: real nodes (AgoraNode on a MemoryStore, the real
 * Sync over simulated links) on one virtual clock, the network between them,
 * churn, partitions on a timetable, and actors. Every choice is drawn from
 * streams of the run's seed, so a run is a pure function of its options.
 *
 * Actors act for members through `submit`, one transaction of a member
 * after the other (two at once would take one nonce), and only for members
 * who `canAct`: online, caught up, and members in their own chain's view.
 */
import { toHex, type Hex } from '../core/bytes.js';
import type { Encodable } from '../core/codec.js';
import type { EngineName } from '../core/consensus/engine.js';
import type { BlockNode, Chain } from '../core/chain.js';
import type { KeyPair } from '../core/keys.js';
import { isAgoraError } from '../core/errors.js';
import { isMember } from '../core/state/members.js';
import { nodeVerifier } from '../crypto/node.js';
import { MemoryStore } from '../store/memory.js';
import { AgoraNode, type SubmitOptions } from '../../worker/node.js';
import type { Actor } from './actors.js';
import { SuspendableTimers, VirtualClock } from './clock.js';
import { createCommunity, sealerCount, SIM_EPOCH, type SimCommunity } from './community.js';
import { SimNetwork, type NetworkOptions } from './network.js';
import { Rng } from './rng.js';
import { ChainWatch } from './watch.js';

export interface Partition {
	/** Virtual milliseconds after the start. */
	readonly from: number;
	readonly to: number;
	readonly groups: readonly (readonly number[])[];
}

export interface WorldOptions {
	readonly seed: number;
	readonly nodes: number;
	readonly consensus: EngineName;
	readonly network: NetworkOptions;
	readonly partitions: readonly Partition[];
	/** Probability per virtual second that a member goes offline or comes back. */
	readonly churn: number;
	/** PoW: seal attempts each miner makes per `everyMs`: its hash rate in virtual time. */
	readonly mining: { readonly attempts: number; readonly everyMs: number };
	/** The last `outsiders` nodes start outside the community (they can be admitted by a proposal). */
	readonly outsiders: number;
	/** Founding members without a node. */
	readonly absent: number;
	/** How many of the first nodes seal at genesis; undefined: the engine's usual few. */
	readonly sealers?: number;
}

export interface SimMember {
	readonly index: number;
	readonly name: string;
	readonly keys: KeyPair;
	/** The public key in hex, as state names the member. */
	readonly key: Hex;
	readonly node: AgoraNode;
	readonly timers: SuspendableTimers;
	/** Whether it seals at genesis (under PoW: whether it mines). */
	readonly sealer: boolean;
}

/** A transaction to sign and send, as the node's `submit` takes it. */
export interface Submission {
	readonly kind: string;
	readonly body: Encodable;
	readonly options?: SubmitOptions;
}

const MESH_EVERY_MS = 1_000;
const CHURN_EVERY_MS = 1_000;
/**
 * A simulated member's transactions live 30 s of virtual time: one that can
 * no longer apply (its block lost a reorganisation and something else took
 * its place, say) holds up the member's later ones, which wait for its
 * nonce, until it expires; that must happen well within a run.
 */
export const SIM_TX_LIFETIME_MS = 30_000;
/**
 * A member whose own transaction waited this long for a block sends nothing
 * more until it is in one or has expired: what it sent meanwhile would only
 * wait behind it, and expire in turn.
 */
export const STALL_MS = 15_000;
/** A member acts on what its chain shows only when its head is this recent: one catching up would act on old news. */
export const CAUGHT_UP_MS = 5_000;

export class Simulation {
	readonly clock = new VirtualClock(SIM_EPOCH);
	readonly network: SimNetwork;
	readonly watch = new ChainWatch();
	readonly stats = { txsSubmitted: 0, txsRefused: 0, txsHeld: 0, wentOffline: 0, cameBack: 0 };
	private readonly membersList: SimMember[] = [];
	/** Each member's submissions, one after another: two at once would take the same nonce. */
	private readonly lines = new Map<number, Promise<unknown>>();
	private readonly actors: Actor[] = [];
	private started = false;

	private constructor(
		readonly options: WorldOptions,
		readonly community: SimCommunity
	) {
		this.network = new SimNetwork(this.clock, this.rng('network'), options.network);
	}

	static async create(options: WorldOptions): Promise<Simulation> {
		const miners = options.sealers ?? sealerCount(options.consensus, options.nodes - options.outsiders);
		const community = createCommunity({
			seed: options.seed,
			nodes: options.nodes,
			consensus: options.consensus,
			outsiders: options.outsiders,
			absent: options.absent,
			sealers: miners,
			hashesPerMs: (miners * options.mining.attempts) / options.mining.everyMs
		});
		const sim = new Simulation(options, community);
		for (let i = 0; i < options.nodes; i++) {
			const member = await sim.openMember(i);
			sim.membersList.push(member);
			sim.network.add({ name: member.name, accept: (link) => member.node.addPeer(link) });
		}
		return sim;
	}

	get members(): readonly SimMember[] {
		return this.membersList;
	}

	rng(label: string): Rng {
		return Rng.stream(this.options.seed, label);
	}

	/** Adds an actor; actors start, in the order added, when the run starts. */
	add(actor: Actor): void {
		this.actors.push(actor);
		if (this.started) actor.start(this);
	}

	isOnline(index: number): boolean {
		return this.network.isOnline(index);
	}

	/** Takes a member offline (its links close and its node is suspended, like a closed laptop) or brings it back. */
	setOnline(index: number, online: boolean): void {
		const member = this.members[index];
		if (!member || this.network.isOnline(index) === online) return;
		if (online) {
			this.network.setOnline(index, true);
			member.timers.resume();
			this.stats.cameBack++;
		} else {
			member.timers.suspend();
			this.network.setOnline(index, false);
			this.stats.wentOffline++;
		}
	}

	/**
	 * A member signs and sends a transaction, after its earlier ones are
	 * saved; gives its id, or null when the node refused it (a preflight
	 * failure, say) or the member is stalled. Refusals are counted, not thrown.
	 */
	submit(member: SimMember, kind: string, body: Encodable, options: SubmitOptions = {}): Promise<Hex | null> {
		return this.submitWith(member, () => ({ kind, body, options }));
	}

	/**
	 * `submit`, with the transaction made by `make` only once the member's
	 * earlier submissions are saved: what it reads of the node (the member's
	 * waiting transactions, for a fee or a sequence number) includes them.
	 */
	submitWith(member: SimMember, make: () => Submission): Promise<Hex | null> {
		if (this.stalled(member)) {
			this.stats.txsHeld++;
			return Promise.resolve(null);
		}
		// A submission that fails for a bug rejects (and is reported); the member's next one still goes.
		const line = (this.lines.get(member.index) ?? Promise.resolve()).catch(() => undefined).then(() => this.send(member, make()));
		this.lines.set(member.index, line);
		return line;
	}

	private async send(member: SimMember, { kind, body, options }: Submission): Promise<Hex | null> {
		try {
			const id = await member.node.submit(kind, body, options);
			this.stats.txsSubmitted++;
			return id;
		} catch (e) {
			if (!isAgoraError(e)) throw e;
			this.stats.txsRefused++;
			return null;
		}
	}

	/** Whether one of the member's own transactions has waited for a block for more than STALL_MS. */
	stalled(member: SimMember): boolean {
		const now = this.clock.now();
		return member.node.ownTxs().some((own) => own.status !== 'failed' && now - own.tx.created > STALL_MS);
	}

	/** Whether the member can act on what it sees: online, caught up, and a member in its own chain's state. */
	canAct(member: SimMember): boolean {
		const chain = member.node.chain;
		return this.isOnline(member.index) && !!chain && chain.head.header.time >= this.clock.now() - CAUGHT_UP_MS && isMember(chain.state, member.key);
	}

	/**
	 * Runs until `done()` holds (checked every `checkEveryMs` of virtual time)
	 * or `maxVirtualMs` have passed; returns whether it held. The chain watch
	 * checks every node after every event.
	 */
	async run(done: () => boolean, maxVirtualMs: number, checkEveryMs = 100): Promise<boolean> {
		this.start();
		let reached = false;
		this.clock.every(checkEveryMs, () => {
			reached = done();
			return !reached;
		});
		const end = SIM_EPOCH + maxVirtualMs;
		const chains = (): Array<Chain | null> => this.membersList.map((m) => m.node.chain);
		await this.clock.run(end, () => {
			this.watch.check(chains(), this.clock.now());
			return reached;
		});
		return reached;
	}

	get elapsedMs(): number {
		return this.clock.now() - SIM_EPOCH;
	}

	/** The block at `height` if every online member has it canonical and final; otherwise null. */
	agreedFinal(height: number): BlockNode | null {
		let agreed: BlockNode | null = null;
		for (const m of this.members) {
			if (!this.isOnline(m.index)) continue;
			const chain = m.node.chain;
			if (!chain || chain.finalized.height < height) return null;
			const block = chain.blockAt(height)!;
			if (agreed && agreed.hash !== block.hash) return null;
			agreed = block;
		}
		return agreed;
	}

	chainOf(index: number): Chain {
		return this.members[index]!.node.chain!;
	}

	close(): void {
		for (const m of this.members) m.node.close();
	}

	private start(): void {
		if (this.started) return;
		this.started = true;
		this.network.maintain();
		this.clock.every(MESH_EVERY_MS, () => this.network.maintain());
		this.scheduleChurn();
		this.schedulePartitions();
		for (const actor of this.actors) actor.start(this);
	}

	private async openMember(index: number): Promise<SimMember> {
		const { community, options } = this;
		const keys = community.keys[index]!;
		const name = `n${index}`;
		const store = await MemoryStore.joined(keys, `member ${index}`, community.genesis, SIM_EPOCH);
		const timers = new SuspendableTimers(this.clock);
		const random = this.rng(`node/${index}/random`);
		const sealer = community.sealers.includes(index);
		const node = await AgoraNode.open({
			store,
			verifier: nodeVerifier,
			now: () => this.clock.now(),
			timers,
			randomBytes: (n) => random.bytes(n),
			agent: 'agora-sim/1',
			txLifetimeMs: SIM_TX_LIFETIME_MS,
			// On the engine's schedule, whoever it lets seal (an authority elected later too); under PoW only the miners mine.
			sealing: sealer || options.consensus !== 'pow' ? 'always' : 'never',
			...(options.consensus === 'pow' ? { sealBudget: options.mining } : {})
		});
		return { index, name, keys, key: toHex(keys.publicKey), node, timers, sealer };
	}

	private scheduleChurn(): void {
		const { churn } = this.options;
		if (churn <= 0) return;
		const rng = this.rng('churn');
		this.clock.every(CHURN_EVERY_MS, () => {
			for (const m of this.members) {
				if (!rng.chance(churn)) continue;
				const online = this.isOnline(m.index);
				if (online && !this.sealersCanSpare(m.index)) continue;
				this.setOnline(m.index, !online);
			}
		});
	}

	/**
	 * Whether a member may go offline and leave more than 2/3 of the sealing
	 * weight online: churn that stops the chain for good tells nothing. The
	 * sealers are those of now (governance may have changed them), as an
	 * online member's chain shows them.
	 */
	private sealersCanSpare(index: number): boolean {
		const sealing = this.sealingWeights();
		if (!sealing.has(index)) return true;
		let total = 0;
		let online = 0;
		for (const [s, weight] of sealing) {
			total += weight;
			if (s !== index && this.isOnline(s)) online += weight;
		}
		return 3 * online > 2 * total;
	}

	/** Node index → sealing weight: PoW's miners; otherwise who the engine lets seal now, weighted by stake under PoS. */
	private sealingWeights(): Map<number, number> {
		const { community } = this;
		const chain = this.members.find((m) => this.isOnline(m.index))?.node.chain;
		if (this.options.consensus === 'pow' || !chain) return new Map(community.sealers.map((s, k) => [s, community.sealerWeights[k]!]));
		const validators = chain.engine.voting?.validators(chain.state);
		const weights = new Map<number, number>();
		for (const m of this.members) {
			const weight = validators ? (validators.find((v) => v.key === m.key)?.weight ?? 0) : chain.canSeal(m.key) ? 1 : 0;
			if (weight > 0) weights.set(m.index, weight);
		}
		return weights;
	}

	private schedulePartitions(): void {
		for (const p of this.options.partitions) {
			this.clock.setTimeout(() => this.network.partition(p.groups), p.from);
			this.clock.setTimeout(() => this.network.partition(null), p.to);
		}
	}
}
