/**
 * The DAO's configuration: who may join, how votes are weighed, and the
 * timings and thresholds of proposals. Genesis may set it (the `dao` section);
 * afterwards only an executed proposal changes it, under the constitutional
 * threshold. Absent from state, the defaults apply: the reference's values
 * (7-day vote, 2-day timelock, quorum 10%, approval 50%, deposit 100,
 * minimum weight 1, 3 proposals per member per day, emergency 67%).
 *
 * Times are milliseconds of block time and ratios parts per million. A
 * proposal takes its terms (periods, quorum, threshold) from the
 * configuration in force when it is made, so a change never moves the goal
 * posts of a vote already under way.
 */
import type { Encodable } from '../../codec.js';
import { PPM } from '../../params.js';
import * as s from '../../schema.js';
import type { StateTree } from '../tree.js';

export const MEMBERSHIP_KINDS = ['open', 'invite', 'token', 'stake'] as const;
/**
 * open: anyone may join; invite: admitted by proposal, or by a member's
 * invitation when `memberInvites` is on; token: a balance of at least
 * `membershipMinimum` to join and to vote; stake: the same with stake.
 * A passed admission proposal admits in every kind.
 */
export type MembershipKind = (typeof MEMBERSHIP_KINDS)[number];

export const WEIGHT_MODES = ['member', 'token', 'stake', 'quadratic'] as const;
/** member: one member one vote; token: balance; stake: stake; quadratic: the integer square root of the balance. */
export type WeightMode = (typeof WEIGHT_MODES)[number];

export interface DaoConfig {
	readonly membership: MembershipKind;
	/** Invite-only communities: whether a member's invitation admits (a proposal always does). */
	readonly memberInvites: boolean;
	/** Token holder and stake based communities: the balance or stake needed to join and to vote. */
	readonly membershipMinimum: number;
	readonly weight: WeightMode;
	/** From the proposal's block to the opening of its vote (pending meanwhile); weights are snapshotted at the opening. */
	readonly votingDelayMs: number;
	readonly votingPeriodMs: number;
	/** The timelock between a vote passing and its action becoming executable. */
	readonly executionDelayMs: number;
	/** A passed proposal not executed within this long after its timelock expires. */
	readonly gracePeriodMs: number;
	readonly quorumPpm: number;
	readonly approvalThresholdPpm: number;
	/** The approval needed by proposals that change this configuration. */
	readonly constitutionalThresholdPpm: number;
	/** Paid when proposing; back to the proposer if the vote reaches quorum (or the proposal is cancelled), to the treasury otherwise. */
	readonly proposalDeposit: number;
	/** The weight (under `weight`, now) a member needs to propose. */
	readonly minProposerWeight: number;
	/** At most this many proposals per member in any `proposalWindowMs`. */
	readonly proposalLimit: number;
	readonly proposalWindowMs: number;
	readonly emergencyThresholdPpm: number;
	readonly emergencyVotingPeriodMs: number;
	readonly emergencyExecutionDelayMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Ten years: no period may be longer, so block time plus any sum of periods stays a safe integer. */
export const MAX_PERIOD_MS = 3650 * DAY;
export const MAX_PROPOSAL_LIMIT = 1000;

export const DEFAULT_DAO: DaoConfig = {
	membership: 'open',
	memberInvites: true,
	membershipMinimum: 1,
	weight: 'member',
	votingDelayMs: 0,
	votingPeriodMs: 7 * DAY,
	executionDelayMs: 2 * DAY,
	gracePeriodMs: 14 * DAY,
	quorumPpm: 100_000,
	approvalThresholdPpm: 500_000,
	constitutionalThresholdPpm: 670_000,
	proposalDeposit: 100,
	minProposerWeight: 1,
	proposalLimit: 3,
	proposalWindowMs: DAY,
	emergencyThresholdPpm: 670_000,
	emergencyVotingPeriodMs: DAY,
	emergencyExecutionDelayMs: 0
};

export const DAO_CONFIG_KEYS = Object.keys(DEFAULT_DAO) as ReadonlyArray<keyof DaoConfig>;
export const DAO_CONFIG_KEY = 'd/config';

/** Checks a whole configuration: every field present, of its type and range; nothing else. */
export function readDaoConfig(value: unknown, path = 'dao'): DaoConfig {
	const r = s.exactRecord(value, path, DAO_CONFIG_KEYS);
	const period = (key: keyof DaoConfig, min: number): number => s.int(r[key], `${path}.${key}`, min, MAX_PERIOD_MS);
	const approvalThresholdPpm = s.int(r.approvalThresholdPpm, `${path}.approvalThresholdPpm`, 0, PPM);
	return {
		membership: s.oneOf(r.membership, `${path}.membership`, MEMBERSHIP_KINDS),
		memberInvites: s.bool(r.memberInvites, `${path}.memberInvites`),
		membershipMinimum: s.int(r.membershipMinimum, `${path}.membershipMinimum`),
		weight: s.oneOf(r.weight, `${path}.weight`, WEIGHT_MODES),
		votingDelayMs: period('votingDelayMs', 0),
		votingPeriodMs: period('votingPeriodMs', 1),
		executionDelayMs: period('executionDelayMs', 0),
		gracePeriodMs: period('gracePeriodMs', 1),
		quorumPpm: s.int(r.quorumPpm, `${path}.quorumPpm`, 0, PPM),
		approvalThresholdPpm,
		// Never easier than an ordinary proposal.
		constitutionalThresholdPpm: s.int(r.constitutionalThresholdPpm, `${path}.constitutionalThresholdPpm`, approvalThresholdPpm, PPM),
		proposalDeposit: s.int(r.proposalDeposit, `${path}.proposalDeposit`),
		minProposerWeight: s.int(r.minProposerWeight, `${path}.minProposerWeight`),
		proposalLimit: s.int(r.proposalLimit, `${path}.proposalLimit`, 1, MAX_PROPOSAL_LIMIT),
		proposalWindowMs: period('proposalWindowMs', 1),
		emergencyThresholdPpm: s.int(r.emergencyThresholdPpm, `${path}.emergencyThresholdPpm`, approvalThresholdPpm, PPM),
		emergencyVotingPeriodMs: period('emergencyVotingPeriodMs', 1),
		emergencyExecutionDelayMs: period('emergencyExecutionDelayMs', 0)
	};
}

export function daoConfigToEncodable(c: DaoConfig): Encodable {
	return { ...c };
}

export function getDaoConfig(state: StateTree): DaoConfig {
	return (state.get(DAO_CONFIG_KEY) as DaoConfig | undefined) ?? DEFAULT_DAO;
}

export function putDaoConfig(state: StateTree, config: DaoConfig): void {
	state.put(DAO_CONFIG_KEY, daoConfigToEncodable(readDaoConfig(config)));
}
