/** Balances, stake and nonces, one entry per key that ever held or sent anything. */
import type { Hex } from '../bytes.js';
import { AgoraError } from '../errors.js';
import type { StateTree } from './tree.js';

export interface Account {
	readonly balance: number;
	readonly stake: number;
	/** The nonce the account's next transaction must carry. */
	readonly nonce: number;
}

const EMPTY: Account = { balance: 0, stake: 0, nonce: 0 };
export const TREASURY = 'treasury';

export const accountKey = (who: Hex | typeof TREASURY): string => `a/${who}`;

export function getAccount(state: StateTree, who: Hex): Account {
	return (state.get(accountKey(who)) as Account | undefined) ?? EMPTY;
}

export function putAccount(state: StateTree, who: Hex, account: Account): void {
	const empty = account.balance === 0 && account.stake === 0 && account.nonce === 0;
	state.put(accountKey(who), empty ? undefined : { ...account });
}

export function credit(state: StateTree, who: Hex, amount: number): void {
	if (amount === 0) return;
	const a = getAccount(state, who);
	const balance = a.balance + amount;
	if (!Number.isSafeInteger(balance)) throw new AgoraError('E_TX_BALANCE', `balance of ${who} would overflow`, 'amount', amount);
	putAccount(state, who, { ...a, balance });
}

export function debit(state: StateTree, who: Hex, amount: number, field = 'amount'): void {
	if (amount === 0) return;
	const a = getAccount(state, who);
	if (a.balance < amount) {
		throw new AgoraError('E_TX_BALANCE', `${field} ${amount} exceeds the balance ${a.balance} of ${who.slice(0, 16)}…`, field, amount);
	}
	putAccount(state, who, { ...a, balance: a.balance - amount });
}

export function transfer(state: StateTree, from: Hex, to: Hex, amount: number): void {
	debit(state, from, amount);
	credit(state, to, amount);
}
