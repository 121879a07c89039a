/**
 * Balances, stake and nonces, one entry per key that ever held or sent
 * anything. Stake is indexed as it is written: `c/stakers` is the sorted list
 * of every key with stake, so consensus reads the staker set without
 * scanning state, and `c/stake-total` their sum. `writeAccount` is the one
 * writer of an account, so the index cannot drift from the accounts.
 */
import { toHex, type Hex } from '../bytes.js';
import type { Encodable } from '../codec.js';
import { AgoraError, fail } from '../errors.js';
import { PUBLIC_KEY_BYTES } from '../keys.js';
import * as s from '../schema.js';
import { withItem, withoutItem } from '../sorted.js';
import type { StateTree } from './tree.js';

export interface Account {
	readonly balance: number;
	readonly stake: number;
	/** The nonce the account's next transaction must carry. */
	readonly nonce: number;
}

const EMPTY: Account = { balance: 0, stake: 0, nonce: 0 };
export const TREASURY = 'treasury';
/** Sorted hex keys of every account with stake > 0. */
export const STAKERS_KEY = 'c/stakers';
/** The sum of all stake (absent when zero). */
export const STAKE_TOTAL_KEY = 'c/stake-total';

/**
 * Accounts are named by a member's hex key, by TREASURY, or by a contract's
 * holding account (see contracts/contract.ts); none of those names is another.
 */
export const accountKey = (who: Hex): string => `a/${who}`;

export function getAccount(state: StateTree, who: Hex): Account {
	return (state.get(accountKey(who)) as Account | undefined) ?? EMPTY;
}

/** Replaces `before`, the account as just read, with `after` (a new object), keeping the stake index. */
function writeAccount(state: StateTree, who: Hex, before: Account, after: Account): void {
	const empty = after.balance === 0 && after.stake === 0 && after.nonce === 0;
	state.put(accountKey(who), empty ? undefined : (after as unknown as Encodable));
	if (after.stake !== before.stake) indexStake(state, who, before.stake, after.stake);
}

/** A transaction's sender pays for it: the nonce moves on and the fee leaves the balance, in one write. */
export function payForTx(state: StateTree, who: Hex, account: Account, fee: number): void {
	if (account.balance < fee) throw shortBalance('fee', fee, account.balance, who);
	writeAccount(state, who, account, { ...account, nonce: account.nonce + 1, balance: account.balance - fee });
}

export function getStakers(state: StateTree): readonly Hex[] {
	return (state.get(STAKERS_KEY) as Hex[] | undefined) ?? [];
}

export function totalStake(state: StateTree): number {
	return (state.get(STAKE_TOTAL_KEY) as number | undefined) ?? 0;
}

/** Writes an account's stake (balance untouched), keeping the staker index and total. */
export function setStake(state: StateTree, who: Hex, stake: number): void {
	if (!Number.isSafeInteger(stake) || stake < 0) fail('E_TX_BALANCE', 'stake', stake, 'must be a non-negative safe integer');
	const a = getAccount(state, who);
	writeAccount(state, who, a, { ...a, stake });
}

/** The list is written only when a key starts or stops staking; the total whenever stake moves. */
function indexStake(state: StateTree, who: Hex, before: number, after: number): void {
	if (before === 0 || after === 0) {
		const list = getStakers(state);
		const next = after === 0 ? withoutItem(list, who) : withItem(list, who);
		state.put(STAKERS_KEY, next.length === 0 ? undefined : next);
	}
	const total = totalStake(state) - before + after;
	state.put(STAKE_TOTAL_KEY, total === 0 ? undefined : total);
}

export function credit(state: StateTree, who: Hex, amount: number): void {
	if (amount === 0) return;
	const a = getAccount(state, who);
	const balance = a.balance + amount;
	if (!Number.isSafeInteger(balance)) throw new AgoraError('E_TX_BALANCE', `balance of ${who} would overflow`, 'amount', amount);
	writeAccount(state, who, a, { ...a, balance });
}

function shortBalance(field: string, amount: number, balance: number, who: Hex): AgoraError {
	return new AgoraError('E_TX_BALANCE', `${field} ${amount} exceeds the balance ${balance} of ${who.slice(0, 16)}…`, field, amount);
}

export function debit(state: StateTree, who: Hex, amount: number, field = 'amount'): void {
	if (amount === 0) return;
	const a = getAccount(state, who);
	if (a.balance < amount) throw shortBalance(field, amount, a.balance, who);
	writeAccount(state, who, a, { ...a, balance: a.balance - amount });
}

/** Moves balance between accounts; `field` names the amount in the error when the balance is short. */
export function moveBalance(state: StateTree, from: Hex, to: Hex, amount: number, field = 'amount'): void {
	debit(state, from, amount, field);
	credit(state, to, amount);
}

/** Balance → stake. */
export function bond(state: StateTree, who: Hex, amount: number, field = 'amount'): void {
	debit(state, who, amount, field);
	setStake(state, who, getAccount(state, who).stake + amount);
}

/** Stake → balance. */
export function unbond(state: StateTree, who: Hex, amount: number, field = 'amount'): void {
	const stake = getAccount(state, who).stake;
	if (stake < amount) throw new AgoraError('E_TX_BALANCE', `${field} ${amount} exceeds the stake ${stake} of ${who.slice(0, 16)}…`, field, amount);
	setStake(state, who, stake - amount);
	credit(state, who, amount);
}

/** An amount of value in a body: a positive safe integer. */
export function readAmount(value: unknown, path: string): number {
	return s.int(value, path, 1);
}

/** A member's public key in a body, as the hex that names its account. */
export function readAccountKey(value: unknown, path: string): Hex {
	return toHex(s.bytes(value, path, PUBLIC_KEY_BYTES));
}
