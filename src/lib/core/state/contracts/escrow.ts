/**
 * Escrow: a payer locks an amount for a recipient until a height. The payer
 * may release it to the recipient at any time while it is open, or take it
 * back once the deadline height is reached. Either closes the escrow for
 * good, so nothing is paid twice. An escrow is named by the id of the
 * transaction that opened it.
 */
import { toHex, type Hex } from '../../bytes.js';
import { AgoraError, fail } from '../../errors.js';
import { HASH_BYTES } from '../../hash.js';
import * as s from '../../schema.js';
import { txIdHex } from '../../tx/tx.js';
import { moveBalance, readAccountKey, readAmount } from '../accounts.js';
import type { TxContext } from '../kind.js';
import type { StateTree } from '../tree.js';
import { contractAccount, contractKey, defineAction, type Contract } from './contract.js';

export interface Escrow {
	readonly payer: Hex;
	readonly to: Hex;
	readonly amount: number;
	/** From this height on, the payer may take the amount back. */
	readonly until: number;
	readonly opened: number;
}

const NAME = 'escrow';
export const ESCROW_ACCOUNT = contractAccount(NAME);
const escrowKey = (id: Hex): string => contractKey(NAME, id);

export function getEscrow(state: StateTree, id: Hex): Escrow | undefined {
	return state.get(escrowKey(id)) as Escrow | undefined;
}

function readId(value: unknown, path: string): { id: Hex } {
	const r = s.exactRecord(value, path, ['id']);
	return { id: toHex(s.bytes(r.id, `${path}.id`, HASH_BYTES)) };
}

/** The open escrow `id` of which the sender is the payer. */
function payersEscrow(ctx: TxContext, id: Hex): Escrow {
	const escrow = getEscrow(ctx.state, id);
	if (!escrow) fail('E_TX_NOT_ALLOWED', 'body.args.id', id, 'is not an open escrow');
	if (escrow.payer !== ctx.sender) throw new AgoraError('E_TX_NOT_ALLOWED', `only the payer of escrow ${id.slice(0, 16)}… may close it`, 'from', ctx.sender);
	return escrow;
}

function close(ctx: TxContext, id: Hex, escrow: Escrow, payee: Hex): void {
	ctx.state.put(escrowKey(id), undefined);
	moveBalance(ctx.state, ESCROW_ACCOUNT, payee, escrow.amount);
}

export const escrow: Contract = {
	name: NAME,
	actions: {
		open: defineAction({
			args: (value, path) => {
				const r = s.exactRecord(value, path, ['to', 'amount', 'until']);
				return { to: readAccountKey(r.to, `${path}.to`), amount: readAmount(r.amount, `${path}.amount`), until: s.int(r.until, `${path}.until`, 1) };
			},
			apply: (ctx, { to, amount, until }) => {
				if (until <= ctx.height) fail('E_TX_NOT_ALLOWED', 'body.args.until', until, `must be above the current height ${ctx.height}`);
				moveBalance(ctx.state, ctx.sender, ESCROW_ACCOUNT, amount, 'body.args.amount');
				const opened: Escrow = { payer: ctx.sender, to, amount, until, opened: ctx.height };
				ctx.state.put(escrowKey(txIdHex(ctx.tx)), { ...opened });
			}
		}),
		release: defineAction({
			args: readId,
			apply: (ctx, { id }) => {
				const e = payersEscrow(ctx, id);
				close(ctx, id, e, e.to);
			}
		}),
		refund: defineAction({
			args: readId,
			apply: (ctx, { id }) => {
				const e = payersEscrow(ctx, id);
				if (ctx.height < e.until) fail('E_TX_NOT_ALLOWED', 'body.args.id', id, `is locked until height ${e.until} (now ${ctx.height})`);
				close(ctx, id, e, e.payer);
			}
		})
	}
};
