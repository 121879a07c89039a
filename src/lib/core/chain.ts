/**
 * The chain: a tree of validated blocks, the state at its best tip, fork
 * choice, reorganisation and finality.
 *
 * Every block is validated in full against the state after its parent, side
 * branches included: the working state walks the tree (undoing blocks by
 * their journals, re-applying others) to the parent, the block is checked and
 * applied, and the state walks back to the best tip unless the new block
 * beats it. The best tip has the greatest total weight as the engine computes
 * it (never as a block claims it), ties going to the lower block hash so every
 * node picks the same one. No block may branch off below the finalized block.
 */
import { compareBytes, equalBytes, fromHex, toHex, type Bytes, type Hex } from './bytes.js';
import { AgoraError, fail } from './errors.js';
import { openGenesis, type GenesisConfig } from './genesis.js';
import type { KeyPair } from './keys.js';
import type { InclusionProof } from './merkle.js';
import type { ChainParams } from './params.js';
import { applyBlockBody, applyTx, bodySignatures, endBlock } from './state/machine.js';
import { getParams } from './state/chainParams.js';
import type { BlockContext } from './state/kind.js';
import type { JournalEntry, StateTree } from './state/tree.js';
import { encodeTx, txIdHex, type Tx } from './tx/tx.js';
import { headerSignedMessage, blockHash, blockHashHex, blockTxBytes, signHeader, txMerkleTree, type Block, type BlockHeader, type UnsignedHeader } from './block/block.js';
import type { ConsensusEngine, EngineContext } from './consensus/engine.js';
import { increment, isNormalized, compare as compareClocks } from './vclock.js';
import { txSignatureCheck } from './tx/tx.js';
import type { SigCheck, Verifier } from './verify.js';

declare const verified: unique symbol;
/** A block whose header and transaction signatures have all been checked. */
export interface VerifiedBlock {
	readonly block: Block;
	readonly [verified]: true;
}

/** Every signature a transaction carries: its own, then those inside its body. */
export function txSignatureChecks(tx: Tx): SigCheck[] {
	return [txSignatureCheck(tx), ...bodySignatures(tx)];
}

/** The check of a header's seal signature (its proposer's). */
function headerCheck(header: BlockHeader): SigCheck {
	return { message: headerSignedMessage(header), signature: header.sig, publicKey: header.proposer };
}

export function signatureChecks(block: Block): SigCheck[] {
	return [headerCheck(block.header), ...block.txs.flatMap(txSignatureChecks)];
}

/** The error for a block whose checks (`signatureChecks`, from `at` in `ok`) are not all true, or null. */
function signatureFailure(block: Block, txChecks: readonly number[], ok: readonly boolean[], at: number): AgoraError | null {
	if (!ok[at++]) {
		return new AgoraError('E_BLOCK_SIGNATURE', `block ${block.header.height} ${blockHashHex(block.header).slice(0, 16)}… has a bad proposer signature`, 'header.sig', block.header.sig);
	}
	for (let t = 0; t < txChecks.length; t++) {
		for (let k = 0; k < txChecks[t]!; k++) {
			if (ok[at + k]) continue;
			if (k === 0) return new AgoraError('E_TX_SIGNATURE', `transaction ${t} of block ${block.header.height} has a bad signature`, `txs[${t}].sig`, block.txs[t]!.sig);
			return new AgoraError('E_TX_SIGNATURE', `transaction ${t} of block ${block.header.height} carries a bad signature in its body`, `txs[${t}].body`, k - 1);
		}
		at += txChecks[t]!;
	}
	return null;
}

/**
 * Checks every signature of many blocks in one call to the verifier. Gives
 * the verified blocks before the first one with a bad signature, and that
 * one's error (null when every signature holds).
 */
export async function verifyPrefix(blocks: readonly Block[], verifier: Verifier): Promise<{ verified: VerifiedBlock[]; error: AgoraError | null }> {
	const checks: SigCheck[] = [];
	const txChecks = blocks.map((block) => {
		checks.push(headerCheck(block.header));
		return block.txs.map((tx) => {
			const own = txSignatureChecks(tx);
			for (const c of own) checks.push(c);
			return own.length;
		});
	});
	const ok = await verifier(checks);
	const verified: VerifiedBlock[] = [];
	let at = 0;
	for (let b = 0; b < blocks.length; b++) {
		const error = signatureFailure(blocks[b]!, txChecks[b]!, ok, at);
		if (error) return { verified, error };
		verified.push({ block: blocks[b]! } as VerifiedBlock);
		at += 1 + txChecks[b]!.reduce((sum, n) => sum + n, 0);
	}
	return { verified, error: null };
}

/** Checks every signature of many blocks in one batch; throws naming the first bad one. */
export async function verifyBlocks(blocks: readonly Block[], verifier: Verifier): Promise<VerifiedBlock[]> {
	const { verified, error } = await verifyPrefix(blocks, verifier);
	if (error) throw error;
	return verified;
}

export async function verifyBlock(block: Block, verifier: Verifier): Promise<VerifiedBlock> {
	return (await verifyBlocks([block], verifier))[0]!;
}

export interface BlockNode {
	readonly block: Block;
	readonly header: BlockHeader;
	readonly hash: Hex;
	readonly height: number;
	readonly parent: BlockNode | null;
	/** Total fork-choice weight of the branch ending here. */
	readonly weight: bigint;
	/** Undo information while the working state includes this block. */
	journal?: JournalEntry[];
}

export type AddResult =
	| { readonly status: 'known'; readonly node: BlockNode }
	/** The parent is unknown: fetch ancestors first. */
	| { readonly status: 'orphan'; readonly parent: Hex }
	| { readonly status: 'side'; readonly node: BlockNode }
	/** The block is the new head; `undone` and `applied` are the canonical blocks that left and joined, oldest first. */
	| { readonly status: 'head'; readonly node: BlockNode; readonly undone: readonly BlockNode[]; readonly applied: readonly BlockNode[] };

export interface Proposal {
	readonly block: Block;
	/** Candidates left out because they cannot apply now, with the reason. */
	readonly rejected: ReadonlyArray<{ readonly tx: Tx; readonly error: AgoraError }>;
}

export interface TxLocation {
	readonly tx: Tx;
	readonly block: BlockNode;
	readonly index: number;
}

const MAX_REMEMBERED_INVALID = 4096;

export class Chain {
	readonly chainId: Bytes;
	readonly chainIdHex: Hex;
	readonly config: GenesisConfig;
	readonly engine: ConsensusEngine;
	readonly genesis: BlockNode;
	private readonly working: StateTree;
	private readonly nodes = new Map<Hex, BlockNode>();
	private readonly canonical: BlockNode[] = [];
	private readonly txIndex = new Map<Hex, { height: number; index: number }>();
	/**
	 * Canonical blocks up to this height are in txIndex; later ones join it
	 * when a lookup needs them, so an import of many blocks computes no
	 * transaction id that nobody asks for.
	 */
	private indexedTo = 0;
	private readonly invalid = new Map<Hex, AgoraError>();
	private tip: BlockNode;
	private best: BlockNode;
	private final: BlockNode;

	private constructor(genesis: Block) {
		const { config, state, engine } = openGenesis(genesis);
		this.config = config;
		this.engine = engine;
		this.working = state;
		this.chainId = blockHash(genesis.header);
		this.chainIdHex = toHex(this.chainId);
		this.genesis = { block: genesis, header: genesis.header, hash: this.chainIdHex, height: 0, parent: null, weight: 0n, journal: [] };
		this.nodes.set(this.genesis.hash, this.genesis);
		this.canonical.push(this.genesis);
		this.tip = this.best = this.final = this.genesis;
	}

	/** Opens a chain at its genesis block, whose signature must have been verified. */
	static open(genesis: VerifiedBlock): Chain {
		return new Chain(genesis.block);
	}

	get head(): BlockNode {
		return this.best;
	}

	get finalized(): BlockNode {
		return this.final;
	}

	get height(): number {
		return this.best.height;
	}

	/** The state after the head block. Read only: change it through blocks. */
	get state(): StateTree {
		return this.working;
	}

	get params(): ChainParams {
		return getParams(this.working);
	}

	/** Whether this key may seal blocks on the head at all (see ConsensusEngine.canSeal). */
	canSeal(who: Hex): boolean {
		return this.engine.canSeal(who, this.engineContext(this.best));
	}

	node(hash: Hex): BlockNode | undefined {
		return this.nodes.get(hash);
	}

	blockAt(height: number): BlockNode | undefined {
		return this.canonical[height];
	}

	isCanonical(node: BlockNode): boolean {
		return this.canonical[node.height] === node;
	}

	findTx(id: Hex): TxLocation | undefined {
		while (this.indexedTo < this.canonical.length - 1) this.index(this.canonical[++this.indexedTo]!);
		const at = this.txIndex.get(id);
		if (!at) return undefined;
		const block = this.canonical[at.height]!;
		return { tx: block.block.txs[at.index]!, block, index: at.index };
	}

	txProof(id: Hex): { location: TxLocation; proof: InclusionProof } | undefined {
		const location = this.findTx(id);
		if (!location) return undefined;
		return { location, proof: txMerkleTree(location.block.block.txs).proof(location.index) };
	}

	/**
	 * Validates and adds a block. Throws an AgoraError naming the rule it
	 * breaks; the chain is unchanged then, and stays usable.
	 */
	add(vb: VerifiedBlock, now: number): AddResult {
		const block = vb.block;
		const header = block.header;
		const hash = blockHashHex(header);
		const known = this.nodes.get(hash);
		if (known) return { status: 'known', node: known };
		const earlier = this.invalid.get(hash);
		if (earlier) throw earlier;
		// The block hash covers the header, not the body. A body that does not match its header (other
		// transactions, a genesis field) says nothing about the block the header names, so it is rejected
		// without being remembered: otherwise anyone could make a node refuse a valid block for good by
		// sending its header first with another body.
		if (block.genesis !== undefined) fail('E_SCHEMA', 'genesis', block.genesis, 'is only allowed in the genesis block');
		if (!equalBytes(txMerkleTree(block.txs).root, header.txRoot)) fail('E_BLOCK_TX_ROOT', 'header.txRoot', header.txRoot, 'does not match the transactions');
		try {
			if (!equalBytes(header.chain, this.chainId)) fail('E_BLOCK_CHAIN', 'header.chain', toHex(header.chain), 'is not this community\'s chain');
			const parent = this.nodes.get(toHex(header.parent));
			if (!parent) return { status: 'orphan', parent: toHex(header.parent) };
			if (header.height !== parent.height + 1) fail('E_BLOCK_HEIGHT', 'header.height', header.height, `must be ${parent.height + 1}, one above its parent`);
			if (parent.height < this.final.height) {
				fail('E_BLOCK_FINALITY', 'header.parent', parent.hash, `branches off below the finalized block at height ${this.final.height}`);
			}
			this.moveTo(parent);
			const ctx = this.engineContext(parent);
			this.checkHeader(block, parent, ctx, now);
			this.engine.verifySeal(header, parent.header, ctx);
			const weight = parent.weight + this.engine.weight(header, parent.header, ctx);
			const node: BlockNode = { block, header, hash, height: header.height, parent, weight };
			this.applyNode(node);
			this.nodes.set(hash, node);
			return this.choose(node);
		} catch (e) {
			this.moveTo(this.best);
			// A block from too far in the future may become valid later; anything else never will.
			if (e instanceof AgoraError && e.code !== 'E_BLOCK_TIME') this.rememberInvalid(hash, e);
			throw e;
		}
	}

	/**
	 * Builds and signs a block on the head from `candidates` (in the order to
	 * try them). Returns `wait` with a time when this key may seal only later,
	 * or null when it may not seal at all.
	 */
	propose(keys: KeyPair, candidates: readonly Tx[], now: number, sealBudget = Infinity): Proposal | { wait: number } | null {
		const parent = this.best;
		this.moveTo(parent);
		const me = toHex(keys.publicKey);
		const ctx = this.engineContext(parent);
		const plan = this.engine.plan(me, parent.header, now, ctx);
		if (!plan) return null;
		if (plan.notBefore > now) return { wait: plan.notBefore };
		const params = ctx.params;
		const time = Math.max(now, this.medianTime(parent, params) + 1);
		const blockCtx: BlockContext = { height: parent.height + 1, time, proposer: me, params, ancestor: (h) => this.ancestor(parent, h)?.hash };
		const start = this.working.checkpoint();
		let { included, rejected } = this.applyCandidates(candidates, blockCtx, false);
		try {
			this.working.hashWritesSince(start);
		} catch (e) {
			this.working.revert(start);
			if (!(e instanceof AgoraError) || e.code !== 'E_ENCODE') throw e;
			// A transaction wrote a value that cannot be encoded (only a bug can): apply them again, encoding each
			// one's writes as it goes, so that the one at fault is left out rather than failing the block.
			({ included, rejected } = this.applyCandidates(candidates, blockCtx, true));
		}
		let stateRoot: Bytes;
		try {
			endBlock(this.working, blockCtx);
			stateRoot = this.working.root();
		} finally {
			this.working.revert(start);
		}
		const unsigned: UnsignedHeader = {
			chain: this.chainId,
			height: parent.height + 1,
			parent: fromHex(parent.hash),
			time,
			proposer: keys.publicKey,
			txRoot: txMerkleTree(included).root,
			stateRoot,
			clock: increment(parent.header.clock, me),
			seal: plan.seal
		};
		const sealed = this.engine.finishSeal(unsigned, ctx, sealBudget);
		if (!sealed) return { wait: now };
		return { block: { header: signHeader(sealed, keys), txs: included }, rejected };
	}

	/** Applies what fits of the candidates to the working state, in order; `encodeEach`: encode each one's writes at once. */
	private applyCandidates(candidates: readonly Tx[], blockCtx: BlockContext, encodeEach: boolean): { included: Tx[]; rejected: Array<{ tx: Tx; error: AgoraError }> } {
		const included: Tx[] = [];
		const rejected: Array<{ tx: Tx; error: AgoraError }> = [];
		let bytes = 0;
		for (const tx of candidates) {
			if (included.length >= blockCtx.params.maxBlockTxs) break;
			const size = encodeTx(tx).length;
			if (bytes + size > blockCtx.params.maxBlockBytes) continue;
			const before = this.working.checkpoint();
			try {
				applyTx(this.working, tx, this.chainId, blockCtx);
				if (encodeEach) this.working.hashWritesSince(before);
				included.push(tx);
				bytes += size;
			} catch (e) {
				if (!(e instanceof AgoraError)) throw e;
				this.working.revert(before);
				rejected.push({ tx, error: e });
			}
		}
		return { included, rejected };
	}

	/** Hashes of canonical blocks at the head, then 1, 2, 4, 8… blocks back, ending at genesis. */
	locator(): Hex[] {
		const out: Hex[] = [];
		let step = 1;
		for (let h = this.best.height; h > 0; h -= step) {
			out.push(this.canonical[h]!.hash);
			if (out.length > 10) step *= 2;
		}
		out.push(this.genesis.hash);
		return out;
	}

	/** Canonical blocks after the first locator hash we share, oldest first. */
	blocksAfter(locator: readonly Hex[], max: number): Block[] {
		let from = 0;
		for (const hash of locator) {
			const node = this.nodes.get(hash);
			if (node && this.isCanonical(node)) {
				from = node.height + 1;
				break;
			}
		}
		return this.canonical.slice(from, from + max).map((n) => n.block);
	}

	private checkHeader(block: Block, parent: BlockNode, ctx: EngineContext, now: number): void {
		const { header, txs } = block;
		const params = ctx.params;
		const median = this.medianTime(parent, params);
		if (header.time <= median) fail('E_BLOCK_TIME', 'header.time', header.time, `must be after the median ${median} of recent blocks`);
		if (header.time > now + params.maxFutureDriftMs) fail('E_BLOCK_TIME', 'header.time', header.time, `is more than ${params.maxFutureDriftMs} ms ahead of now (${now})`);
		const clock = increment(parent.header.clock, toHex(header.proposer));
		// A zero entry compares equal but is not canonical: no other node could decode the header.
		if (!isNormalized(header.clock) || compareClocks(clock, header.clock) !== 'equal') fail('E_BLOCK_CLOCK', 'header.clock', header.clock, 'must be the parent\'s clock advanced for the proposer');
		if (txs.length > params.maxBlockTxs) fail('E_BLOCK_SIZE', 'txs', txs.length, `must hold at most ${params.maxBlockTxs} transactions`);
		const bytes = blockTxBytes(txs);
		if (bytes > params.maxBlockBytes) fail('E_BLOCK_SIZE', 'txs', bytes, `must be at most ${params.maxBlockBytes} bytes`);
	}

	private medianTime(parent: BlockNode, params: ChainParams): number {
		const times: number[] = [];
		for (let n: BlockNode | null = parent; n && times.length < params.medianTimeBlocks; n = n.parent) times.push(n.header.time);
		times.sort((a, b) => a - b);
		return times[Math.floor(times.length / 2)]!;
	}

	private engineContext(at: BlockNode): EngineContext {
		return {
			state: this.working,
			params: getParams(this.working),
			ancestor: (height) => this.ancestor(at, height)?.header
		};
	}

	/** The block at `height` on the branch ending at `node`. */
	private ancestor(node: BlockNode, height: number): BlockNode | undefined {
		if (height > node.height || height < 0) return undefined;
		let n: BlockNode = node;
		while (n.height > height && !this.isCanonical(n)) n = n.parent!;
		return n.height === height ? n : this.canonical[height];
	}

	/** Applies a block whose parent is the working tip, checking the state root it claims. */
	private applyNode(node: BlockNode): void {
		const params = getParams(this.working);
		const parent = node.parent!;
		const ctx: BlockContext = { height: node.height, time: node.header.time, proposer: toHex(node.header.proposer), params, ancestor: (h) => this.ancestor(parent, h)?.hash };
		const start = this.working.checkpoint();
		try {
			applyBlockBody(this.working, node.block.txs, this.chainId, ctx);
			const root = this.working.root();
			if (!equalBytes(root, node.header.stateRoot)) fail('E_BLOCK_STATE_ROOT', 'header.stateRoot', node.header.stateRoot, `does not match the state after the block (${toHex(root).slice(0, 16)}…)`);
		} catch (e) {
			this.working.revert(start);
			throw e;
		}
		node.journal = this.working.takeJournal(start);
		this.tip = node;
	}

	/** Walks the working state to `target`: undo up to the common ancestor, re-apply down to the target. */
	private moveTo(target: BlockNode): void {
		if (this.tip === target) return;
		const down: BlockNode[] = [];
		let a: BlockNode = this.tip;
		let b: BlockNode = target;
		while (a !== b) {
			if (a.height >= b.height) {
				this.working.undo(a.journal!);
				a.journal = undefined;
				a = a.parent!;
				this.tip = a;
			} else {
				down.push(b);
				b = b.parent!;
			}
		}
		for (let i = down.length - 1; i >= 0; i--) this.applyNode(down[i]!);
	}

	private better(a: BlockNode, b: BlockNode): boolean {
		if (a.weight !== b.weight) return a.weight > b.weight;
		return compareBytes(fromHex(a.hash), fromHex(b.hash)) < 0;
	}

	private choose(node: BlockNode): AddResult {
		if (!this.better(node, this.best)) {
			this.moveTo(this.best);
			return { status: 'side', node };
		}
		const undone: BlockNode[] = [];
		const applied: BlockNode[] = [];
		let n: BlockNode | null = node;
		while (n && !this.isCanonical(n)) {
			applied.unshift(n);
			n = n.parent;
		}
		for (let h = this.canonical.length - 1; h > n!.height; h--) undone.unshift(this.canonical[h]!);
		for (const u of undone) if (u.height <= this.indexedTo) this.unindex(u);
		this.indexedTo = Math.min(this.indexedTo, n!.height);
		this.canonical.length = n!.height + 1;
		for (const a of applied) this.canonical.push(a);
		this.best = node;
		this.advanceFinality();
		return { status: 'head', node, undone, applied };
	}

	private advanceFinality(): void {
		const height = this.engine.finalizedHeight(this.best.header, this.final.height, this.engineContext(this.best));
		if (height <= this.final.height) return;
		this.final = this.canonical[height]!;
		// Branches that split below the finalized block can never win; forget them. (Every canonical
		// block is a node, so when there are no more nodes than canonical blocks there is no branch.)
		if (this.nodes.size > this.canonical.length) {
			for (const [hash, node] of this.nodes) {
				if (!this.isCanonical(node) && this.ancestor(node, this.final.height) !== this.final) this.nodes.delete(hash);
			}
		}
		for (let h = this.final.height; h >= 0 && this.canonical[h]!.journal; h--) this.canonical[h]!.journal = undefined;
	}

	private index(node: BlockNode): void {
		node.block.txs.forEach((tx, index) => this.txIndex.set(txIdHex(tx), { height: node.height, index }));
	}

	private unindex(node: BlockNode): void {
		for (const tx of node.block.txs) this.txIndex.delete(txIdHex(tx));
	}

	private rememberInvalid(hash: Hex, error: AgoraError): void {
		if (this.invalid.size >= MAX_REMEMBERED_INVALID) this.invalid.delete(this.invalid.keys().next().value!);
		this.invalid.set(hash, error);
	}
}
