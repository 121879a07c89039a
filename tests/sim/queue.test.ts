/**
 * The queue with a recipient who is away: while member 5's laptop is shut,
 * messages to it are delivered again and again on chain (each window twice
 * as long as the one before); when it comes back and catches up, it
 * acknowledges them, ordered ones in order, and the receipts are on chain.
 * What could not wait meanwhile did not: a short-lived message expired, one
 * allowed only two deliveries was dead-lettered, an at-most-once one was
 * delivered once and never again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/lib/core/bytes.js';
import type { Guarantee } from '../../src/lib/core/state/policy.js';
import { getDelivery, getMessage } from '../../src/lib/core/state/queue/records.js';
import { Outage, type Actor } from '../../src/lib/sim/actors.js';
import { SIM_EPOCH } from '../../src/lib/sim/community.js';
import { Recipients, sendMessage, TEXT, type Draft } from '../../src/lib/sim/messages.js';
import { createSimulation, finish, type SimResult } from '../../src/lib/sim/simulate.js';
import type { Simulation } from '../../src/lib/sim/world.js';
import { agreedChain, simSeed } from './helpers.js';

const SEED = simSeed(31);
const AWAY = 5;
const LEAVES = 3_000;
const RETURNS = 25_000;

/** Member 1 writes to the absent member 5 at these times (virtual ms), and keeps the ids. */
interface Letter {
	readonly name: string;
	readonly at: number;
	readonly draft: Partial<Draft> & { readonly guarantee: Guarantee };
	id?: string | null;
}

const LETTERS: Letter[] = [
	{ name: 'at least once', at: 5_000, draft: { guarantee: 'atLeastOnce', maxDeliveries: 8 } },
	{ name: 'exactly once', at: 5_200, draft: { guarantee: 'exactlyOnce', maxDeliveries: 8 } },
	{ name: 'ordered 0', at: 5_400, draft: { guarantee: 'ordered', maxDeliveries: 8 } },
	{ name: 'ordered 1', at: 5_600, draft: { guarantee: 'ordered', maxDeliveries: 8 } },
	{ name: 'short-lived', at: 5_800, draft: { guarantee: 'atLeastOnce', lifetimeMs: 10_000 } },
	{ name: 'two deliveries', at: 6_000, draft: { guarantee: 'atLeastOnce', maxDeliveries: 2 } },
	{ name: 'at most once', at: 6_200, draft: { guarantee: 'atMostOnce' } }
];

class Letters implements Actor {
	readonly name = 'letters';
	start(sim: Simulation): void {
		const rng = sim.rng(this.name);
		const to = sim.members[AWAY]!.key;
		for (const letter of LETTERS) {
			sim.clock.setTimeout(() => {
				const draft: Draft = { to, topic: null, priority: 'normal', content: utf8(`${letter.name}: see you soon`), contentType: TEXT, lifetimeMs: null, maxDeliveries: null, ...letter.draft };
				void sendMessage(sim, sim.members[1]!, draft, rng).then((id) => (letter.id = id));
			}, letter.at);
		}
	}
}

describe(`a recipient away for a while (seed ${SEED})`, () => {
	let sim: Simulation;
	let result: SimResult;

	beforeAll(async () => {
		sim = await createSimulation({
			nodes: 6,
			blocks: 80,
			consensus: 'poa',
			seed: SEED,
			traffic: false,
			churn: 0,
			txsPerSecond: 0.5,
			actors: [new Outage(AWAY, LEAVES, RETURNS), new Letters(), new Recipients({ ack: 1, lateAck: 0, retry: 0, reject: 0 })]
		});
		result = await finish(sim, 80, 200_000);
	}, 60_000);

	afterAll(() => sim?.close());

	const view = () => agreedChain(sim, result).state;
	const recipient = () => sim.members[AWAY]!.key;
	const delivery = (name: string) => {
		const letter = LETTERS.find((l) => l.name === name)!;
		expect(letter.id, `${name} was sent (seed ${SEED})`).toEqual(expect.any(String));
		return { m: getMessage(view(), letter.id!)!, d: getDelivery(view(), letter.id!, recipient())! };
	};
	/** Block time of the first transition into `status`, in virtual ms after the start. */
	const when = (d: { history: readonly (readonly [string, number, unknown])[] }, status: string) => d.history.find((h) => h[0] === status)![1] - SIM_EPOCH;

	it.each(['at least once', 'exactly once', 'ordered 0'])('delivers the %s message again while the recipient is away, and it acknowledges it when back', (name) => {
		const { d } = delivery(name);
		expect(d.status, `seed ${SEED}`).toBe('acked');
		expect(d.attempts, `seed ${SEED}`).toBeGreaterThanOrEqual(2);
		expect(when(d, 'acked')).toBeGreaterThanOrEqual(RETURNS);
		// Every attempt but the one acknowledged went out while the recipient was away.
		const attempts = d.history.filter((h) => h[0] === 'inflight').map((h) => h[1] - SIM_EPOCH);
		expect(attempts.slice(0, -1).every((t) => t >= LEAVES && t < RETURNS)).toBe(true);
		expect(agreedChain(sim, result).findTx(d.ack!)?.tx.kind).toBe('msg.ack');
	});

	it('keeps the order of an ordered stream: the second message waits for the first to be acknowledged, then is', () => {
		const first = delivery('ordered 0').d;
		const second = delivery('ordered 1').d;
		expect(second.status, `seed ${SEED}`).toBe('acked');
		expect(second.history[0]![0]).toBe('waiting');
		expect(when(second, 'inflight')).toBeGreaterThanOrEqual(when(first, 'acked'));
		expect(when(second, 'acked')).toBeGreaterThanOrEqual(RETURNS);
	});

	it('lets a short-lived message expire, dead-letters one with two deliveries, and delivers an at-most-once one once', () => {
		expect(delivery('short-lived').d.history.map((h) => h[0])).toContain('expired');
		expect(when(delivery('short-lived').d, 'expired')).toBeLessThan(RETURNS);
		const dead = delivery('two deliveries').d;
		expect(dead.history.map((h) => h[0])).toContain('dead');
		expect(dead.deadReason === 'maxDeliveries' || dead.status === 'acked').toBe(true);
		expect(when(dead, 'dead')).toBeLessThan(RETURNS);
		expect(delivery('at most once').d.attempts).toBe(1);
	});
});
