import { afterEach, describe, expect, it } from 'vitest';
import { PeerManager, type NetworkState, type PeerFactory, type PeerManagerOptions, type RtcPeer, type RtcPeerEvents, type RtcPeerOptions, type SignalingChannel } from '../../../src/lib/net/peers.js';
import { Observable } from '../../../src/lib/net/observable.js';
import { linkFromPort, type PeerLink } from '../../../src/lib/net/link.js';
import type { RelayStatus, RoomMessage } from '../../../src/lib/net/signaling.js';
import { until } from '../../helpers/net.js';

/** Delivers after the current task, as a network would. */
const later = (fn: () => void) => setTimeout(fn, 0);

/** An in-memory room: announces go to every other member, signals to their addressee. */
class FakeRoom {
	readonly members = new Map<string, FakeSignaling>();
	deliver(to: FakeSignaling, message: RoomMessage): void {
		later(() => to.onMessage?.(message));
	}
}

class FakeSignaling implements SignalingChannel {
	readonly relays = new Observable<readonly RelayStatus[]>([{ url: 'fake', state: 'idle', failures: 0, clients: null }]);
	onMessage: ((message: RoomMessage) => void) | null = null;
	onOpen: ((relay: string) => void) | null = null;
	announces = 0;
	stopped = false;

	constructor(
		readonly room: FakeRoom,
		readonly peerId: string
	) {}

	async start(): Promise<void> {
		this.room.members.set(this.peerId, this);
		this.relays.set([{ url: 'fake', state: 'open', failures: 0, clients: null }]);
		later(() => this.onOpen?.('fake'));
	}

	stop(): void {
		this.stopped = true;
		this.room.members.delete(this.peerId);
	}

	async announce(): Promise<number> {
		this.announces++;
		for (const member of this.room.members.values()) if (member !== this) this.room.deliver(member, { type: 'announce', from: this.peerId });
		return 1;
	}

	async signal(to: string, signal: object): Promise<number> {
		const member = this.room.members.get(to);
		if (member) this.room.deliver(member, { type: 'signal', from: this.peerId, to, signal });
		return 1;
	}

	/** Injects a message as if it came from the room. */
	inject(message: RoomMessage): void {
		this.room.deliver(this, message);
	}
}

/** WebRTC stand-in: an offer carries the initiator's token, the answer the responder's, and the pair connects. */
class FakeRtcNetwork {
	readonly peers: FakeRtc[] = [];
	connectable = true;
	/** The responder sees the connection open only after the initiator's first bytes reached it. */
	responderOpensLate = false;
	/** Connect events the network held back, for the test to release. */
	readonly heldConnects: Array<() => void> = [];
	/** Data events fired so far. */
	delivered = 0;
	readonly factory: PeerFactory = (options, events) => new FakeRtc(this, options, events);
}

class FakeRtc implements RtcPeer {
	readonly token: number;
	remote: FakeRtc | null = null;
	destroyed = false;

	constructor(
		private readonly network: FakeRtcNetwork,
		readonly options: RtcPeerOptions,
		private readonly events: RtcPeerEvents
	) {
		this.token = network.peers.push(this) - 1;
		if (options.initiator) later(() => !this.destroyed && events.signal({ type: 'offer', token: this.token }));
	}

	signal(data: object): void {
		if (this.destroyed) throw new Error('cannot signal after destroy');
		const { type, token } = data as { type: string; token: number };
		const remote = this.network.peers[token];
		if (!remote) throw new Error('unknown token');
		if (type === 'offer' && !this.options.initiator) {
			this.remote = remote;
			later(() => !this.destroyed && this.events.signal({ type: 'answer', token: this.token }));
		} else if (type === 'answer' && this.options.initiator) {
			this.remote = remote;
			remote.remote = this;
			if (this.network.connectable) {
				later(() => {
					if (this.destroyed || remote.destroyed) return;
					this.events.connect();
					if (this.network.responderOpensLate) this.network.heldConnects.push(() => remote.events.connect());
					else remote.events.connect();
				});
			}
		}
	}

	send(bytes: Uint8Array): void {
		const remote = this.remote;
		later(() => {
			if (!remote || remote.destroyed) return;
			this.network.delivered++;
			remote.events.data(bytes);
		});
	}

	destroy(): void {
		this.destroyed = true;
		const remote = this.remote;
		later(() => remote?.remoteClosed());
	}

	private remoteClosed(): void {
		if (this.destroyed) return;
		this.destroyed = true;
		this.events.close('remote closed');
	}
}

interface TestNode {
	readonly id: string;
	readonly manager: PeerManager;
	readonly signaling: FakeSignaling;
	/** The worker's side: a link per connected peer, as the app would wrap the port. */
	readonly links: Map<string, PeerLink>;
	readonly closed: string[];
	state: NetworkState;
}

let room = new FakeRoom();
let network = new FakeRtcNetwork();
const nodes: TestNode[] = [];

afterEach(() => {
	for (const node of nodes.splice(0)) node.manager.stop();
	room = new FakeRoom();
	network = new FakeRtcNetwork();
});

function node(id: string, options: Partial<PeerManagerOptions> = {}): TestNode {
	const signaling = new FakeSignaling(room, id);
	const links = new Map<string, PeerLink>();
	const closed: string[] = [];
	const manager = new PeerManager({
		signaling,
		peerFactory: network.factory,
		onLink: (peerId, port) => {
			const link = linkFromPort(peerId, port);
			link.onClose = (reason) => {
				closed.push(`${peerId}: ${reason}`);
				links.delete(peerId);
			};
			links.set(peerId, link);
		},
		announceIntervalMs: 60_000,
		connectTimeoutMs: 200,
		...options
	});
	const n: TestNode = { id, manager, signaling, links, closed, state: null! };
	manager.state.subscribe((s) => (n.state = s));
	nodes.push(n);
	return n;
}

const connected = (n: TestNode) => n.state.peers.filter((p) => p.status === 'connected').map((p) => p.id);

describe('PeerManager', () => {
	it('connects two peers once, the lower id offering, and pipes bytes both ways through the ports', async () => {
		const a = node('a');
		const b = node('b');
		await Promise.all([a.manager.start(), b.manager.start()]);
		await until('connected', () => a.links.has('b') && b.links.has('a'));
		expect(network.peers).toHaveLength(2);
		expect(a.state.peers).toEqual([expect.objectContaining({ id: 'b', status: 'connected', initiator: true })]);
		expect(b.state.peers).toEqual([expect.objectContaining({ id: 'a', status: 'connected', initiator: false })]);
		expect(a.state.relays[0]!.state).toBe('open');

		const got: number[][] = [];
		b.links.get('a')!.onMessage = (bytes) => got.push([...bytes]);
		a.links.get('b')!.onMessage = (bytes) => got.push([...bytes].map((x) => -x));
		a.links.get('b')!.send(new Uint8Array([1, 2, 3]));
		b.links.get('a')!.send(new Uint8Array([4]));
		await until('bytes crossed', () => got.length === 2);
		expect(got).toContainEqual([1, 2, 3]);
		expect(got).toContainEqual([-4]);
	});

	it('keeps bytes that arrive before its own side sees the connection open', async () => {
		network.responderOpensLate = true;
		const a = node('a');
		const b = node('b');
		await Promise.all([a.manager.start(), b.manager.start()]);
		await until('a connected', () => a.links.has('b'));
		a.links.get('b')!.send(new Uint8Array([7, 7]));
		await until('the bytes reached b', () => network.delivered === 1);
		expect(b.links.has('a')).toBe(false);
		for (const open of network.heldConnects.splice(0)) open();
		await until('b connected', () => b.links.has('a'));
		const got: number[][] = [];
		b.links.get('a')!.onMessage = (bytes) => got.push([...bytes]);
		await until('early bytes delivered', () => got.length === 1);
		expect(got).toEqual([[7, 7]]);
	});

	for (const [first, second] of [['a', 'b'], ['b', 'a']]) {
		it(`a newcomer (${second}) learns of a member (${first}) from its answering announce`, async () => {
			const member = node(first!);
			await member.manager.start();
			await until('member announced', () => member.signaling.announces === 1);
			const newcomer = node(second!);
			await newcomer.manager.start();
			// No periodic announce happens within this test: only the answer can have connected them.
			await until('connected', () => connected(member).length === 1 && connected(newcomer).length === 1);
			expect(member.signaling.announces + newcomer.signaling.announces).toBeLessThanOrEqual(3);
			expect(network.peers).toHaveLength(2);
			expect(network.peers.filter((p) => p.options.initiator)).toHaveLength(1);
		});
	}

	it('keeps at most maxPeers connections', async () => {
		const hub = node('m', { maxPeers: 2 });
		let most = 0;
		hub.manager.state.subscribe((s) => (most = Math.max(most, s.peers.length)));
		const others = ['a', 'b', 'x', 'y'].map((id) => node(id, { announceIntervalMs: 20 }));
		await hub.manager.start();
		await Promise.all(others.map((o) => o.manager.start()));
		await until('hub full', () => connected(hub).length === 2);
		// Give the others several announce rounds to try.
		const rounds = others[0]!.signaling.announces + 5;
		await until('more announce rounds', () => others[0]!.signaling.announces >= rounds);
		expect(most).toBe(2);
		expect(hub.state.peers).toHaveLength(2);
	});

	it('drops connections that do not complete, destroying them', async () => {
		network.connectable = false;
		const a = node('a');
		const b = node('b');
		await Promise.all([a.manager.start(), b.manager.start()]);
		await until('connecting', () => a.state.peers.length === 1 && b.state.peers.length === 1);
		expect(a.state.peers[0]!.status).toBe('connecting');
		await until('timed out', () => a.state.peers.length === 0 && b.state.peers.length === 0);
		expect(network.peers.every((p) => p.destroyed)).toBe(true);
		expect(a.links.size + b.links.size).toBe(0);
	});

	it('reconnects at once to a peer the worker closed without blame', async () => {
		const a = node('a', { announceIntervalMs: 20 });
		const b = node('b', { announceIntervalMs: 20 });
		await Promise.all([a.manager.start(), b.manager.start()]);
		await until('connected', () => a.links.has('b') && b.links.has('a'));
		const first = a.links.get('b')!;
		first.close('replaced by a new connection');
		await until('reconnected', () => a.links.has('b') && a.links.get('b') !== first);
		expect(a.state.banned).toEqual([]);
	});

	it('refuses a peer the worker dropped as misbehaving for banMs, then lets it back', async () => {
		let clock = 1_000_000;
		const a = node('a', { now: () => clock, announceIntervalMs: 20 });
		const b = node('b', { announceIntervalMs: 20 });
		await Promise.all([a.manager.start(), b.manager.start()]);
		await until('connected', () => a.links.has('b') && b.links.has('a'));
		a.links.get('b')!.close('bad frame', true);
		await until('both sides dropped it', () => a.state.peers.length === 0 && b.closed.length === 1);
		expect(b.closed).toEqual(['a: remote closed']);
		expect(a.state.banned).toEqual([{ id: 'b', until: clock + 60_000 }]);
		const rounds = b.signaling.announces + 5;
		await until('b kept announcing', () => b.signaling.announces >= rounds);
		expect(a.state.peers).toEqual([]);
		clock += 60_001;
		await until('reconnected after the ban', () => connected(a).length === 1 && connected(b).length === 1);
		expect(a.state.banned).toEqual([]);
	});

	it('takes offers only from lower ids, and a second offer replaces the connection', async () => {
		const m = node('m');
		await m.manager.start();
		const fromHigher = new FakeRtc(network, { initiator: true, iceServers: [] }, { signal() {}, connect() {}, data() {}, close() {} });
		m.signaling.inject({ type: 'signal', from: 'z', to: 'm', signal: { type: 'offer', token: fromHigher.token } });
		// An unseen lower id gets an answering announce and no offer; it also marks that the offer above was handled.
		m.signaling.inject({ type: 'announce', from: 'a' });
		await until('m answered a', () => m.signaling.announces >= 2);
		expect(m.state.peers).toEqual([]);

		const first = new FakeRtc(network, { initiator: true, iceServers: [] }, { signal() {}, connect() {}, data() {}, close() {} });
		m.signaling.inject({ type: 'signal', from: 'a', to: 'm', signal: { type: 'offer', token: first.token } });
		await until('responder made', () => m.state.peers.length === 1);
		const responder = network.peers.at(-1)!;
		const second = new FakeRtc(network, { initiator: true, iceServers: [] }, { signal() {}, connect() {}, data() {}, close() {} });
		m.signaling.inject({ type: 'signal', from: 'a', to: 'm', signal: { type: 'offer', token: second.token } });
		await until('replaced', () => responder.destroyed);
		expect(m.state.peers).toEqual([expect.objectContaining({ id: 'a', status: 'connecting', initiator: false })]);
	});

	it('drops a peer whose signal the connection rejects', async () => {
		const m = node('m');
		await m.manager.start();
		const offerer = new FakeRtc(network, { initiator: true, iceServers: [] }, { signal() {}, connect() {}, data() {}, close() {} });
		m.signaling.inject({ type: 'signal', from: 'a', to: 'm', signal: { type: 'offer', token: offerer.token } });
		await until('responder made', () => m.state.peers.length === 1);
		m.signaling.inject({ type: 'signal', from: 'a', to: 'm', signal: { type: 'candidate', token: 9999 } });
		await until('dropped', () => m.state.peers.length === 0);
	});

	it('stop() closes every connection, tells the worker, and stops signaling', async () => {
		const a = node('a');
		const b = node('b');
		await Promise.all([a.manager.start(), b.manager.start()]);
		await until('connected', () => a.links.has('b') && b.links.has('a'));
		a.manager.stop();
		expect(a.signaling.stopped).toBe(true);
		await until('both sides closed', () => a.closed.length === 1 && b.closed.length === 1);
		expect(a.closed).toEqual(['b: stopped']);
		expect(b.closed).toEqual(['a: remote closed']);
		expect(a.state.peers).toEqual([]);
	});
});
