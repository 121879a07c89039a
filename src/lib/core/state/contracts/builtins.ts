/**
 * The built-in contracts, and which of their actions a community has
 * enabled. The enabled set is state (`c/contracts`: contract name → sorted
 * action names), all of every contract at genesis; governance narrows or
 * widens it, action by action, so a contract can be wound down (no new
 * escrows) without locking what it holds (releases and refunds still run).
 */
import { AgoraError, fail } from '../../errors.js';
import * as s from '../../schema.js';
import type { StateTree } from '../tree.js';
import type { Contract, ContractAction } from './contract.js';
import { escrow } from './escrow.js';
import { names } from './names.js';

export const CONTRACTS_KEY = 'c/contracts';

export const BUILTIN_CONTRACTS: ReadonlyMap<string, Contract> = new Map([escrow, names].map((c) => [c.name, c]));

export type EnabledContracts = Readonly<Record<string, readonly string[]>>;

/** Every action of every built-in contract: the genesis setting. */
export const ALL_CONTRACTS: EnabledContracts = Object.fromEntries([...BUILTIN_CONTRACTS.values()].map((c) => [c.name, Object.keys(c.actions).sort()]));

export function contractOf(name: unknown, path: string): Contract {
	const contract = typeof name === 'string' ? BUILTIN_CONTRACTS.get(name) : undefined;
	if (!contract) fail('E_SCHEMA', path, name, `is not a built-in contract (${[...BUILTIN_CONTRACTS.keys()].join(', ')})`);
	return contract;
}

export function actionOf(contract: Contract, name: unknown, path: string): ContractAction {
	const action = typeof name === 'string' && Object.hasOwn(contract.actions, name) ? contract.actions[name] : undefined;
	if (!action) fail('E_SCHEMA', path, name, `is not an action of ${contract.name} (${Object.keys(contract.actions).sort().join(', ')})`);
	return action;
}

/** Reads an enabled set (from a governance action, say): built-in names only, no repeats. */
export function readEnabledContracts(value: unknown, path: string): EnabledContracts {
	const r = s.record(value, path);
	const out: Record<string, string[]> = {};
	for (const [name, actions] of Object.entries(r)) {
		const contract = contractOf(name, `${path}.${name}`);
		const list = s.array(actions, `${path}.${name}`).map((a, i) => {
			actionOf(contract, a, `${path}.${name}[${i}]`);
			return a as string;
		});
		if (new Set(list).size !== list.length) fail('E_SCHEMA', `${path}.${name}`, list, 'repeats an action');
		if (list.length > 0) out[name] = list.sort();
	}
	return out;
}

export function getEnabledContracts(state: StateTree): EnabledContracts {
	return (state.get(CONTRACTS_KEY) as EnabledContracts | undefined) ?? {};
}

export function setEnabledContracts(state: StateTree, enabled: EnabledContracts): void {
	state.put(CONTRACTS_KEY, readEnabledContracts(enabled, 'contracts'));
}

/** Throws unless `action` of `contract` is enabled in this community. */
export function checkEnabled(state: StateTree, contract: string, action: string): void {
	const actions = getEnabledContracts(state)[contract];
	if (!actions) throw new AgoraError('E_TX_NOT_ALLOWED', `contract ${contract} is disabled in this community`, 'body.contract', contract);
	if (!actions.includes(action)) throw new AgoraError('E_TX_NOT_ALLOWED', `action ${action} of contract ${contract} is disabled in this community`, 'body.action', action);
}
