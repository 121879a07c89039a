/**
 * Chains to measure on, built the way a community builds them: a
 * proof-of-authority genesis, members with balances, and blocks proposed
 * by the authority through Chain.propose. Deterministic (fixed seeds, a
 * fixed clock), and kept per shape for the whole run, since building one
 * costs more than most measurements.
 *
 * Transactions are signed through node:crypto: Ed25519 signatures are
 * deterministic, so they are the very bytes the core's noble signer would
 * make, at a fraction of the time.
 */
import { createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { keyPairFromSeed, type KeyPair } from '../src/lib/core/keys.js';
import { createGenesis } from '../src/lib/core/genesis.js';
import { Chain, type VerifiedBlock } from '../src/lib/core/chain.js';
import { encodeBlock, type Block } from '../src/lib/core/block/block.js';
import { txSignedMessage, type Tx, type UnsignedTx } from '../src/lib/core/tx/tx.js';
import type { Encodable } from '../src/lib/core/codec.js';

export const T0 = 1_750_000_000_000;
export const BLOCK_MS = 1000;

export interface Signer {
	readonly keys: KeyPair;
	readonly privateKey: KeyObject;
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export function signer(n: number): Signer {
	const seed = new Uint8Array(32);
	new DataView(seed.buffer).setUint32(28, n + 1);
	const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
	return { keys: keyPairFromSeed(seed), privateKey };
}

/** Signs through node:crypto: the same signature `signTx` makes. */
export function signFast<B extends Encodable>(tx: UnsignedTx<B>, by: Signer): Tx<B> {
	return { ...tx, sig: new Uint8Array(nodeSign(null, txSignedMessage(tx), by.privateKey)) };
}

/** Blocks of a fixture have been verified by their builder: skip the signature checks while building. */
export function trusted(block: Block): VerifiedBlock {
	return { block } as VerifiedBlock;
}

export interface Community {
	readonly genesis: Block;
	readonly founder: Signer;
	readonly members: readonly Signer[];
	readonly chain: Chain;
}

/** A fresh community: the founder seals, every member has a balance to pay fees and transfers from. */
export function community(memberCount: number): Community {
	const founder = signer(0);
	const members = Array.from({ length: memberCount }, (_, i) => signer(i + 1));
	const genesis = createGenesis({
		name: 'Bench community',
		time: T0,
		salt: new Uint8Array(16),
		founder: founder.keys,
		founderName: 'founder',
		members: [founder, ...members].map((m, i) => ({ key: m.keys.publicKey, name: `member ${i}` })),
		allocations: members.map((m) => ({ key: m.keys.publicKey, amount: 1_000_000_000 }))
	});
	return { genesis, founder, members, chain: Chain.open(trusted(genesis)) };
}

/** A transfer of 1 with a fee of 1 from `from` (nonce `nonce`) to `to`, created at `time`. */
export function transferTx(chain: Chain, from: Signer, to: Signer, nonce: number, time: number): Tx {
	return signFast(
		{ chain: chain.chainId, from: from.keys.publicKey, nonce, fee: 1, created: time - 500, expires: time + 3_600_000, kind: 'transfer', body: { to: to.keys.publicKey, amount: 1 } },
		from
	);
}

/** The transactions of block `height`: one transfer from each of `count` members, to the next member. */
export function blockTxs(c: Community, height: number, count: number): Tx[] {
	const time = T0 + height * BLOCK_MS;
	return Array.from({ length: count }, (_, i) => {
		const from = c.members[i % c.members.length]!;
		const round = Math.floor(i / c.members.length);
		return transferTx(c.chain, from, c.members[(i + 1) % c.members.length]!, (height - 1) * Math.ceil(count / c.members.length) + round, time);
	});
}

export interface ChainFixture {
	readonly community: Community;
	/** Every block, genesis first. */
	readonly blocks: readonly Block[];
	/** Their canonical encodings, as a peer or an export file hands them over. */
	readonly encoded: readonly Uint8Array[];
	/** Signatures in the chain: one per header, one per transaction. */
	readonly signatures: number;
	/** A clock reading after the last block. */
	readonly now: number;
}

const built = new Map<string, ChainFixture>();

/** A chain of `blocks` blocks after genesis, each with `txsPerBlock` transfers from `txsPerBlock` members. */
export function chainFixture(blocks: number, txsPerBlock: number): ChainFixture {
	const shape = `${blocks}x${txsPerBlock}`;
	let fixture = built.get(shape);
	if (fixture) return fixture;
	const c = community(txsPerBlock);
	const all: Block[] = [c.genesis];
	for (let h = 1; h <= blocks; h++) {
		const now = T0 + h * BLOCK_MS;
		const proposal = c.chain.propose(c.founder.keys, blockTxs(c, h, txsPerBlock), now);
		if (!proposal || 'wait' in proposal) throw new Error(`the founder cannot seal block ${h}`);
		if (proposal.rejected.length > 0) throw new Error(`block ${h} left out transactions: ${proposal.rejected[0]!.error.message}`);
		c.chain.add(trusted(proposal.block), now);
		all.push(proposal.block);
	}
	fixture = {
		community: c,
		blocks: all,
		encoded: all.map(encodeBlock),
		signatures: all.reduce((n, b) => n + 1 + b.txs.length, 0),
		now: T0 + (blocks + 1) * BLOCK_MS
	};
	built.set(shape, fixture);
	return fixture;
}
