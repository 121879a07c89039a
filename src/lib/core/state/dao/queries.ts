/**
 * Read-only views of governance for the app and the command line: proposals
 * by status, one proposal's live tally and ballots, a member's delegation,
 * where each governed setting came from (the proposal, its ballots and the
 * block that executed it), and a summary for `agora verify --json`. Linear
 * in what they list; none is used by block application.
 */
import type { Hex } from '../../bytes.js';
import { getAccount, TREASURY } from '../accounts.js';
import { getMember, listMembers, liveDelegate } from '../members.js';
import type { StateTree } from '../tree.js';
import { getUpgrade, type Upgrade } from './actions.js';
import { getDaoConfig, type DaoConfig } from './config.js';
import { delegationChain } from './delegation.js';
import { countVotes } from './lifecycle.js';
import { getBallot, getProgress, getProposal, listBallots, proposalCount, proposalIdAt, STATUSES, type Ballot, type Outcome, type Progress, type Proposal, type Status } from './records.js';
import { SETTING_NAMES, settingView, type SettingName, type SettingView } from './settings.js';

export type ProposalView = Proposal & Progress;

export function proposalView(state: StateTree, id: Hex): ProposalView | undefined {
	const proposal = getProposal(state, id);
	return proposal && { ...proposal, ...getProgress(state, id)! };
}

/** Proposals, newest first; only those in `statuses` when given. */
export function listProposals(state: StateTree, statuses?: readonly Status[]): ProposalView[] {
	const out: ProposalView[] = [];
	for (let n = proposalCount(state); n >= 1; n--) {
		const view = proposalView(state, proposalIdAt(state, n)!)!;
		if (!statuses || statuses.includes(view.status)) out.push(view);
	}
	return out;
}

export interface TallyView {
	readonly outcome: Outcome;
	/** False while voting is open: the outcome is the count so far. */
	readonly final: boolean;
}

/** The count so far of an open vote, or the outcome of a closed one; undefined before voting opens or after a cancel. */
export function tallyOf(state: StateTree, id: Hex): TallyView | undefined {
	const proposal = getProposal(state, id);
	const progress = getProgress(state, id);
	if (!proposal || !progress) return undefined;
	if (progress.outcome) return { outcome: progress.outcome, final: true };
	return progress.status === 'active' ? { outcome: countVotes(state, proposal), final: false } : undefined;
}

/** A proposal's ballots, in the order voters first voted (each with its latest choice). */
export function ballotsOf(state: StateTree, id: Hex): Ballot[] {
	return listBallots(state, id);
}

/** The ballot `voter` has on a proposal now (their last), if any. */
export function ballotOf(state: StateTree, id: Hex, voter: Hex): Ballot | undefined {
	return getBallot(state, id, voter);
}

export interface DelegationView {
	/** The member `who` delegates to, as recorded (null: none). */
	readonly to: Hex | null;
	/** False when that delegate has left since: the delegation counts for nothing. */
	readonly live: boolean;
	/** Where the weight ends up when nobody on the way votes: the delegates up the chain, nearest first. */
	readonly chain: readonly Hex[];
	/** The members who delegate to `who` directly. */
	readonly delegators: readonly Hex[];
}

export function delegationOf(state: StateTree, who: Hex): DelegationView {
	const to = getMember(state, who)?.delegate?.to ?? null;
	return {
		to,
		live: to !== null && liveDelegate(state, who) === to,
		chain: delegationChain(state, who),
		delegators: listMembers(state).filter((m) => liveDelegate(state, m) === who).sort()
	};
}

export interface SettingOrigin {
	readonly setting: SettingView;
	/** The executed proposal that made the value in force; null for a genesis value. */
	readonly proposal: ProposalView | null;
	readonly ballots: readonly Ballot[];
}

/** A governed setting (a queue policy, the chain parameters, the DAO configuration, contracts, authorities) and what made it. */
export function settingOrigin(state: StateTree, name: SettingName): SettingOrigin {
	const setting = settingView(state, name);
	const id = setting.origin.proposal;
	return { setting, proposal: id === null ? null : proposalView(state, id)!, ballots: id === null ? [] : listBallots(state, id) };
}

/** The settings a proposal made, in force or still scheduled. */
export function producedBy(state: StateTree, id: Hex): SettingView[] {
	return SETTING_NAMES.map((name) => settingView(state, name)).filter((v) => v.origin.proposal === id || v.pending?.proposal === id);
}

export interface GovernanceSummary {
	readonly proposals: number;
	readonly byStatus: Readonly<Record<Status, number>>;
	/** Distinct voters summed over proposals. */
	readonly ballots: number;
	/** Live delegations among current members. */
	readonly delegations: number;
	readonly members: number;
	readonly treasury: number;
	readonly settings: ReadonlyArray<{
		readonly name: SettingName;
		readonly proposal: Hex | null;
		readonly effectiveFrom: number;
		readonly pending: { readonly proposal: Hex; readonly effectiveFrom: number } | null;
	}>;
	readonly upgrade: Upgrade | null;
	readonly config: DaoConfig;
}

export function governanceSummary(state: StateTree): GovernanceSummary {
	const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
	let ballots = 0;
	for (let n = 1; n <= proposalCount(state); n++) {
		const progress = getProgress(state, proposalIdAt(state, n)!)!;
		byStatus[progress.status]++;
		ballots += progress.ballots;
	}
	const members = listMembers(state);
	return {
		proposals: proposalCount(state),
		byStatus,
		ballots,
		delegations: members.filter((m) => liveDelegate(state, m) !== undefined).length,
		members: members.length,
		treasury: getAccount(state, TREASURY).balance,
		settings: SETTING_NAMES.map((name) => {
			const v = settingView(state, name);
			return { name, proposal: v.origin.proposal, effectiveFrom: v.origin.effectiveFrom, pending: v.pending && { proposal: v.pending.proposal, effectiveFrom: v.pending.effectiveFrom } };
		}),
		upgrade: getUpgrade(state) ?? null,
		config: getDaoConfig(state)
	};
}
