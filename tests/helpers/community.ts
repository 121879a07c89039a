/** Deterministic communities for tests: keys from fixed seeds, a fixed clock. */
import { keyPairFromSeed, type KeyPair } from '../../src/lib/core/keys.js';
import { createGenesis, type NewCommunity } from '../../src/lib/core/genesis.js';
import { Chain, verifyBlock, type VerifiedBlock } from '../../src/lib/core/chain.js';
import { nobleVerifier } from '../../src/lib/core/verify.js';
import { signTx, type Tx } from '../../src/lib/core/tx/tx.js';
import type { Encodable } from '../../src/lib/core/codec.js';
import type { Block } from '../../src/lib/core/block/block.js';

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
