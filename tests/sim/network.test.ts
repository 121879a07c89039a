/** The simulated network's rules, one test each, with recording endpoints instead of nodes. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/lib/sim/clock.js';
import { SimNetwork, type Endpoint, type NetworkOptions } from '../../src/lib/sim/network.js';
import { Rng } from '../../src/lib/sim/rng.js';
import type { PeerLink } from '../../src/lib/net/link.js';

interface Recorder extends Endpoint {
	readonly links: Map<string, PeerLink>;
	readonly received: Array<{ from: string; at: number; bytes: number[] }>;
	readonly closed: Array<{ from: string; reason: string }>;
}

const OPTIONS: NetworkOptions = { latencyMs: { min: 10, max: 50 }, loss: 0, degree: 2, banMs: 60_000 };

function setup(n: number, options: Partial<NetworkOptions> = {}, seed = 1) {
	const clock = new VirtualClock(0);
	const net = new SimNetwork(clock, Rng.stream(seed, 'network'), { ...OPTIONS, ...options });
	const nodes: Recorder[] = Array.from({ length: n }, (_, i) => {
		const r: Recorder = {
			name: `n${i}`,
			links: new Map(),
			received: [],
			closed: [],
			accept(link) {
				r.links.set(link.id, link);
				link.onMessage = (bytes) => r.received.push({ from: link.id, at: clock.now(), bytes: [...bytes] });
				link.onClose = (reason) => r.closed.push({ from: link.id, reason });
			}
		};
		net.add(r);
		return r;
	});
	const run = () => clock.run(Infinity, () => false);
	return { clock, net, nodes, run };
}

describe('SimNetwork', () => {
	it('delivers frames in order, each after a latency within the bounds', async () => {
		const { net, nodes, run } = setup(2);
		net.connect(0, 1);
		for (let i = 0; i < 50; i++) nodes[0]!.links.get('n1')!.send(new Uint8Array([i]));
		await run();
		const got = nodes[1]!.received;
		expect(got.map((r) => r.bytes[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
		for (const r of got) expect(r.at).toBeGreaterThanOrEqual(10);
		expect(Math.max(...got.map((r) => r.at))).toBeLessThanOrEqual(50);
		expect(new Set(got.map((r) => r.at)).size).toBeGreaterThan(1);
	});

	it('loses frames at the given rate, but never the first frame of a connection', async () => {
		const { net, nodes, run } = setup(2, { loss: 0.5 });
		net.connect(0, 1);
		for (let i = 0; i < 400; i++) nodes[0]!.links.get('n1')!.send(new Uint8Array([i % 256]));
		await run();
		const got = nodes[1]!.received;
		expect(got[0]!.bytes).toEqual([0]);
		expect(got.length).toBeGreaterThan(150);
		expect(got.length).toBeLessThan(250);
		expect(net.stats.framesLost).toBe(400 - got.length);
	});

	it('cuts links across a partition, loses frames across it, and links within groups only until it heals', async () => {
		const { net, nodes, run } = setup(4);
		net.connect(0, 2);
		net.partition([[0, 1], [2, 3]]);
		await run();
		expect(nodes[0]!.closed).toEqual([{ from: 'n2', reason: 'partitioned' }]);
		expect(net.connect(0, 3)).toBe(false);
		expect(net.connect(0, 1)).toBe(true);
		net.partition(null);
		expect(net.connect(0, 3)).toBe(true);
	});

	it('puts members named in no group together in a group of their own', () => {
		const { net } = setup(4);
		net.partition([[0]]);
		expect(net.reachable(1, 2)).toBe(true);
		expect(net.reachable(0, 1)).toBe(false);
	});

	it('closes every link of a member that goes offline, and links it again only once it is back', async () => {
		const { net, nodes, run } = setup(3);
		net.connect(0, 1);
		net.connect(0, 2);
		net.setOnline(0, false);
		await run();
		expect(nodes[1]!.closed).toEqual([{ from: 'n0', reason: 'went offline' }]);
		expect(net.connect(0, 1)).toBe(false);
		net.setOnline(0, true);
		expect(net.connect(0, 1)).toBe(true);
	});

	it('tells the other side of a close one latency later, and a close for misbehaviour refuses the peer for a while', async () => {
		const { clock, net, nodes, run } = setup(2);
		net.connect(0, 1);
		nodes[0]!.links.get('n1')!.close('E_BLOCK_SEAL: bad seal', true);
		expect(nodes[0]!.closed).toEqual([{ from: 'n1', reason: 'E_BLOCK_SEAL: bad seal' }]);
		expect(nodes[1]!.closed).toEqual([]);
		await run();
		expect(nodes[1]!.closed).toEqual([{ from: 'n0', reason: 'closed by the peer: E_BLOCK_SEAL: bad seal' }]);
		expect(net.closes.at(-1)).toMatchObject({ by: 0, other: 1, misbehaved: true });
		expect(net.connect(1, 0)).toBe(false);
		clock.setTimeout(() => {}, 60_000);
		await run();
		expect(net.connect(1, 0)).toBe(true);
	});

	it("keeps every member at the mesh degree, one more at most, and (seeded) connected", () => {
		const { net } = setup(12, { degree: 3 });
		net.maintain();
		const seen = new Set([0]);
		const todo = [0];
		while (todo.length) for (const j of net.peersOf(todo.pop()!)) if (!seen.has(j)) seen.add(j), todo.push(j);
		for (let i = 0; i < 12; i++) {
			expect(net.peersOf(i).length).toBeGreaterThanOrEqual(3);
			expect(net.peersOf(i).length).toBeLessThanOrEqual(3 + 1);
		}
		expect(seen.size).toBe(12);
	});
});
