/** Communities under proof of stake, proof of work and federated Byzantine agreement, for the engine tests. */
import type { Chain, Proposal } from '../../src/lib/core/chain.js';
import type { AgoraError } from '../../src/lib/core/errors.js';
import { toHex, type Bytes, type Hex } from '../../src/lib/core/bytes.js';
import type { KeyPair } from '../../src/lib/core/keys.js';
import type { NewCommunity } from '../../src/lib/core/genesis.js';
import { blockHash, signHeader, type Block, type BlockHeader } from '../../src/lib/core/block/block.js';
import { txToTuple, type Tx } from '../../src/lib/core/tx/tx.js';
import { mine } from '../../src/lib/core/consensus/pow.js';
import { posProposer, posVoting } from '../../src/lib/core/consensus/pos.js';
import { fbaProposer, fbaVoting } from '../../src/lib/core/consensus/fba.js';
import { EVIDENCE_KIND, VOTE_KIND } from '../../src/lib/core/state/consensus.js';
import type { StateTree } from '../../src/lib/core/state/tree.js';
import { emptyChild, genesisFor, makeTx, verified, type ChildOptions } from './community.js';

const members = (ks: readonly KeyPair[]): NewCommunity['members'] => ks.map((k, i) => ({ key: k.publicKey, name: `validator ${i}` }));

/** A proof-of-stake genesis: each validator a member with this much stake; the first founds it. */
export function posGenesis(validators: ReadonlyArray<readonly [KeyPair, number]>, minStake: number, extra: Partial<NewCommunity> = {}): Block {
	return genesisFor(validators[0]![0], {
		engine: { name: 'pos', validators: validators.map(([k, stake]) => ({ key: k.publicKey, stake })), minStake },
		members: members(validators.map(([k]) => k)),
		...extra
	});
}

export function fbaGenesis(validators: readonly KeyPair[], extra: Partial<NewCommunity> = {}): Block {
	return genesisFor(validators[0]!, { engine: { name: 'fba', validators: validators.map((k) => k.publicKey) }, members: members(validators), ...extra });
}

export interface PowSettings {
	readonly difficulty: number;
	readonly retargetBlocks: number;
	readonly finalityDepth: number;
}

/** A proof-of-work genesis whose miners are its members. */
export function powGenesis(miners: readonly KeyPair[], settings: PowSettings, extra: Partial<NewCommunity> = {}): Block {
	return genesisFor(miners[0]!, { engine: { name: 'pow', ...settings }, members: members(miners), ...extra });
}

/** The proposer of `round` on top of `parent` under the chain's round engine, read from `state` (the parent's). */
export function roundProposer(engine: 'pos' | 'fba', state: StateTree, parent: BlockHeader, round: number): Hex {
	return engine === 'pos' ? posProposer(posVoting.validators(state), parent, round) : fbaProposer(fbaVoting.validators(state), parent, round);
}

/** An empty block on `parent` for a round engine, by hand (so it can go on any branch). */
export function roundChild(chainId: Bytes, parent: BlockHeader, proposer: KeyPair, round: number, opts: Omit<ChildOptions, 'seal'> = {}): Block {
	return emptyChild(chainId, parent, proposer, { ...opts, seal: { round } });
}

/** An empty proof-of-work block on `parent`, mined at `difficulty`. */
export function minedChild(chainId: Bytes, parent: BlockHeader, miner: KeyPair, difficulty: number, opts: Omit<ChildOptions, 'seal'> = {}): Block {
	const { sig: _sig, ...unsigned } = emptyChild(chainId, parent, miner, { ...opts, seal: { difficulty, nonce: 0 } }).header;
	return { header: signHeader(mine(unsigned, Infinity)!, miner), txs: [] };
}

export function voteTx(chain: Chain | Bytes, voter: KeyPair, nonce: number, height: number, block: BlockHeader | Bytes, opts: { fee?: number; created?: number } = {}): Tx {
	return makeTx(chain, voter, nonce, VOTE_KIND, { height, block: block instanceof Uint8Array ? block : blockHash(block) }, opts);
}

export function evidenceTx(chain: Chain | Bytes, sender: KeyPair, nonce: number, a: Tx, b: Tx): Tx {
	return makeTx(chain, sender, nonce, EVIDENCE_KIND, { a: txToTuple(a), b: txToTuple(b) });
}

/**
 * Proposes the next block on the chain's head with `txs` (not adding it):
 * the key among `keys` that may seal first does, at the earliest time it may
 * (or `now`, if later). Returns the proposal and its time.
 */
export function proposeNext(chain: Chain, keys: readonly KeyPair[], txs: readonly Tx[], now: number): { proposal: Proposal; now: number } {
	let best: { keys: KeyPair; at: number } | undefined;
	for (const k of keys) {
		const p = chain.propose(k, txs, now);
		if (!p) continue;
		const at = 'wait' in p ? p.wait : now;
		if (!best || at < best.at) best = { keys: k, at };
	}
	if (!best) throw new Error('none of these keys may seal on the head');
	const proposal = chain.propose(best.keys, txs, best.at);
	if (!proposal || 'wait' in proposal) throw new Error(`cannot propose at ${best.at}: ${JSON.stringify(proposal)}`);
	return { proposal, now: best.at };
}

/** Proposes as `proposeNext` and adds the block, which must take every transaction and become the head. */
export async function sealNext(chain: Chain, keys: readonly KeyPair[], txs: readonly Tx[], now: number): Promise<{ block: Block; now: number }> {
	const { proposal, now: at } = proposeNext(chain, keys, txs, now);
	if (proposal.rejected.length) throw new Error(`rejected: ${proposal.rejected.map((r) => r.error.message).join('; ')}`);
	const r = chain.add(await verified(proposal.block), at);
	if (r.status !== 'head') throw new Error(`sealed block did not become head: ${r.status}`);
	return { block: proposal.block, now: at };
}

/** The error the next block's proposer meets applying `tx` on the head (the chain is left as it was). */
export function rejection(chain: Chain, keys: readonly KeyPair[], tx: Tx, now: number): AgoraError {
	const { proposal } = proposeNext(chain, keys, [tx], now);
	const r = proposal.rejected[0];
	if (!r) throw new Error(`${tx.kind} was not rejected`);
	return r.error;
}

export const hexOf = (k: KeyPair): Hex => toHex(k.publicKey);

/** The key pair among `keys` with this public key. */
export function keyOf(keys: readonly KeyPair[], hex: Hex): KeyPair {
	const k = keys.find((x) => hexOf(x) === hex);
	if (!k) throw new Error(`no key ${hex.slice(0, 16)}… here`);
	return k;
}
