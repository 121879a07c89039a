/**
 * Value kinds: transfer, stake and unstake. Each moves value between
 * balances and stake and never creates or destroys any (the fee is taken
 * before, by the generic path, and is split without loss).
 */
import * as s from '../schema.js';
import type { Hex } from '../bytes.js';
import { bond, moveBalance, readAccountKey, readAmount, unbond } from './accounts.js';
import { defineKind } from './kind.js';

export interface TransferBody {
	readonly to: Hex;
	readonly amount: number;
}

export interface AmountBody {
	readonly amount: number;
}

function readAmountBody(value: unknown): AmountBody {
	const r = s.exactRecord(value, 'body', ['amount']);
	return { amount: readAmount(r.amount, 'body.amount') };
}

export const transfer = defineKind<TransferBody>({
	kind: 'transfer',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['to', 'amount']);
		return { to: readAccountKey(r.to, 'body.to'), amount: readAmount(r.amount, 'body.amount') };
	},
	apply: (ctx, body) => moveBalance(ctx.state, ctx.sender, body.to, body.amount, 'body.amount')
});

export const stake = defineKind<AmountBody>({
	kind: 'stake',
	sender: 'member',
	body: readAmountBody,
	apply: (ctx, body) => bond(ctx.state, ctx.sender, body.amount, 'body.amount')
});

/**
 * Any key may withdraw its own stake, members or not: a member who leaves
 * (or is removed by the DAO) must not find its stake locked for good.
 */
export const unstake = defineKind<AmountBody>({
	kind: 'unstake',
	sender: 'anyone',
	body: readAmountBody,
	apply: (ctx, body) => unbond(ctx.state, ctx.sender, body.amount, 'body.amount')
});
