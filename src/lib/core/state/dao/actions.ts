/**
 * The machine-readable actions a proposal carries, and what executing one
 * does to state. Each action type has a stateless reader (for the
 * transaction body), a check against the state when the proposal is made (so
 * a proposal that could never execute is refused at once, naming the field)
 * and its execution, which checks again against the state of the day.
 *
 * - text: a signal; nothing to execute.
 * - change: a governed setting (a queue policy, the chain parameters, the
 *   DAO configuration, the enabled contracts) gets the given fields, merged
 *   over its current or already scheduled value, from `afterBlocks` blocks
 *   after the executing block. Changing the DAO configuration needs the
 *   constitutional threshold.
 * - authorities: keys join or leave the proof-of-authority authorities or
 *   the federated validators, from `afterBlocks` blocks after execution.
 * - admit / remove: a member in or out.
 * - treasury: payments out of the treasury account.
 * - upgrade: a versioned protocol decision the app can act on (`getUpgrade`).
 */
import { toHex, type Hex } from '../../bytes.js';
import type { Encodable } from '../../codec.js';
import { AgoraError, fail } from '../../errors.js';
import { ENGINE_KEY } from '../../genesis.js';
import { HASH_BYTES } from '../../hash.js';
import * as s from '../../schema.js';
import { moveBalance, readAccountKey, readAmount, TREASURY } from '../accounts.js';
import { admit, isMember, readName, removeMember } from '../members.js';
import type { StateTree } from '../tree.js';
import { authoritySet, readSetting, scheduleSetting, settingBase, SETTING_NAMES, type SettingName } from './settings.js';

/** Settings a `change` action may patch (the authority set changes through `authorities`). */
export const PATCHABLE: readonly SettingName[] = SETTING_NAMES.filter((n) => n !== 'authorities');

export type Action =
	| { readonly type: 'text' }
	| { readonly type: 'change'; readonly setting: SettingName; readonly changes: Readonly<Record<string, Encodable>>; readonly afterBlocks: number }
	| { readonly type: 'authorities'; readonly add: readonly Hex[]; readonly remove: readonly Hex[]; readonly afterBlocks: number }
	| { readonly type: 'admit'; readonly key: Hex; readonly name: string }
	| { readonly type: 'remove'; readonly key: Hex }
	| { readonly type: 'treasury'; readonly payments: ReadonlyArray<{ readonly to: Hex; readonly amount: number }> }
	| { readonly type: 'upgrade'; readonly version: string; readonly digest: Hex | null };
export type ActionType = Action['type'];

/** A protocol upgrade the community decided. */
export interface Upgrade {
	readonly version: string;
	/** The hash of the release it names, when the proposal gave one. */
	readonly digest: Hex | null;
	readonly proposal: Hex;
	readonly height: number;
}

export const MAX_AFTER_BLOCKS = 1_000_000;
export const MAX_CHANGED_FIELDS = 64;
export const MAX_KEYS_PER_ACTION = 64;
export const MAX_PAYMENTS = 16;
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,32})?$/;
export const UPGRADE_KEY = 'd/upgrade';

/** Where and when an action executes. */
export interface Execution {
	readonly proposal: Hex;
	readonly height: number;
}

type Of<T extends ActionType> = Extract<Action, { type: T }>;

interface ActionRule<T extends ActionType> {
	readonly fields: readonly string[];
	readonly optional?: readonly string[];
	read(r: Record<string, unknown>, path: string): Of<T>;
	/** Whether it can execute on this state, at proposal time; throws naming the field. */
	check(state: StateTree, action: Of<T>, path: string): void;
	execute(state: StateTree, action: Of<T>, at: Execution): void;
}

const readAfter = (value: unknown, path: string): number => (value === undefined ? 1 : s.int(value, path, 1, MAX_AFTER_BLOCKS));

function readKeys(value: unknown, path: string): Hex[] {
	if (value === undefined) return [];
	const keys = s.array(value, path, MAX_KEYS_PER_ACTION).map((k, i) => readAccountKey(k, `${path}[${i}]`));
	if (new Set(keys).size !== keys.length) fail('E_SCHEMA', path, value, 'names a key twice');
	return keys;
}

/** The setting's whole value after the change, checked. */
function changed(state: StateTree, action: Of<'change'>, path: string): Encodable {
	const base = settingBase(state, action.setting) as Record<string, Encodable>;
	return readSetting(action.setting, { ...base, ...action.changes }, `${path}.changes`);
}

/** The authority set after the change: the scheduled or current set, plus `add`, minus `remove`. */
function changedAuthorities(state: StateTree, action: Of<'authorities'>, path: string): Encodable {
	const base = settingBase(state, 'authorities') as Hex[];
	const next = [...base.filter((k) => !action.remove.includes(k)), ...action.add];
	return readSetting('authorities', next, `${path}.remove`);
}

const RULES: { readonly [T in ActionType]: ActionRule<T> } = {
	text: {
		fields: [],
		read: () => ({ type: 'text' }),
		check: () => {},
		execute: () => {}
	},
	change: {
		fields: ['setting', 'changes', 'afterBlocks'],
		optional: ['afterBlocks'],
		read: (r, path) => {
			const changes = s.record(r.changes, `${path}.changes`) as Record<string, Encodable>;
			const count = Object.keys(changes).length;
			if (count === 0 || count > MAX_CHANGED_FIELDS) fail('E_SCHEMA', `${path}.changes`, changes, `must change 1 to ${MAX_CHANGED_FIELDS} fields`);
			return { type: 'change', setting: s.oneOf(r.setting, `${path}.setting`, PATCHABLE), changes, afterBlocks: readAfter(r.afterBlocks, `${path}.afterBlocks`) };
		},
		check: (state, action, path) => void changed(state, action, path),
		execute: (state, action, at) => scheduleSetting(state, action.setting, { value: changed(state, action, 'action'), proposal: at.proposal, effectiveFrom: at.height + action.afterBlocks })
	},
	authorities: {
		fields: ['add', 'remove', 'afterBlocks'],
		optional: ['add', 'remove', 'afterBlocks'],
		read: (r, path) => {
			const add = readKeys(r.add, `${path}.add`);
			const remove = readKeys(r.remove, `${path}.remove`);
			if (add.length + remove.length === 0) fail('E_SCHEMA', `${path}.add`, r.add, 'or remove must name at least one key');
			const both = add.find((k) => remove.includes(k));
			if (both) fail('E_SCHEMA', `${path}.remove`, both, 'names a key that add names too');
			return { type: 'authorities', add, remove, afterBlocks: readAfter(r.afterBlocks, `${path}.afterBlocks`) };
		},
		check: (state, action, path) => {
			if (!authoritySet(state)) {
				throw new AgoraError('E_TX_NOT_ALLOWED', `this community's consensus (${String(state.get(ENGINE_KEY))}) has no authority set to change`, `${path}.type`, action.type);
			}
			const base = settingBase(state, 'authorities') as Hex[];
			action.add.forEach((k, i) => {
				if (!isMember(state, k)) throw new AgoraError('E_TX_NOT_ALLOWED', `${k.slice(0, 16)}… is not a member, so cannot become an authority`, `${path}.add[${i}]`, k);
				if (base.includes(k)) throw new AgoraError('E_TX_NOT_ALLOWED', `${k.slice(0, 16)}… is already an authority`, `${path}.add[${i}]`, k);
			});
			action.remove.forEach((k, i) => {
				if (!base.includes(k)) throw new AgoraError('E_TX_NOT_ALLOWED', `${k.slice(0, 16)}… is not an authority`, `${path}.remove[${i}]`, k);
			});
			changedAuthorities(state, action, path);
		},
		execute: (state, action, at) => scheduleSetting(state, 'authorities', { value: changedAuthorities(state, action, 'action'), proposal: at.proposal, effectiveFrom: at.height + action.afterBlocks })
	},
	admit: {
		fields: ['key', 'name'],
		read: (r, path) => ({ type: 'admit', key: readAccountKey(r.key, `${path}.key`), name: readName(r.name, `${path}.name`) }),
		check: (state, action, path) => {
			if (isMember(state, action.key)) throw new AgoraError('E_TX_NOT_ALLOWED', `${action.key.slice(0, 16)}… is already a member`, `${path}.key`, action.key);
		},
		execute: (state, action, at) => admit(state, action.key, action.name, at.height)
	},
	remove: {
		fields: ['key'],
		read: (r, path) => ({ type: 'remove', key: readAccountKey(r.key, `${path}.key`) }),
		check: (state, action, path) => {
			if (!isMember(state, action.key)) throw new AgoraError('E_TX_NOT_ALLOWED', `${action.key.slice(0, 16)}… is not a member`, `${path}.key`, action.key);
		},
		execute: (state, action) => removeMember(state, action.key)
	},
	treasury: {
		fields: ['payments'],
		read: (r, path) => {
			const list = s.array(r.payments, `${path}.payments`, MAX_PAYMENTS);
			if (list.length === 0) fail('E_SCHEMA', `${path}.payments`, list, 'must make at least one payment');
			const payments = list.map((p, i) => {
				const pr = s.exactRecord(p, `${path}.payments[${i}]`, ['to', 'amount']);
				return { to: readAccountKey(pr.to, `${path}.payments[${i}].to`), amount: readAmount(pr.amount, `${path}.payments[${i}].amount`) };
			});
			if (!Number.isSafeInteger(payments.reduce((sum, p) => sum + p.amount, 0))) fail('E_SCHEMA', `${path}.payments`, list, 'must add up to a safe integer');
			return { type: 'treasury', payments };
		},
		check: () => {},
		execute: (state, action) => action.payments.forEach((p, i) => moveBalance(state, TREASURY, p.to, p.amount, `action.payments[${i}].amount`))
	},
	upgrade: {
		fields: ['version', 'digest'],
		optional: ['digest'],
		read: (r, path) => {
			const version = s.str(r.version, `${path}.version`, 64, 1);
			if (!VERSION.test(version)) fail('E_SCHEMA', `${path}.version`, version, 'must be a version such as 1.4.0 or 2.0.0-rc.1');
			return { type: 'upgrade', version, digest: r.digest === undefined ? null : toHex(s.bytes(r.digest, `${path}.digest`, HASH_BYTES)) };
		},
		check: () => {},
		execute: (state, action, at) => state.put(UPGRADE_KEY, { version: action.version, digest: action.digest, proposal: at.proposal, height: at.height })
	}
};

export const ACTION_TYPES = Object.keys(RULES) as ActionType[];

export function readAction(value: unknown, path: string): Action {
	const type = s.oneOf(s.record(value, path).type, `${path}.type`, ACTION_TYPES);
	const rule = RULES[type] as ActionRule<ActionType>;
	return rule.read(s.exactRecord(value, path, ['type', ...rule.fields], rule.optional), path);
}

export function checkAction(state: StateTree, action: Action, path: string): void {
	(RULES[action.type] as ActionRule<ActionType>).check(state, action, path);
}

/** Applies an action; throws (and the caller reverts) when today's state does not allow it. */
export function executeAction(state: StateTree, action: Action, at: Execution): void {
	(RULES[action.type] as ActionRule<ActionType>).execute(state, action, at);
}

/** Whether passing the action leaves something to execute. */
export const isExecutable = (action: Action): boolean => action.type !== 'text';

/** Whether the action changes the DAO's own rules, and so needs the constitutional threshold. */
export const isConstitutional = (action: Action): boolean => action.type === 'change' && action.setting === 'dao';

/** The latest protocol upgrade the community decided, if any. */
export function getUpgrade(state: StateTree): Upgrade | undefined {
	return state.get(UPGRADE_KEY) as Upgrade | undefined;
}
