/** Deterministic communities for tests: keys from fixed seeds, a fixed clock. */
import { keyPairFromSeed, type KeyPair } from '../../src/lib/core/keys.js';
import { createGenesis, openGenesis, type NewCommunity } from '../../src/lib/core/genesis.js';
import { Chain, verifyBlock, type VerifiedBlock } from '../../src/lib/core/chain.js';
import { nobleVerifier } from '../../src/lib/core/verify.js';
import { signTx, type Tx, type UnsignedTx } from '../../src/lib/core/tx/tx.js';
import type { Encodable } from '../../src/lib/core/codec.js';
import { expect } from 'vitest';
import { AgoraError, type ErrorCode } from '../../src/lib/core/errors.js';
import { toHex } from '../../src/lib/core/bytes.js';
import { EMPTY_ROOT } from '../../src/lib/core/merkle.js';
import { blockHash, signHeader, type Block, type BlockHeader, type UnsignedHeader } from '../../src/lib/core/block/block.js';
import { getAuthorities } from '../../src/lib/core/consensus/poa.js';
import { increment } from '../../src/lib/core/vclock.js';
import type { StateTree } from '../../src/lib/core/state/tree.js';
import { applyTx } from '../../src/lib/core/state/machine.js';
import { getAccount } from '../../src/lib/core/state/accounts.js';
import type { BlockContext } from '../../src/lib/core/state/kind.js';
import type { ChainParams } from '../../src/lib/core/params.js';

export const T0 = 1_750_000_000_000;

export function key(n: number): KeyPair {
	const seed = new Uint8Array(32);
	new DataView(seed.buffer).setUint32(28, n + 1);
	return keyPairFromSeed(seed);
}

export function genesisFor(founder: KeyPair, extra: Partial<NewCommunity> = {}): Block {
	return createGenesis({ name: 'Test community', time: T0, salt: new Uint8Array(16), founder, founderName: 'founder', ...extra });
}

export async function openChain(genesis: Block): Promise<Chain> {
	return Chain.open(await verifyBlock(genesis, nobleVerifier));
}

export function makeTx(chain: Chain | Uint8Array, from: KeyPair, nonce: number, kind: string, body: Encodable, opts: { fee?: number; created?: number; expires?: number } = {}): Tx {
	const created = opts.created ?? T0 + 1000;
	return signTx(
		{
			chain: chain instanceof Uint8Array ? chain : chain.chainId,
			from: from.publicKey,
			nonce,
			fee: opts.fee ?? 0,
			created,
			expires: opts.expires ?? created + 3_600_000,
			kind,
			body
		},
		from
	);
}

/** Proposes a block on the chain's head with these transactions and adds it; returns the block. */
export async function seal(chain: Chain, proposer: KeyPair, txs: readonly Tx[], now: number): Promise<Block> {
	const p = chain.propose(proposer, txs, now);
	if (!p || 'wait' in p) throw new Error(`cannot propose: ${JSON.stringify(p)}`);
	if (p.rejected.length) throw new Error(`rejected: ${p.rejected.map((r) => r.error.message).join('; ')}`);
	const vb: VerifiedBlock = await verifyBlock(p.block, nobleVerifier);
	const r = chain.add(vb, now);
	if (r.status !== 'head') throw new Error(`sealed block did not become head: ${r.status}`);
	return p.block;
}

/* Helpers for the core unit tests (tests/unit/core). */

/** `n` distinct deterministic key pairs, key(0) … key(n-1). */
export function keys(n: number, from = 0): KeyPair[] {
	return Array.from({ length: n }, (_, i) => key(from + i));
}

/** A proof-of-authority genesis with these authorities (all of them members); the first one founds it. */
export function poaGenesis(authorities: readonly KeyPair[], extra: Partial<NewCommunity> = {}): Block {
	return genesisFor(authorities[0]!, {
		engine: { name: 'poa', authorities: authorities.map((k) => k.publicKey) },
		members: authorities.map((k, i) => ({ key: k.publicKey, name: `authority ${i}` })),
		...extra
	});
}

export function verified(block: Block): Promise<VerifiedBlock> {
	return verifyBlock(block, nobleVerifier);
}

/** The PoA seal difficulty `proposer` must claim at `height`: 2 in turn, 1 out of turn. */
export function poaDifficulty(state: StateTree, proposer: KeyPair, height: number): number {
	const authorities = getAuthorities(state);
	return authorities[height % authorities.length] === toHex(proposer.publicKey) ? 2 : 1;
}

export interface ChildOptions {
	readonly time?: number;
	/** Defaults to the right PoA difficulty given `authorities` (sorted hex); without them the proposer is taken to be the only authority (2). */
	readonly difficulty?: number;
	readonly authorities?: readonly string[];
	/** Any other engine's seal (then `difficulty` and `authorities` are unused). */
	readonly seal?: Encodable;
}

/**
 * An empty block on `parent`, sealed by `proposer`, built by hand (so it can
 * go on any branch). With no transactions the state does not change, so the
 * state root is the parent's.
 */
export function emptyChild(chainId: Uint8Array, parent: BlockHeader, proposer: KeyPair, opts: ChildOptions = {}): Block {
	const height = parent.height + 1;
	const me = toHex(proposer.publicKey);
	const auths = opts.authorities;
	const difficulty = opts.difficulty ?? (!auths || auths[height % auths.length] === me ? 2 : 1);
	const unsigned: UnsignedHeader = {
		chain: chainId,
		height,
		parent: blockHash(parent),
		time: opts.time ?? parent.time + 1000,
		proposer: proposer.publicKey,
		txRoot: EMPTY_ROOT,
		stateRoot: parent.stateRoot,
		clock: increment(parent.clock, me),
		seal: opts.seal ?? { difficulty }
	};
	return { header: signHeader(unsigned, proposer), txs: [] };
}

/** The same block with header fields changed and signed again by `signer`. */
export function resign(block: Block, signer: KeyPair, changes: Partial<UnsignedHeader>): Block {
	const { sig: _sig, ...unsigned } = block.header;
	return { ...block, header: signHeader({ ...unsigned, ...changes }, signer) };
}

/**
 * Proposes a block on the chain's head without adding it, waiting (in
 * simulated time) when the engine says this key must wait. Returns the block
 * and the time it was made at.
 */
export function proposeAt(chain: Chain, proposer: KeyPair, txs: readonly Tx[], now: number): { block: Block; now: number } {
	for (let i = 0; i < 4; i++) {
		const p = chain.propose(proposer, txs, now);
		if (!p) throw new Error('this key may not seal on the head');
		if ('wait' in p) {
			if (p.wait <= now) throw new Error(`propose asked to wait until ${p.wait}, which is not after ${now}`);
			now = p.wait;
			continue;
		}
		if (p.rejected.length) throw new Error(`rejected: ${p.rejected.map((r) => r.error.message).join('; ')}`);
		return { block: p.block, now };
	}
	throw new Error('propose kept asking to wait');
}

/** Runs `fn`, expecting an AgoraError with this code (and field, when given); returns it. */
export function expectAgoraError(fn: () => unknown, code: ErrorCode, field?: string): AgoraError {
	let error: unknown;
	try {
		fn();
	} catch (e) {
		error = e;
	}
	return checkAgoraError(error, code, field);
}

export async function expectAgoraErrorAsync(fn: () => Promise<unknown>, code: ErrorCode, field?: string): Promise<AgoraError> {
	let error: unknown;
	try {
		await fn();
	} catch (e) {
		error = e;
	}
	return checkAgoraError(error, code, field);
}

function checkAgoraError(error: unknown, code: ErrorCode, field: string | undefined): AgoraError {
	expect(error, `expected an AgoraError ${code}`).toBeInstanceOf(AgoraError);
	const e = error as AgoraError;
	expect({ code: e.code, field: field === undefined ? undefined : e.field }, e.message).toEqual({ code, field });
	return e;
}

/**
 * A community's ledger at the state-machine level: its genesis state, with
 * transactions applied straight to it (no blocks, no signatures: the chain
 * checks those before the machine runs). Building a state costs a few
 * milliseconds; `reset` takes it back to genesis for the next property run.
 */
export interface Ledger {
	readonly state: StateTree;
	readonly chainId: Uint8Array;
	/** The block the next transactions apply in; move it with `at`. */
	readonly block: BlockContext;
	at(height: number): Ledger;
	/** A transaction from `from` carrying its next nonce. */
	tx(from: KeyPair, kind: string, body: Encodable, over?: Partial<UnsignedTx>): Tx;
	/** Applies a transaction made by `tx` and returns it. */
	apply(from: KeyPair, kind: string, body: Encodable, over?: Partial<UnsignedTx>): Tx;
	/** Applies a transaction made by `tx` expecting this error, and checks that it left state as it was. */
	reject(from: KeyPair, kind: string, body: Encodable, code: ErrorCode, field: string, over?: Partial<UnsignedTx>): AgoraError;
	reset(): Ledger;
}

export interface LedgerOptions {
	/** Founding members; the first founds the community. */
	readonly members: readonly KeyPair[];
	readonly allocations?: ReadonlyArray<readonly [KeyPair, number]>;
	readonly params?: Partial<ChainParams>;
	/** Receives the fees' proposer share; key(99) unless given. */
	readonly proposer?: KeyPair;
}

export function ledger(opts: LedgerOptions): Ledger {
	const genesis = genesisFor(opts.members[0]!, {
		members: opts.members.map((k, i) => ({ key: k.publicKey, name: `member ${i}` })),
		allocations: (opts.allocations ?? []).map(([k, amount]) => ({ key: k.publicKey, amount })),
		params: opts.params ?? {}
	});
	const { state, config } = openGenesis(genesis);
	const chainId = blockHash(genesis.header);
	const base = { time: T0 + 2000, proposer: toHex((opts.proposer ?? key(99)).publicKey), params: config.params, ancestor: () => undefined };
	let block: BlockContext = { ...base, height: 1 };
	const l: Ledger = {
		state,
		chainId,
		get block() {
			return block;
		},
		at(height) {
			block = { ...base, height };
			return l;
		},
		tx(from, kind, body, over = {}) {
			const nonce = getAccount(state, toHex(from.publicKey)).nonce;
			return { chain: chainId, from: from.publicKey, nonce, fee: 0, created: T0 + 1000, expires: T0 + 3_601_000, kind, body, ...over, sig: new Uint8Array(64) };
		},
		apply(from, kind, body, over) {
			const t = l.tx(from, kind, body, over);
			applyTx(state, t, chainId, block);
			return t;
		},
		reject(from, kind, body, code, field, over) {
			const root = toHex(state.root());
			const checkpoint = state.checkpoint();
			const error = expectAgoraError(() => l.apply(from, kind, body, over), code, field);
			expect(toHex(state.root())).toBe(root);
			expect(state.checkpoint()).toBe(checkpoint);
			return error;
		},
		reset() {
			state.revert(0);
			return l.at(1);
		}
	};
	return l;
}
