/**
 * Governance settings a founder picks when creating a community in the app:
 * a preset (the reference defaults, or short periods for a demo), then the
 * timings, thresholds, deposit and membership in the units people use
 * (seconds, percent). They go into the genesis block's DAO configuration.
 *
 * App communities ask no deposit by default: members start with little or
 * nothing, and the reference deposit of 100 would keep them from proposing.
 */
import { DEFAULT_DAO, type DaoConfig, type MembershipKind } from '../../core/state/dao/config.js';

export const PRESETS = {
	standard: { label: 'Standard: the reference timings (7-day votes, 2-day timelock)', dao: {} },
	demo: {
		label: 'Demo: 1-minute votes, 15 s timelock',
		dao: { votingPeriodMs: 60_000, executionDelayMs: 15_000, gracePeriodMs: 600_000, emergencyVotingPeriodMs: 30_000, emergencyExecutionDelayMs: 0, proposalLimit: 10, proposalWindowMs: 3_600_000 }
	}
} as const satisfies Record<string, { label: string; dao: Partial<DaoConfig> }>;
export type PresetName = keyof typeof PRESETS;

/** The membership kinds an app community can use: a joiner holds no tokens or stake yet. */
export const APP_MEMBERSHIP: Readonly<Record<Extract<MembershipKind, 'open' | 'invite'>, string>> = {
	open: 'Open: anyone with the invite link joins',
	invite: 'Invite only: a member invites a key, or a proposal admits it'
};

export interface CommunityGovernanceForm {
	preset: PresetName;
	votingPeriodS: number;
	executionDelayS: number;
	gracePeriodS: number;
	quorumPercent: number;
	approvalPercent: number;
	deposit: number;
	membership: keyof typeof APP_MEMBERSHIP;
}

export function presetForm(preset: PresetName): CommunityGovernanceForm {
	const dao: DaoConfig = { ...DEFAULT_DAO, ...PRESETS[preset].dao };
	return {
		preset,
		votingPeriodS: dao.votingPeriodMs / 1000,
		executionDelayS: dao.executionDelayMs / 1000,
		gracePeriodS: dao.gracePeriodMs / 1000,
		quorumPercent: dao.quorumPpm / 10_000,
		approvalPercent: dao.approvalThresholdPpm / 10_000,
		deposit: 0,
		membership: 'open'
	};
}

/**
 * The DAO configuration for the genesis block, as changes over the defaults.
 * The constitutional and emergency thresholds are never below the approval
 * threshold (the genesis reader refuses that), so a high approval raises them.
 */
export function daoFromForm(form: CommunityGovernanceForm): Partial<DaoConfig> {
	const ppm = (percent: number): number => Math.round(percent * 10_000);
	const ms = (seconds: number): number => Math.round(seconds * 1000);
	const approval = ppm(form.approvalPercent);
	return {
		...PRESETS[form.preset].dao,
		votingPeriodMs: ms(form.votingPeriodS),
		executionDelayMs: ms(form.executionDelayS),
		gracePeriodMs: ms(form.gracePeriodS),
		quorumPpm: ppm(form.quorumPercent),
		approvalThresholdPpm: approval,
		constitutionalThresholdPpm: Math.max(DEFAULT_DAO.constitutionalThresholdPpm, approval),
		emergencyThresholdPpm: Math.max(DEFAULT_DAO.emergencyThresholdPpm, approval),
		proposalDeposit: form.deposit,
		membership: form.membership
	};
}
