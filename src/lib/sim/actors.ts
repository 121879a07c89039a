/**
 * Actors put work into a simulated community on a schedule of their own:
 * members posting and paying each other, and members going away for a
 * while, here; governance (governance.ts) and messages (messages.ts) in
 * their own modules. An actor gets the running simulation when it starts
 * and draws its randomness from streams named after it.
 */
import type { Encodable } from '../core/codec.js';
import type { Simulation, SimMember } from './world.js';

export interface Actor {
	readonly name: string;
	/** Called once, at the start of the run; schedules its own work on `sim.clock`. */
	start(sim: Simulation): void;
}

/**
 * Members sending transactions at `perSecond` on average (a Poisson
 * process): posts, and transfers of small amounts to other members.
 */
export class MemberTraffic implements Actor {
	readonly name = 'traffic';

	constructor(private readonly perSecond: number) {}

	start(sim: Simulation): void {
		if (this.perSecond <= 0) return;
		const rng = sim.rng(this.name);
		const meanGap = 1000 / this.perSecond;
		let sent = 0;
		const next = (): void => {
			sim.clock.setTimeout(() => {
				const able = sim.members.filter((m) => sim.canAct(m));
				if (able.length > 0) {
					const from = rng.pick(able);
					void sim.submit(from, ...this.transaction(sim, from, rng.next(), rng.int(1, 100), sent++));
				}
				next();
			}, rng.exponential(meanGap));
		};
		next();
	}

	private transaction(sim: Simulation, from: SimMember, draw: number, amount: number, n: number): [string, Encodable] {
		const others = sim.members.filter((m) => m !== from);
		if (draw < 0.3 && others.length > 0) {
			const to = others[Math.floor((draw / 0.3) * others.length)]!;
			return ['transfer', { to: to.keys.publicKey, amount }];
		}
		return ['post', { text: `post ${n} from ${from.name}` }];
	}
}

/** Takes one member offline from `from` until `to` virtual ms after the start (a laptop closed for a while). */
export class Outage implements Actor {
	readonly name = 'outage';

	constructor(
		private readonly member: number,
		private readonly from: number,
		private readonly to: number
	) {}

	start(sim: Simulation): void {
		sim.clock.setTimeout(() => sim.setOnline(this.member, false), this.from);
		sim.clock.setTimeout(() => sim.setOnline(this.member, true), this.to);
	}
}
