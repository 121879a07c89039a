/**
 * Governance traffic: members make proposals (from a script, then at
 * random), vote on them with seeded preferences (some change their minds,
 * some delegate their weight or take it back), execute what passed once its
 * timelock is over, and the proposer of a doomed idea cancels it before
 * anyone votes. Proposals pass, fail their threshold or their quorum, and
 * some passed ones expire (a treasury spend the treasury cannot pay).
 *
 * Every step is a real signed transaction through the member's own node,
 * decided on what that member's chain shows and dry-run by the node first
 * (`preflight`), so a step that can no longer apply is refused instead of
 * holding up the member's later transactions. Nothing here relies on the
 * node sealing, voting or executing by itself.
 */
import { fromHex, type Hex } from '../core/bytes.js';
import type { Encodable } from '../core/codec.js';
import type { KeyPair } from '../core/keys.js';
import { ballotOf, delegationOf, proposalView, type ProposalView } from '../core/state/dao/queries.js';
import type { Status } from '../core/state/dao/records.js';
import { authoritySet, settingBase } from '../core/state/dao/settings.js';
import { isMember, listMembers } from '../core/state/members.js';
import type { StateTree } from '../core/state/tree.js';
import type { BinaryChoice } from '../core/tally/types.js';
import type { Actor } from './actors.js';
import { applicantKey } from './community.js';
import type { Rng } from './rng.js';
import type { Simulation, SimMember } from './world.js';

/** How the members feel about a proposal. */
export interface Sentiment {
	/** Chance that a member votes at all. */
	readonly turnout: number;
	/** Chance that a member who votes is for it (the others are against, or now and then abstain). */
	readonly support: number;
	/** Chance that a member who votes changes its vote a little later. */
	readonly fickle: number;
}

export interface ProposalPlan {
	/** Virtual ms after the start; the proposer proposes then, or as soon after as it can act. */
	readonly at: number;
	/** The node index of the proposer. */
	readonly proposer: number;
	readonly title: string;
	/** The action, as a `dao.propose` body carries it (see the builders below). */
	readonly action: Encodable;
	readonly sentiment: Sentiment;
	/** The proposer cancels it before anyone votes, and nobody votes on it. */
	readonly cancel?: boolean;
}

export interface GovernanceOptions {
	/**
	 * Open with proposals that make every outcome happen early: a fee change
	 * that passes and is executed, an idea voted down, an admission, one that
	 * misses its quorum, an authority elected (where the engine has an
	 * authority set and there is a member to elect) or else a treasury
	 * payment, and one its proposer withdraws.
	 */
	readonly opening?: boolean;
	/** Proposals at given times (after the opening ones). */
	readonly script?: readonly ProposalPlan[];
	/** After the script, random proposals this far apart on average (absent: none). */
	readonly meanGapMs?: number;
	/** A member delegates its weight, or takes it back, this often on average, all members together (absent: never). */
	readonly delegationGapMs?: number;
}

// Action builders: what a `dao.propose` body's `action` holds.
export const textAction = (): Encodable => ({ type: 'text' });
export const feeChange = (changes: Readonly<Record<string, number>>, afterBlocks = 1): Encodable => ({ type: 'change', setting: 'policy.fee', changes: { ...changes }, afterBlocks });
export const admitAction = (key: KeyPair, name: string): Encodable => ({ type: 'admit', key: key.publicKey, name });
export const addAuthority = (key: Hex, afterBlocks = 1): Encodable => ({ type: 'authorities', add: [fromHex(key)], afterBlocks });
export const treasuryPayment = (to: Hex, amount: number): Encodable => ({ type: 'treasury', payments: [{ to: fromHex(to), amount }] });

/** How often the actor looks at the members' chains: about once a block. */
const TICK_MS = 500;
/** A proposer that cannot act for this long after its plan's time gives the plan up. */
const PATIENCE_MS = 20_000;
/** No ballot is sent this close to the close of a vote: it might reach a block too late. */
const VOTE_MARGIN_MS = 2_000;
/** A refused execution (a treasury too poor to pay, say) is tried again this much later. */
const RETRY_MS = 2_000;
const ABSTAIN_SHARE = 0.15;
const FICKLE = 0.15;

interface Tracked {
	readonly plan: ProposalPlan;
	/** The proposal's id once its transaction is saved; null while not made; 'sending' meanwhile. */
	id: Hex | 'sending' | null;
	/** Given up (its proposer could not make it in time), or over (it reached a final status): no longer looked at. */
	done: boolean;
	/** Virtual time before which its execution or cancel is not tried (again). */
	notBefore: number;
}

/** Statuses after which nothing more happens to a proposal. */
const FINAL: readonly Status[] = ['defeated', 'succeeded', 'executed', 'expired', 'cancelled'];

/** One member's ballots on one proposal: its first choice and, for some, the choice it changes to a little later. */
interface Ballots {
	readonly first: BinaryChoice;
	readonly second: BinaryChoice | null;
	readonly secondAfterMs: number;
	/** Ballots sent so far (a send in progress counts), and when the last was. */
	sent: number;
	lastAt: number;
}

export class GovernanceTraffic implements Actor {
	readonly name = 'governance';
	private readonly tracked: Tracked[] = [];
	/** By `${proposal}/${node index}`; null: this member does not vote on it. */
	private readonly ballots = new Map<string, Ballots | null>();
	private readonly proposedAuthorities = new Set<Hex>();
	private applicants = 0;
	private random = 0;

	constructor(private readonly options: GovernanceOptions) {}

	start(sim: Simulation): void {
		const script = [...(this.options.opening ? this.opening(sim) : []), ...(this.options.script ?? [])];
		for (const plan of script) this.track(plan);
		const choices = sim.rng('governance/ballots');
		sim.clock.every(TICK_MS, () => this.tick(sim, choices));
		const last = Math.max(0, ...script.map((p) => p.at));
		const { meanGapMs, delegationGapMs } = this.options;
		if (meanGapMs) this.poisson(sim, sim.rng('governance/proposals'), last, meanGapMs, (rng) => this.randomPlan(sim, rng));
		if (delegationGapMs) this.poisson(sim, sim.rng('governance/delegations'), 0, delegationGapMs, (rng) => this.delegate(sim, rng));
	}

	/** Runs `fn` at the events of a Poisson process with mean gap `mean`, from `from` virtual ms on. */
	private poisson(sim: Simulation, rng: Rng, from: number, mean: number, fn: (rng: Rng) => void): void {
		const next = (delay: number): void => {
			sim.clock.setTimeout(() => {
				fn(rng);
				next(rng.exponential(mean));
			}, delay);
		};
		next(from + rng.exponential(mean));
	}

	private track(plan: ProposalPlan): void {
		this.tracked.push({ plan, id: null, done: false, notBefore: 0 });
	}

	/** The proposals made and still open, with their ids. */
	private *live(): Generator<Tracked & { id: Hex }> {
		for (const t of this.tracked) if (!t.done && t.id !== null && t.id !== 'sending') yield t as Tracked & { id: Hex };
	}

	private tick(sim: Simulation, choices: Rng): void {
		const now = sim.clock.now();
		for (const t of this.tracked) if (t.id === null && !t.done && sim.elapsedMs >= t.plan.at) this.propose(sim, t);
		for (const m of sim.members) if (sim.canAct(m)) this.vote(sim, m, choices, now);
		for (const t of this.live()) if (now >= t.notBefore) this.follow(sim, t, now);
	}

	private propose(sim: Simulation, t: Tracked): void {
		const { plan } = t;
		const proposer = sim.members[plan.proposer]!;
		if (!sim.canAct(proposer)) {
			t.done = sim.elapsedMs > plan.at + PATIENCE_MS;
			return;
		}
		t.id = 'sending';
		void sim.submit(proposer, 'dao.propose', { title: plan.title, body: '', action: plan.action }, { preflight: true }).then((id) => {
			t.id = id;
			t.done = id === null && sim.elapsedMs > plan.at + PATIENCE_MS;
		});
	}

	/** The member's ballots on every proposal open to a vote in its view, as its preferences say. */
	private vote(sim: Simulation, m: SimMember, choices: Rng, now: number): void {
		const view = m.node.chain!.state;
		for (const t of this.live()) {
			if (t.plan.cancel) continue;
			const p = proposalView(view, t.id);
			if (!p || p.status !== 'active' || p.terms.votingEnds - now <= VOTE_MARGIN_MS) continue;
			const b = this.ballotsOf(t, m, choices);
			if (!b) continue;
			const recorded = ballotOf(view, t.id, m.key)?.choice;
			if (b.sent === 0) this.cast(sim, m, p, b, b.first, now);
			else if (b.sent === 1 && b.second && recorded === b.first && now >= b.lastAt + b.secondAfterMs) this.cast(sim, m, p, b, b.second, now);
		}
	}

	private ballotsOf(t: Tracked & { id: Hex }, m: SimMember, rng: Rng): Ballots | null {
		const key = `${t.id}/${m.index}`;
		if (!this.ballots.has(key)) {
			const { turnout, support, fickle } = t.plan.sentiment;
			const votes = rng.chance(turnout);
			const first: BinaryChoice = rng.chance(support) ? 'for' : rng.chance(ABSTAIN_SHARE) ? 'abstain' : 'against';
			const second: BinaryChoice | null = rng.chance(fickle) ? (first === 'for' ? 'against' : 'for') : null;
			this.ballots.set(key, votes ? { first, second, secondAfterMs: rng.int(1_000, 4_000), sent: 0, lastAt: 0 } : null);
		}
		return this.ballots.get(key)!;
	}

	private cast(sim: Simulation, m: SimMember, p: ProposalView, b: Ballots, choice: BinaryChoice, now: number): void {
		const before = b.sent;
		b.sent++;
		b.lastAt = now;
		// The ballot counts only in a block before the close: it expires there.
		void sim.submit(m, 'dao.vote', { proposal: fromHex(p.id), choice }, { preflight: true, expires: p.terms.votingEnds }).then((id) => {
			if (id === null) b.sent = before;
		});
	}

	/**
	 * The proposer (or, while it is away, the first member who can act)
	 * executes what passed, or cancels what it planned to; a proposal that
	 * reached a final status is let go.
	 */
	private follow(sim: Simulation, t: Tracked & { id: Hex }, now: number): void {
		const proposer = sim.members[t.plan.proposer]!;
		const actor = sim.canAct(proposer) ? proposer : t.plan.cancel ? undefined : sim.members.find((m) => sim.canAct(m));
		if (!actor) return;
		const p = proposalView(actor.node.chain!.state, t.id);
		if (!p) return;
		if (FINAL.includes(p.status)) {
			t.done = true;
			return;
		}
		let kind: string;
		let expires: number;
		if (t.plan.cancel && (p.status === 'pending' || p.status === 'active') && p.ballots === 0) {
			kind = 'dao.cancel';
			expires = p.terms.votingEnds;
		} else if (p.status === 'queued' && now >= p.eta! && now < p.expires!) {
			kind = 'dao.execute';
			expires = p.expires!;
		} else return;
		t.notBefore = Number.POSITIVE_INFINITY;
		void sim.submit(actor, kind, { proposal: fromHex(t.id) }, { preflight: true, expires }).then((sent) => {
			// Done once saved: the node sends it until it is in a block or expires.
			t.notBefore = sent === null ? sim.clock.now() + RETRY_MS : Number.POSITIVE_INFINITY;
		});
	}

	/** A proposal of a random kind by a random founding member, with random feelings about it. */
	private randomPlan(sim: Simulation, rng: Rng): void {
		const proposer = sim.members[rng.pick(sim.community.founders)]!;
		const view = proposer.node.chain?.state;
		if (!view) return;
		const n = ++this.random;
		const kinds = ['text', 'text', 'fee', 'fee', 'treasury', 'treasury', 'admit', 'authorities'] as const;
		const made = this.randomAction(sim, view, rng.pick(kinds), rng);
		this.track({
			at: sim.elapsedMs,
			proposer: proposer.index,
			title: `${made.title} (${n})`,
			action: made.action,
			sentiment: { turnout: rng.pick([0.2, 0.8, 0.9, 0.95]), support: rng.pick([0.1, 0.5, 0.8, 0.95]), fickle: FICKLE }
		});
	}

	private randomAction(sim: Simulation, view: StateTree, kind: 'text' | 'fee' | 'treasury' | 'admit' | 'authorities', rng: Rng): { title: string; action: Encodable } {
		switch (kind) {
			case 'fee': {
				const minimumFee = rng.int(1, 4);
				return { title: `Set the minimum message fee to ${minimumFee}`, action: feeChange({ minimumFee }, rng.int(1, 4)) };
			}
			case 'treasury': {
				const to = rng.pick(listMembers(view));
				const amount = rng.int(5, 60);
				return { title: `Pay ${amount} from the treasury to ${to.slice(0, 8)}`, action: treasuryPayment(to, amount) };
			}
			case 'admit':
				// Applicants have no node and never vote: too many would keep every vote from its quorum.
				if (this.applicants < sim.community.founders.length / 2) return this.admitNext(sim);
				return { title: 'Welcome the newcomers', action: textAction() };
			case 'authorities': {
				const candidate = this.authorityCandidate(sim, view);
				if (candidate) return { title: `Elect ${candidate.name} to seal blocks`, action: this.electing(candidate) };
				return { title: 'Thank the sealers', action: textAction() };
			}
			case 'text':
				return { title: rng.pick(['Plant a hedge', 'Meet on Tuesdays', 'Paint the shed', 'Buy a new mower']), action: textAction() };
		}
	}

	private opening(sim: Simulation): ProposalPlan[] {
		const founders = sim.community.founders;
		const by = (k: number): number => founders[k % founders.length]!;
		const popular: Sentiment = { turnout: 0.95, support: 0.95, fickle: FICKLE };
		const candidate = this.authorityCandidate(sim, sim.members[0]!.node.chain!.state);
		const admission = this.admitNext(sim);
		return [
			{ at: 2_000, proposer: by(1), title: 'Raise the minimum message fee to 2', action: feeChange({ minimumFee: 2 }, 2), sentiment: popular },
			{ at: 3_000, proposer: by(2), title: 'Rename the community', action: textAction(), sentiment: { turnout: 0.95, support: 0.05, fickle: FICKLE } },
			{ at: 4_000, proposer: by(3), title: admission.title, action: admission.action, sentiment: popular },
			{ at: 5_000, proposer: by(4), title: 'Meet at dawn', action: textAction(), sentiment: { turnout: 0.05, support: 0.9, fickle: FICKLE } },
			candidate
				? { at: 6_000, proposer: by(5), title: `Elect ${candidate.name} to seal blocks`, action: this.electing(candidate), sentiment: popular }
				: { at: 6_000, proposer: by(5), title: 'Pay 20 from the treasury to member 0', action: treasuryPayment(sim.members[0]!.key, 20), sentiment: popular },
			{ at: 7_000, proposer: by(6), title: 'Withdrawn idea', action: textAction(), sentiment: popular, cancel: true }
		];
	}

	/** Admitting the next applicant (a key with no node). */
	private admitNext(sim: Simulation): { title: string; action: Encodable } {
		const k = this.applicants++;
		return { title: `Admit applicant ${k}`, action: admitAction(applicantKey(sim.options.seed, k), `applicant ${k}`) };
	}

	/**
	 * A member with a node who cannot seal yet, under an engine whose sealers
	 * are a set governance changes (PoA authorities, FBA validators), and whom
	 * no proposal names yet; undefined when there is none.
	 */
	private authorityCandidate(sim: Simulation, view: StateTree): SimMember | undefined {
		if (!authoritySet(view)) return undefined;
		const sealing = settingBase(view, 'authorities') as readonly Hex[];
		return sim.members.find((m) => isMember(view, m.key) && !sealing.includes(m.key) && !this.proposedAuthorities.has(m.key));
	}

	/** The action electing `m`, remembered so that no second proposal names it. */
	private electing(m: SimMember): Encodable {
		this.proposedAuthorities.add(m.key);
		return addAuthority(m.key);
	}

	/** A random founding member delegates its weight to a member after it in the list (so no delegation closes a cycle), or takes it back. */
	private delegate(sim: Simulation, rng: Rng): void {
		const m = sim.members[rng.pick(sim.community.founders)]!;
		if (!sim.canAct(m)) return;
		const view = m.node.chain!.state;
		if (delegationOf(view, m.key).to !== null) {
			void sim.submit(m, 'dao.delegate', { to: null }, { preflight: true });
			return;
		}
		const later = sim.members.filter((x) => x.index > m.index && isMember(view, x.key));
		if (later.length > 0) void sim.submit(m, 'dao.delegate', { to: rng.pick(later).keys.publicKey }, { preflight: true });
	}
}
