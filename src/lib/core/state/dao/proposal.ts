/**
 * What a proposal says: a title, a body of text, whether it is an emergency,
 * and either one action voted for / against / abstain, or two or more
 * options, each with its own action, decided by single choice, approval or
 * ranked choice (the winning option's action is the one executed).
 */
import * as s from '../../schema.js';
import { fail } from '../../errors.js';
import { OPTION_RULES, type OptionRule } from '../../tally/types.js';
import { readAction, type Action } from './actions.js';

export const MAX_TITLE_BYTES = 200;
export const MAX_TEXT_BYTES = 8000;
export const MAX_LABEL_BYTES = 200;
export const MAX_OPTIONS = 16;

export interface ProposalOption {
	readonly label: string;
	readonly action: Action;
}

interface Common {
	readonly title: string;
	readonly body: string;
	/** Voted in the emergency period, passed by the emergency threshold, executable after the emergency timelock. */
	readonly emergency: boolean;
}

export interface ActionProposal extends Common {
	readonly rule: 'binary';
	readonly action: Action;
}

export interface OptionsProposal extends Common {
	readonly rule: OptionRule;
	readonly options: readonly ProposalOption[];
}

export type ProposalContent = ActionProposal | OptionsProposal;

/** Reads a `dao.propose` body. */
export function readProposalContent(value: unknown, path = 'body'): ProposalContent {
	const r = s.exactRecord(value, path, ['title', 'body', 'emergency', 'action', 'rule', 'options'], ['emergency', 'action', 'rule', 'options']);
	const common: Common = {
		title: s.str(r.title, `${path}.title`, MAX_TITLE_BYTES, 1),
		body: s.str(r.body, `${path}.body`, MAX_TEXT_BYTES),
		emergency: r.emergency === undefined ? false : s.bool(r.emergency, `${path}.emergency`)
	};
	if (r.action !== undefined) {
		if (r.options !== undefined) fail('E_SCHEMA', `${path}.options`, r.options, 'must be absent when the proposal has a single action');
		if (r.rule !== undefined) fail('E_SCHEMA', `${path}.rule`, r.rule, 'must be absent when the proposal has a single action');
		return { ...common, rule: 'binary', action: readAction(r.action, `${path}.action`) };
	}
	if (r.options === undefined) fail('E_SCHEMA', `${path}.action`, undefined, 'is required (or options and a rule)');
	const rule = s.oneOf(r.rule, `${path}.rule`, OPTION_RULES);
	const list = s.array(r.options, `${path}.options`, MAX_OPTIONS);
	if (list.length < 2) fail('E_SCHEMA', `${path}.options`, list, 'must offer at least 2 options');
	const options = list.map((o, i) => {
		const or = s.exactRecord(o, `${path}.options[${i}]`, ['label', 'action']);
		return { label: s.str(or.label, `${path}.options[${i}].label`, MAX_LABEL_BYTES, 1), action: readAction(or.action, `${path}.options[${i}].action`) };
	});
	return { ...common, rule, options };
}

/** The number of options (0 for a single action). */
export const optionCount = (c: ProposalContent): number => (c.rule === 'binary' ? 0 : c.options.length);

/** Every action the proposal could execute, with the body path that names it. */
export function actionsOf(c: ProposalContent, path = 'body'): Array<{ readonly action: Action; readonly path: string }> {
	return c.rule === 'binary' ? [{ action: c.action, path: `${path}.action` }] : c.options.map((o, i) => ({ action: o.action, path: `${path}.options[${i}].action` }));
}

/** The action a passed proposal executes: its action, or its winning option's. */
export function decidedAction(c: ProposalContent, winner: number | null): Action | undefined {
	return c.rule === 'binary' ? c.action : winner === null ? undefined : c.options[winner]?.action;
}
