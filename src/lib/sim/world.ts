/**
 * A simulated community: real nodes (AgoraNode on a MemoryStore, the real
 * Sync over simulated links) on one virtual clock, the network between them,
 * churn, partitions on a timetable, and actors. Every choice is drawn from
 * streams of the run's seed, so a run is a pure function of its options.
 */
import { toHex } from '../core/bytes.js';
import type { Encodable } from '../core/codec.js';
import type { EngineName } from '../core/consensus/engine.js';
import type { BlockNode, Chain } from '../core/chain.js';
import type { KeyPair } from '../core/keys.js';
import { encodeBlock, blockHashHex } from '../core/block/block.js';
import { nodeVerifier } from '../crypto/node.js';
import { MemoryStore } from '../store/memory.js';
import { AgoraNode } from '../../worker/node.js';
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
}

export interface SimMember {
	readonly index: number;
	readonly name: string;
	readonly keys: KeyPair;
	readonly node: AgoraNode;
	readonly timers: SuspendableTimers;
	readonly sealer: boolean;
}

const MESH_EVERY_MS = 1_000;
const CHURN_EVERY_MS = 1_000;

export class Simulation {
	readonly clock = new VirtualClock(SIM_EPOCH);
	readonly network: SimNetwork;
	readonly watch = new ChainWatch();
	readonly stats = { txsSubmitted: 0, txsRefused: 0, wentOffline: 0, cameBack: 0 };
	private readonly membersList: SimMember[] = [];
	private readonly actors: Actor[] = [];
	private started = false;

	private constructor(
		readonly options: WorldOptions,
		readonly community: SimCommunity
	) {
		this.network = new SimNetwork(this.clock, this.rng('network'), options.network);
	}

	static async create(options: WorldOptions): Promise<Simulation> {
		const miners = sealerCount(options.consensus, options.nodes);
		const community = createCommunity({
			seed: options.seed,
			members: options.nodes,
			consensus: options.consensus,
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

	/** A member signs and sends a transaction; refusals (a stale nonce, say) are counted, not thrown. */
	submit(member: SimMember, kind: string, body: Encodable): void {
		member.node.submit(kind, body).then(
			() => this.stats.txsSubmitted++,
			() => this.stats.txsRefused++
		);
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
		const store = new MemoryStore();
		const genesis = community.genesis;
		const chainId = blockHashHex(genesis.header);
		await store.putIdentity({ publicKey: toHex(keys.publicKey), secretKey: keys.secretKey, name: `member ${index}`, created: SIM_EPOCH });
		await store.putCommunity({ chainId, name: null, relays: [], secret: new Uint8Array(16), joined: SIM_EPOCH });
		await store.putBlocks([{ hash: chainId, height: 0, bytes: encodeBlock(genesis) }]);
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
			// Only the sealers seal (under PoW: only they mine), on the engine's schedule.
			sealing: sealer ? 'always' : 'never',
			...(options.consensus === 'pow' ? { sealBudget: options.mining } : {})
		});
		return { index, name, keys, node, timers, sealer };
	}

	private scheduleChurn(): void {
		const { churn } = this.options;
		if (churn <= 0) return;
		const rng = this.rng('churn');
		this.clock.every(CHURN_EVERY_MS, () => {
			for (const m of this.members) {
				if (!rng.chance(churn)) continue;
				const online = this.isOnline(m.index);
				if (online && m.sealer && !this.sealersCanSpare(m.index)) continue;
				this.setOnline(m.index, !online);
			}
		});
	}

	/**
	 * Whether a sealer may go offline and leave more than 2/3 of the sealing
	 * weight online: churn that stops the chain for good tells nothing.
	 */
	private sealersCanSpare(index: number): boolean {
		const { sealers, sealerWeights } = this.community;
		let total = 0;
		let online = 0;
		sealers.forEach((s, k) => {
			total += sealerWeights[k]!;
			if (s !== index && this.isOnline(s)) online += sealerWeights[k]!;
		});
		return 3 * online > 2 * total;
	}

	private schedulePartitions(): void {
		for (const p of this.options.partitions) {
			this.clock.setTimeout(() => this.network.partition(p.groups), p.from);
			this.clock.setTimeout(() => this.network.partition(null), p.to);
		}
	}
}
