/**
 * The proposal form's model (what a member edits: text, keys, and an
 * editable copy of a setting's value) and the ProposalDraft it becomes. This
 * only shapes the draft; the node and the chain check it, so a mistake comes
 * back as the reader's error, naming the field.
 */
import type { Encodable } from '../../core/codec.js';
import type { Action, ActionType, GovernanceView, OptionRule, ProposalDraft, SettingName } from '../../../worker/governance-types.js';

export interface ActionForm {
	type: ActionType;
	/** change: the setting, and an editable copy of the value a change builds on. */
	setting: SettingName;
	value: Record<string, Encodable>;
	/** authorities: keys to add and to remove. */
	add: string[];
	remove: string[];
	/** admit: the newcomer's key and name; remove: the member's key. */
	key: string;
	name: string;
	payments: Array<{ to: string; amount: number | null }>;
	version: string;
	/** Optional: the release's SHA-256, in hex. */
	digest: string;
}

export interface OptionForm {
	label: string;
	action: ActionForm;
}

export interface ProposalForm {
	title: string;
	body: string;
	emergency: boolean;
	/** binary: one action voted for / against / abstain; otherwise two or more options under this rule. */
	rule: 'binary' | OptionRule;
	action: ActionForm;
	options: OptionForm[];
}

/**
 * The value a change to `setting` builds on: the one already scheduled, else
 * the one in force. Enabled contracts list every built-in contract, so one
 * that is wholly disabled can be enabled again.
 */
export function baseValue(view: GovernanceView, setting: SettingName): Record<string, Encodable> {
	const item = view.settings.find((s) => s.name === setting);
	const value = structuredClone((item?.pending?.value ?? item?.value ?? {}) as Record<string, Encodable>);
	if (setting === 'contracts') for (const name of Object.keys(view.catalog.contracts)) value[name] ??= [];
	return value;
}

export function newActionForm(view: GovernanceView, type: ActionType = 'text', setting: SettingName = view.catalog.settings[0]!): ActionForm {
	return { type, setting, value: baseValue(view, setting), add: [], remove: [], key: '', name: '', payments: [{ to: '', amount: null }], version: '', digest: '' };
}

export function newProposalForm(view: GovernanceView): ProposalForm {
	return {
		title: '',
		body: '',
		emergency: false,
		rule: 'binary',
		action: newActionForm(view),
		options: [
			{ label: '', action: newActionForm(view) },
			{ label: '', action: newActionForm(view) }
		]
	};
}

/** The top-level fields of `edited` that differ from `base` (a nested record counts as one field). */
export function changesOf(base: Readonly<Record<string, Encodable>>, edited: Readonly<Record<string, Encodable>>): Record<string, Encodable> {
	return Object.fromEntries(Object.entries(edited).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(base[k])));
}

export function toAction(form: ActionForm, view: GovernanceView): Action {
	switch (form.type) {
		case 'text':
			return { type: 'text' };
		case 'change':
			return { type: 'change', setting: form.setting, changes: changesOf(baseValue(view, form.setting), form.value), afterBlocks: 1 };
		case 'authorities':
			return { type: 'authorities', add: form.add, remove: form.remove, afterBlocks: 1 };
		case 'admit':
			return { type: 'admit', key: form.key.trim().toLowerCase(), name: form.name.trim() };
		case 'remove':
			return { type: 'remove', key: form.key };
		case 'treasury':
			return { type: 'treasury', payments: form.payments.map((p) => ({ to: p.to, amount: p.amount ?? 0 })) };
		case 'upgrade':
			return { type: 'upgrade', version: form.version.trim(), digest: form.digest.trim() ? form.digest.trim().toLowerCase() : null };
	}
}

/** The draft to propose. Pass a plain copy of the form (`$state.snapshot`): it crosses to the worker as is. */
export function toDraft(form: ProposalForm, view: GovernanceView): ProposalDraft {
	const common = { title: form.title.trim(), body: form.body, emergency: form.emergency };
	if (form.rule === 'binary') return { ...common, rule: 'binary', action: toAction(form.action, view) };
	return { ...common, rule: form.rule, options: form.options.map((o) => ({ label: o.label.trim(), action: toAction(o.action, view) })) };
}
