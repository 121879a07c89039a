/**
 * The plug-in point of the state machine. Every transaction kind is one
 * `TxKind`: a body reader, who may send it, and what it does to state. The
 * generic path (signature, chain, times, nonce, fee, membership) runs before
 * `apply` and never changes when a kind is added.
 */
import type { Hex } from '../bytes.js';
import type { Encodable } from '../codec.js';
import type { ChainParams } from '../params.js';
import type { Tx } from '../tx/tx.js';
import type { SigCheck } from '../verify.js';
import type { StateTree } from './tree.js';

/** Where a transaction is being applied. */
export interface BlockContext {
	readonly height: number;
	readonly time: number;
	readonly proposer: Hex;
	readonly params: ChainParams;
	/** The hash of the block at `height` on the branch being built on (below the current height). */
	readonly ancestor: (height: number) => Hex | undefined;
}

export interface TxContext extends BlockContext {
	readonly state: StateTree;
	readonly tx: Tx;
	readonly sender: Hex;
}

export interface TxKind<B = unknown> {
	readonly kind: string;
	/** Reads and checks the body; throws E_SCHEMA naming the field. Pure and stateless. */
	readonly body: (value: unknown) => B;
	/** `member`: only current members may send it; `anyone`: any key (joining, for one). */
	readonly sender: 'member' | 'anyone';
	/** Applies the body to state, throwing an AgoraError to reject the transaction. */
	readonly apply: (ctx: TxContext, body: B) => void;
	/**
	 * Signatures the body carries besides the transaction's own (votes inside
	 * evidence, say). They are checked in the same batch as every other
	 * signature of the block, before `apply` runs; a false one rejects the block.
	 */
	readonly signatures?: (body: B) => SigCheck[];
}

/**
 * Work a module does after a block's transactions, such as timers that fire
 * at a height (proposal deadlines, redeliveries). Part of the state
 * transition: it runs on every node, in registry order.
 */
export interface BlockHook {
	readonly name: string;
	readonly endBlock: (state: StateTree, ctx: BlockContext) => void;
	/**
	 * The earliest block time at which `endBlock` has work waiting (null: none),
	 * read cheaply (no scan). A deadline is processed only by a block whose time
	 * reaches it, and a community whose sealer seals only when transactions wait
	 * would otherwise never close a vote that passes in silence: a sealer reads
	 * this (through the registry's `nextDeadline`) to seal a block once it has
	 * passed. A deadline stays reported until a block whose time reaches it
	 * has processed it, so one at or before the head block's time means the
	 * hook did not consume it: sealers ignore it rather than seal again.
	 */
	readonly nextDeadline?: (state: StateTree) => number | null;
}

export function defineKind<B>(kind: TxKind<B>): TxKind<B> {
	return kind;
}

export type { Encodable };
