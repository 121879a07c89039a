/**
 * Built-in contracts: named state machines whose actions are fixed code in
 * the protocol, not code carried by transactions. A contract is a set of
 * actions, each an argument reader (stateless, E_SCHEMA naming
 * `body.args.<field>`) and an effect on state (throwing an AgoraError to
 * reject the call). Its state lives under `k/<contract>/`, and value it holds
 * sits in its own account, so every supply check sees it.
 */
import type { TxContext } from '../kind.js';

export interface ContractAction<A = unknown> {
	readonly args: (value: unknown, path: string) => A;
	readonly apply: (ctx: TxContext, args: A) => void;
}

export interface Contract {
	readonly name: string;
	readonly actions: Readonly<Record<string, ContractAction<any>>>;
}

export function defineAction<A>(action: ContractAction<A>): ContractAction<A> {
	return action;
}

/** The account that holds what a contract has locked. */
export const contractAccount = (contract: string): string => `contract:${contract}`;

/** The prefix of a contract's own state keys. */
export const contractKey = (contract: string, key: string): string => `k/${contract}/${key}`;
