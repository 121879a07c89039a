/**
 * Words for governance: statuses, settings, fields, values, actions,
 * ballots and durations, as the governance page shows them. Pure functions
 * of plain data; text only (the page renders it as text, never as HTML).
 */
import type { Action, ActionType, Choice, ProducedItem, ProposalItem, SettingName, Status, Tally } from '../../../worker/governance-types.js';
import { decidedAction as coreDecidedAction } from '../../core/state/dao/proposal.js';

export const STATUS_LABELS: Readonly<Record<Status, string>> = {
	pending: 'voting not open yet',
	active: 'voting',
	defeated: 'defeated',
	succeeded: 'passed',
	queued: 'passed, in its timelock',
	executed: 'executed',
	expired: 'expired unexecuted',
	cancelled: 'cancelled'
};

export const SETTING_LABELS: Readonly<Record<SettingName, string>> = {
	'policy.fee': 'Fee policy',
	'policy.priority': 'Priority policy',
	'policy.routing': 'Routing policy',
	'policy.delivery': 'Delivery policy',
	params: 'Chain parameters',
	dao: 'DAO configuration',
	contracts: 'Enabled contracts',
	authorities: 'Authorities'
};

export const ACTION_LABELS: Readonly<Record<ActionType, string>> = {
	text: 'Text (a signal, nothing to execute)',
	change: 'Change a setting (policy, chain parameters, DAO configuration, contracts)',
	authorities: 'Change the authority set',
	admit: 'Admit a member',
	remove: 'Remove a member',
	treasury: 'Spend from the treasury',
	upgrade: 'Protocol upgrade'
};

export const RULE_LABELS: Readonly<Record<string, string>> = {
	binary: 'for / against / abstain',
	single: 'single choice',
	approval: 'approval (any number of options)',
	ranked: 'ranked choice (instant runoff)'
};

/** "minimumFee" → "minimum fee", "quorumPpm" → "quorum (ppm)", "votingPeriodMs" → "voting period (ms)". */
export function fieldLabel(field: string): string {
	const unit = /Ppm$/.test(field) ? ' (ppm)' : /Ms$/.test(field) ? ' (ms)' : /Bytes$/.test(field) ? ' (bytes)' : '';
	const words = field
		.replace(/(Ppm|Ms|Bytes)$/, '')
		.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
		.toLowerCase();
	return words + unit;
}

/** 90_000 → "1 min 30 s"; 7 days → "7 days". Whole seconds; under a second "0 s". */
export function duration(ms: number): string {
	let s = Math.max(0, Math.floor(ms / 1000));
	const parts: string[] = [];
	for (const [unit, size] of [['day', 86_400], ['h', 3_600], ['min', 60]] as const) {
		const n = Math.floor(s / size);
		if (n > 0) parts.push(unit === 'day' ? `${n} day${n === 1 ? '' : 's'}` : `${n} ${unit}`);
		s -= n * size;
	}
	if (s > 0 || parts.length === 0) parts.push(`${s} s`);
	return parts.slice(0, 2).join(' ');
}

/** A ratio in parts per million as a percentage: 100_000 → "10%". */
export function percent(ppm: number): string {
	return `${Number((ppm / 10_000).toFixed(2))}%`;
}

/** A setting's value (or a field of it) in a line of text. */
export function valueText(field: string, value: unknown): string {
	if (typeof value === 'number') {
		if (/Ppm$/.test(field)) return `${value} (${percent(value)})`;
		if (/Ms$/.test(field)) return `${value} (${duration(value)})`;
		return String(value);
	}
	if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => valueText(field, v)).join(', ');
	if (value !== null && typeof value === 'object') {
		return Object.entries(value)
			.map(([k, v]) => `${k} ${valueText(field, v)}`)
			.join(', ');
	}
	return String(value);
}

/** What an action does, one line per effect; `nameOf` names keys. */
export function describeAction(action: Action, nameOf: (key: string) => string): string[] {
	switch (action.type) {
		case 'text':
			return ['A signal: nothing to execute.'];
		case 'change': {
			const when = action.afterBlocks > 1 ? ` (from ${action.afterBlocks} blocks after execution)` : '';
			return Object.entries(action.changes).map(([field, value]) => `${SETTING_LABELS[action.setting]}: ${fieldLabel(field)} → ${valueText(field, value)}${when}`);
		}
		case 'authorities':
			return [...action.add.map((k) => `Make ${nameOf(k)} an authority`), ...action.remove.map((k) => `Remove ${nameOf(k)} from the authorities`)];
		case 'admit':
			return [`Admit ${action.name} (${action.key.slice(0, 16)}…) as a member`];
		case 'remove':
			return [`Remove ${nameOf(action.key)} from the members`];
		case 'treasury':
			return action.payments.map((p) => `Pay ${p.amount} from the treasury to ${nameOf(p.to)}`);
		case 'upgrade':
			return [`Upgrade the protocol to version ${action.version}${action.digest ? ` (release ${action.digest.slice(0, 16)}…)` : ''}`];
	}
}

/** A ballot in words; `labels` are the proposal's option labels. */
export function choiceText(choice: Choice, labels: readonly string[]): string {
	if (typeof choice === 'string') return choice;
	return choice.map((i, rank) => (choice.length > 1 ? `${rank + 1}. ` : '') + (labels[i] ?? `option ${i + 1}`)).join(', ');
}

/** The weight each option has in a tally with options: the counts, or a ranked tally's last round. */
export function optionWeights(tally: Tally): ReadonlyArray<number | null> {
	if (tally.rule === 'binary') return [];
	return tally.rule === 'ranked' ? (tally.rounds.at(-1)?.counts ?? []) : tally.counts;
}

/** The weight quorum needs: quorum of the snapshotted total, rounded up (quorum is inclusive). */
export function quorumNeeded(total: number, quorumPpm: number): number {
	return Math.ceil((total * quorumPpm) / 1_000_000);
}

/**
 * Where a proposal stands in time, from its deadlines (block time) and the
 * clock `now`. A deadline takes effect with the first block at or after it,
 * which the community's sealer makes when the deadline passes.
 */
export function timeline(p: ProposalItem, now: number): string {
	const { votingStarts, votingEnds } = p.terms;
	switch (p.status) {
		case 'pending':
			return now < votingStarts ? `voting opens in ${duration(votingStarts - now)}` : 'voting opens with the next block';
		case 'active':
			return now < votingEnds ? `voting closes in ${duration(votingEnds - now)}` : 'voting has closed: counted with the next block';
		case 'queued':
			if (now < p.eta!) return `executable in ${duration(p.eta! - now)}`;
			return now < p.expires! ? `executable now, for ${duration(p.expires! - now)}` : 'not executed in time: expires with the next block';
		case 'succeeded':
			return 'passed; nothing to execute';
		case 'executed':
			return `executed in block ${p.executed!.height}`;
		case 'defeated':
			return p.tally && !p.tally.outcome.quorumReached ? 'defeated: quorum not reached' : 'defeated';
		case 'expired':
			return 'expired: not executed in time';
		case 'cancelled':
			return 'cancelled by its proposer';
	}
}

/** The action a passed proposal executes: its own, or its winning option's (null while none has won). */
export function decidedAction(p: ProposalItem): Action | null {
	const outcome = p.tally?.outcome;
	return coreDecidedAction(p, outcome && outcome.rule !== 'binary' ? outcome.winner : null) ?? null;
}

/** A setting a proposal produced, in words: the fields its action changed (the authorities by name). */
export function producedText(produced: ProducedItem, action: Action | null, nameOf: (key: string) => string): string {
	const { name, value } = produced;
	if (name === 'authorities' && Array.isArray(value)) return (value as string[]).map(nameOf).join(', ');
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return valueText(name, value);
	const record = value as Record<string, unknown>;
	const fields = action?.type === 'change' ? Object.keys(action.changes) : Object.keys(record);
	return fields.map((k) => `${fieldLabel(k)} ${valueText(k, record[k])}`).join('; ');
}
