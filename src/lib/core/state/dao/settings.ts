/**
 * What an executed proposal can change at a height, as one kind of thing: a
 * governed setting. Each has a current value, a reader that checks a whole
 * value, and at most one change scheduled for an effective-from height; at
 * the end of the block before that height the change becomes the value in
 * force, with a record of the proposal that made it. A later change builds
 * on the scheduled one (see `settingBase`), so two proposals executed in a
 * row compose instead of one undoing the other.
 *
 * The queue's policies (policy.ts) are settings with their own schedule and
 * activation; the chain parameters, the DAO's own configuration, the enabled
 * contracts and the authority (or validator) set are scheduled here.
 */
import type { Hex } from '../../bytes.js';
import type { Encodable } from '../../codec.js';
import { fail } from '../../errors.js';
import { ENGINE_KEY } from '../../genesis.js';
import { readParams, type ChainParams } from '../../params.js';
import * as s from '../../schema.js';
import { getAuthorities, setAuthorities } from '../../consensus/poa.js';
import { getValidators, MAX_VALIDATORS, setValidators } from '../../consensus/fba.js';
import { getParams, putParams } from '../chainParams.js';
import { getEnabledContracts, readEnabledContracts, setEnabledContracts, type EnabledContracts } from '../contracts/builtins.js';
import { getPolicyRecord, pendingPolicy, POLICY_NAMES, readPolicy, schedulePolicy, type PolicyName } from '../policy.js';
import type { StateTree } from '../tree.js';
import { getDaoConfig, putDaoConfig, readDaoConfig, type DaoConfig } from './config.js';

export const OWN_SETTINGS = ['params', 'dao', 'contracts', 'authorities'] as const;
export type OwnSetting = (typeof OWN_SETTINGS)[number];
export type PolicySetting = `policy.${PolicyName}`;
export type SettingName = OwnSetting | PolicySetting;

/** A change waiting for its height. */
export interface Scheduled {
	readonly value: Encodable;
	readonly proposal: Hex;
	readonly effectiveFrom: number;
}

/** Where the value in force came from; null proposal: genesis. */
export interface Origin {
	readonly proposal: Hex | null;
	readonly effectiveFrom: number;
}

interface Setting {
	/** Checks a whole value, naming `path` in errors. */
	read(value: unknown, path: string): Encodable;
	current(state: StateTree): Encodable;
	pending(state: StateTree): Scheduled | undefined;
	origin(state: StateTree): Origin;
	schedule(state: StateTree, change: Scheduled): void;
}

/** Engines whose sealers are a set in state, and how to read and write it. */
const AUTHORITY_SETS: Readonly<Record<string, { get(state: StateTree): readonly Hex[]; set(state: StateTree, list: readonly Hex[]): void }>> = {
	poa: { get: getAuthorities, set: setAuthorities },
	fba: { get: getValidators, set: setValidators }
};

/** The authority set of this community's engine, or undefined when its engine has none (stake or work decides). */
export function authoritySet(state: StateTree): (typeof AUTHORITY_SETS)[string] | undefined {
	const name = state.get(ENGINE_KEY) as string;
	return Object.hasOwn(AUTHORITY_SETS, name) ? AUTHORITY_SETS[name] : undefined;
}

/** A whole authority set: distinct hex keys, at least one (an empty set would stop the chain for good), sorted. */
function readAuthorities(value: unknown, path: string): Hex[] {
	const list = s.array(value, path, MAX_VALIDATORS).map((k, i) => {
		if (typeof k !== 'string' || !/^[0-9a-f]{64}$/.test(k)) fail('E_SCHEMA', `${path}[${i}]`, k, 'must be a public key in lower-case hex');
		return k;
	});
	if (list.length === 0) fail('E_SCHEMA', path, list, 'must keep at least one authority');
	return [...new Set(list)].sort();
}

const pendingKey = (name: OwnSetting): string => `d/x/${name}`;
const originKey = (name: OwnSetting): string => `d/o/${name}`;

function own(name: OwnSetting, read: Setting['read'], current: Setting['current'], put: (state: StateTree, value: Encodable) => void): Setting & { put: typeof put } {
	return {
		read,
		current,
		put,
		pending: (state) => state.get(pendingKey(name)) as Scheduled | undefined,
		origin: (state) => (state.get(originKey(name)) as Origin | undefined) ?? { proposal: null, effectiveFrom: 0 },
		schedule: (state, change) => state.put(pendingKey(name), { ...change })
	};
}

/** Values are read (checked) when a change is scheduled, so putting them in force cannot fail. */
const OWN = {
	params: own('params', readParams as unknown as Setting['read'], (state) => getParams(state) as unknown as Encodable, (state, v) => putParams(state, v as unknown as ChainParams)),
	dao: own('dao', readDaoConfig as unknown as Setting['read'], (state) => getDaoConfig(state) as unknown as Encodable, (state, v) => putDaoConfig(state, v as unknown as DaoConfig)),
	contracts: own('contracts', readEnabledContracts as unknown as Setting['read'], (state) => getEnabledContracts(state) as unknown as Encodable, (state, v) => setEnabledContracts(state, v as EnabledContracts)),
	authorities: own('authorities', readAuthorities, (state) => [...(authoritySet(state)?.get(state) ?? [])], (state, v) => authoritySet(state)!.set(state, v as Hex[]))
} as const;

function policySetting(name: PolicyName): Setting {
	return {
		read: (value, path) => readPolicy(name, value, path) as unknown as Encodable,
		current: (state) => getPolicyRecord(state, name).value as unknown as Encodable,
		pending: (state) => pendingPolicy(state, name) as unknown as Scheduled | undefined,
		origin: (state) => {
			const r = getPolicyRecord(state, name);
			return { proposal: r.proposal, effectiveFrom: r.effectiveFrom };
		},
		schedule: (state, change) => schedulePolicy(state, name, change.value as never, change.proposal, change.effectiveFrom)
	};
}

const SETTINGS: ReadonlyMap<SettingName, Setting> = new Map<SettingName, Setting>([...POLICY_NAMES.map((n) => [`policy.${n}`, policySetting(n)] as const), ...OWN_SETTINGS.map((n) => [n, OWN[n]] as const)]);
const setting = (name: SettingName): Setting => SETTINGS.get(name)!;
export const SETTING_NAMES: readonly SettingName[] = [...SETTINGS.keys()];

/** The value a new change builds on: the scheduled one if any, else the one in force. */
export function settingBase(state: StateTree, name: SettingName): Encodable {
	const s = setting(name);
	return s.pending(state)?.value ?? s.current(state);
}

export function readSetting(name: SettingName, value: unknown, path: string): Encodable {
	return setting(name).read(value, path);
}

export function scheduleSetting(state: StateTree, name: SettingName, change: Scheduled): void {
	setting(name).schedule(state, change);
}

export interface SettingView {
	readonly name: SettingName;
	readonly value: Encodable;
	readonly origin: Origin;
	readonly pending: Scheduled | null;
}

export function settingView(state: StateTree, name: SettingName): SettingView {
	const s = setting(name);
	return { name, value: s.current(state), origin: s.origin(state), pending: s.pending(state) ?? null };
}

/** End of block `height`: changes effective from the next block come into force (policies: see policy.ts). */
export function activateSettings(state: StateTree, height: number): void {
	for (const name of OWN_SETTINGS) {
		const next = OWN[name].pending(state);
		if (!next || next.effectiveFrom > height + 1) continue;
		OWN[name].put(state, next.value);
		state.put(originKey(name), { proposal: next.proposal, effectiveFrom: next.effectiveFrom });
		state.put(pendingKey(name), undefined);
	}
}
