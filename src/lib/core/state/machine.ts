/**
 * The state transition function. `checkTx` holds the rules that need no
 * state (so the mempool can apply them on arrival); `applyTx` adds the rules
 * that do (time window, nonce, fee, membership) and then the kind's own
 * effect. A transaction either applies whole or leaves state untouched.
 */
import { equalBytes, toHex, type Bytes } from '../bytes.js';
import { AgoraError, fail } from '../errors.js';
import type { ChainParams } from '../params.js';
import { ppmOf } from '../params.js';
import { encodeTx, type Tx } from '../tx/tx.js';
import { memo } from '../memo.js';
import { credit, getAccount, payForTx, TREASURY } from './accounts.js';
import type { BlockContext, TxKind } from './kind.js';
import { isMember } from './members.js';
import { BLOCK_HOOKS, KINDS, kindOf } from './registry.js';
import type { SigCheck } from '../verify.js';
import type { StateTree } from './tree.js';

/** A transaction's body as its kind reads it: read once, whether for its signatures, the mempool or a block. */
const parsedBodies = memo<Tx, { readonly body: unknown }>('agora.tx.body');

function parsedBody(tx: Tx, kind: TxKind<unknown>): unknown {
	return (parsedBodies.get(tx) ?? parsedBodies.set(tx, { body: kind.body(tx.body) })).body;
}

/** Checks everything about a transaction that does not depend on state or time; returns its parsed body. */
export function checkTx(tx: Tx, chainId: Bytes, params: ChainParams): unknown {
	const kind = kindOf(tx.kind);
	if (!equalBytes(tx.chain, chainId)) fail('E_TX_CHAIN', 'chain', toHex(tx.chain), `is not this community's chain ${toHex(chainId).slice(0, 16)}…`);
	const size = encodeTx(tx).length;
	if (size > params.maxTxBytes) fail('E_TX_SIZE', 'tx', size, `is larger than ${params.maxTxBytes} bytes`);
	if (tx.expires <= tx.created) fail('E_TX_LIFETIME', 'expires', tx.expires, `must be after created ${tx.created}`);
	if (tx.expires - tx.created > params.maxTxLifetimeMs) {
		fail('E_TX_LIFETIME', 'expires', tx.expires, `is more than ${params.maxTxLifetimeMs} ms after created ${tx.created}`);
	}
	if (tx.fee < params.minFee) fail('E_TX_FEE', 'fee', tx.fee, `is below the minimum fee ${params.minFee}`);
	return parsedBody(tx, kind);
}

/** Whether a transaction may still be included in a block at `time`. */
export function checkTxTime(tx: Tx, time: number, params: ChainParams): void {
	if (tx.created > time + params.maxFutureDriftMs) fail('E_TX_FUTURE', 'created', tx.created, `is too far after the block time ${time}`);
	if (time >= tx.expires) fail('E_TX_EXPIRED', 'expires', tx.expires, `has passed at block time ${time}`);
}

/** Applies one transaction on top of `state` (whose params are `ctx.params`); on any error state is unchanged. */
export function applyTx(state: StateTree, tx: Tx, chainId: Bytes, ctx: BlockContext): void {
	const checkpoint = state.checkpoint();
	try {
		const body = checkTx(tx, chainId, ctx.params);
		checkTxTime(tx, ctx.time, ctx.params);
		const kind = kindOf(tx.kind);
		const sender = toHex(tx.from);
		const account = getAccount(state, sender);
		if (tx.nonce !== account.nonce) {
			fail('E_TX_NONCE', 'nonce', tx.nonce, tx.nonce < account.nonce ? `was already used (next is ${account.nonce})` : `is ahead of the next nonce ${account.nonce}`);
		}
		if (kind.sender === 'member' && !isMember(state, sender)) {
			throw new AgoraError('E_TX_NOT_ALLOWED', `${sender.slice(0, 16)}… is not a member and cannot send ${tx.kind}`, 'from', sender);
		}
		payForTx(state, sender, account, tx.fee);
		const toTreasury = ppmOf(tx.fee, ctx.params.treasuryFeePpm);
		credit(state, TREASURY, toTreasury);
		credit(state, ctx.proposer, tx.fee - toTreasury);
		kind.apply({ ...ctx, state, tx, sender }, body);
	} catch (e) {
		state.revert(checkpoint);
		throw e;
	}
}

/** The end-of-block transition, after the last transaction (see BlockHook). */
export function endBlock(state: StateTree, ctx: BlockContext): void {
	for (const hook of BLOCK_HOOKS) hook.endBlock(state, ctx);
}

/** Applies a block's transactions in order, then the end-of-block work; the first failure rejects the block, naming the transaction. */
export function applyBlockBody(state: StateTree, txs: readonly Tx[], chainId: Bytes, ctx: BlockContext): void {
	txs.forEach((tx, i) => {
		try {
			applyTx(state, tx, chainId, ctx);
		} catch (e) {
			if (e instanceof AgoraError) {
				throw new AgoraError(e.code, `transaction ${i} (${tx.kind}): ${e.message}`, `txs[${i}].${e.field ?? ''}`, e.value);
			}
			throw e;
		}
	});
	endBlock(state, ctx);
}

/** Signatures carried inside a transaction's body (see TxKind.signatures); empty for most kinds. */
export function bodySignatures(tx: Tx): SigCheck[] {
	const kind = KINDS.get(tx.kind);
	if (!kind?.signatures) return [];
	try {
		return kind.signatures(parsedBody(tx, kind));
	} catch {
		// A malformed body is rejected by checkTx with a precise error; it carries no signatures.
		return [];
	}
}
