/**
 * The DAO's records in state and their keys. A proposal is stored twice
 * over: what it says and its fixed terms (`d/p/<id>`, written once) apart
 * from how it is doing (`d/s/<id>`, small, rewritten as it moves), so a
 * ballot never rewrites the proposal's text.
 *
 *   d/n              number of proposals made
 *   d/i/<n>          id of proposal number n (1-based)
 *   d/p/<id>         Proposal
 *   d/s/<id>         Progress
 *   d/w/<id>         the weight snapshot while voting is open (weights.ts)
 *   d/b/<id>/<k>     the ballot of the k-th distinct voter (their last one: it is what counts),
 *                    so the close reads the ballots one key each, without scanning state
 *   d/v/<id>/<voter> k for that voter
 *   d/r/<member>     block times of the member's recent proposals (rate limit)
 *
 * The DAO's other keys: d/config (config.ts), d/t# and d/t/<i> (the
 * deadline heap, deadlines.ts), d/x/<setting> and d/o/<setting> (scheduled
 * settings and their origin, settings.ts), d/upgrade (actions.ts). A
 * proposal's id is the id of the transaction that made it.
 */
import type { Hex } from '../../bytes.js';
import type { Encodable } from '../../codec.js';
import type { Choice, Tally } from '../../tally/types.js';
import type { StateTree } from '../tree.js';
import type { ProposalContent } from './proposal.js';

export const STATUSES = ['pending', 'active', 'defeated', 'succeeded', 'queued', 'executed', 'expired', 'cancelled'] as const;
/**
 * pending → active → defeated | succeeded → queued → executed | expired, or
 * cancelled (pending, or active before any ballot). A passed proposal with
 * nothing to execute (a text, or a winning option without action) stays
 * succeeded; one with an action is queued at once behind its timelock.
 */
export type Status = (typeof STATUSES)[number];

/** A block and transaction something happened in. */
export interface Stamp {
	readonly height: number;
	readonly time: number;
	readonly tx: Hex;
}

/** Fixed when the proposal is made, from the configuration then in force. */
export interface Terms {
	readonly votingStarts: number;
	readonly votingEnds: number;
	readonly executionDelayMs: number;
	readonly gracePeriodMs: number;
	readonly quorumPpm: number;
	readonly thresholdPpm: number;
}

export type Proposal = ProposalContent & {
	readonly id: Hex;
	readonly number: number;
	readonly proposer: Hex;
	readonly created: Stamp;
	readonly deposit: number;
	readonly terms: Terms;
};

export interface Transition {
	readonly status: Status;
	readonly height: number;
	readonly time: number;
}

/** The tally of a closed vote, with the weight that reached ballots through delegation. */
export type Outcome = Tally & { readonly delegated: number };

export interface Progress {
	readonly status: Status;
	/** Distinct voters so far. */
	readonly ballots: number;
	/** Set when voting opens. */
	readonly snapshot?: { readonly height: number; readonly total: number };
	/** Set when voting closes. */
	readonly outcome?: Outcome;
	/** Set when queued: executable from `eta`, expired from `expires`. */
	readonly eta?: number;
	readonly expires?: number;
	readonly executed?: Stamp;
	/** Every status the proposal has been in, oldest first. */
	readonly history: readonly Transition[];
}

export interface Ballot {
	readonly voter: Hex;
	readonly choice: Choice;
	/** The voter's own snapshot weight (delegated weight is added when the vote closes). */
	readonly weight: number;
	readonly cast: Stamp;
}

const COUNT_KEY = 'd/n';
const numberKey = (n: number): string => `d/i/${n}`;
const proposalKey = (id: Hex): string => `d/p/${id}`;
const progressKey = (id: Hex): string => `d/s/${id}`;
const ballotKey = (id: Hex, k: number): string => `d/b/${id}/${k}`;
const voterKey = (id: Hex, voter: Hex): string => `d/v/${id}/${voter}`;
const recentKey = (member: Hex): string => `d/r/${member}`;

const put = (state: StateTree, key: string, value: unknown): void => state.put(key, value as Encodable);

export function proposalCount(state: StateTree): number {
	return (state.get(COUNT_KEY) as number | undefined) ?? 0;
}

export function proposalIdAt(state: StateTree, number: number): Hex | undefined {
	return state.get(numberKey(number)) as Hex | undefined;
}

export function getProposal(state: StateTree, id: Hex): Proposal | undefined {
	return state.get(proposalKey(id)) as Proposal | undefined;
}

/** Stores a new proposal under the next number. */
export function addProposal(state: StateTree, proposal: Proposal, progress: Progress): void {
	state.put(COUNT_KEY, proposal.number);
	state.put(numberKey(proposal.number), proposal.id);
	put(state, proposalKey(proposal.id), proposal);
	put(state, progressKey(proposal.id), progress);
}

export function getProgress(state: StateTree, id: Hex): Progress | undefined {
	return state.get(progressKey(id)) as Progress | undefined;
}

/** Moves a proposal on: `changes` merged into its progress, and a transition to `status` recorded. */
export function advanceTo(state: StateTree, id: Hex, status: Status, at: { height: number; time: number }, changes: Partial<Progress> = {}): Progress {
	const before = getProgress(state, id)!;
	const next: Progress = { ...before, ...changes, status, history: [...before.history, { status, height: at.height, time: at.time }] };
	put(state, progressKey(id), next);
	return next;
}

export function getBallot(state: StateTree, id: Hex, voter: Hex): Ballot | undefined {
	const k = state.get(voterKey(id, voter)) as number | undefined;
	return k === undefined ? undefined : (state.get(ballotKey(id, k)) as Ballot | undefined);
}

/** Records a ballot, replacing the voter's earlier one; a first ballot takes the next place in the list. */
export function putBallot(state: StateTree, id: Hex, ballot: Ballot): void {
	let k = state.get(voterKey(id, ballot.voter)) as number | undefined;
	if (k === undefined) {
		const progress = getProgress(state, id)!;
		k = progress.ballots;
		state.put(voterKey(id, ballot.voter), k);
		put(state, progressKey(id), { ...progress, ballots: k + 1 });
	}
	put(state, ballotKey(id, k), ballot);
}

/** The ballots of a proposal, in the order voters first voted (each voter's last ballot). */
export function listBallots(state: StateTree, id: Hex): Ballot[] {
	const count = getProgress(state, id)?.ballots ?? 0;
	return Array.from({ length: count }, (_, k) => state.get(ballotKey(id, k)) as unknown as Ballot);
}

export function recentProposals(state: StateTree, member: Hex): readonly number[] {
	return (state.get(recentKey(member)) as number[] | undefined) ?? [];
}

export function putRecentProposals(state: StateTree, member: Hex, times: readonly number[]): void {
	state.put(recentKey(member), times.length === 0 ? undefined : [...times]);
}
