/**
 * A community at the state-machine level, for measuring what the state
 * transition costs without signatures or blocks around it: transactions
 * apply straight to the state (the chain checks signatures before the
 * machine ever runs), `endBlock` closes a block (the end-of-block hooks and
 * the state root, as a block does) and opens the next one later in block
 * time. Members beyond the founder need no key pairs here: an account is
 * named by 32 bytes, and nothing at this level checks that they are a point.
 */
import { toHex, type Bytes, type Hex } from '../src/lib/core/bytes.js';
import type { Encodable } from '../src/lib/core/codec.js';
import { createGenesis, openGenesis, type NewCommunity } from '../src/lib/core/genesis.js';
import { blockHash } from '../src/lib/core/block/block.js';
import { getAccount } from '../src/lib/core/state/accounts.js';
import { getParams } from '../src/lib/core/state/chainParams.js';
import type { BlockContext } from '../src/lib/core/state/kind.js';
import { applyTx, endBlock } from '../src/lib/core/state/machine.js';
import type { StateTree } from '../src/lib/core/state/tree.js';
import { txIdHex, type Tx } from '../src/lib/core/tx/tx.js';
import { signer, T0 } from './fixtures.js';

/** The 32 bytes that name member `n` (n ≥ 1; the founder is a real key). */
export function memberId(n: number): Bytes {
	const id = new Uint8Array(32);
	id[0] = 0xa5;
	new DataView(id.buffer).setUint32(28, n);
	return id;
}

const NO_SIGNATURE = new Uint8Array(64);

export class Machine {
	readonly state: StateTree;
	readonly chainId: Bytes;
	readonly founder: Bytes;
	private readonly proposer: Hex;
	private openHeight = 1;
	private openTime = T0 + 1000;
	/** Time spent computing state roots so far. */
	rootMs = 0;

	/** A community whose founder is signer(0); `opts` adds members, allocations, policies, DAO settings. */
	constructor(opts: Omit<NewCommunity, 'name' | 'time' | 'salt' | 'founder' | 'founderName'> = {}) {
		const founder = signer(0).keys;
		const genesis = createGenesis({ name: 'Bench machine', time: T0, salt: new Uint8Array(16), founder, founderName: 'founder', ...opts });
		this.state = openGenesis(genesis).state;
		this.chainId = blockHash(genesis.header);
		this.founder = founder.publicKey;
		this.proposer = toHex(founder.publicKey);
	}

	/** The open block's height and time, moved on only by endBlock. */
	get height(): number {
		return this.openHeight;
	}

	get time(): number {
		return this.openTime;
	}

	/** The open block, as the chain hands it to the machine: the parameters are read once per block. */
	get block(): BlockContext {
		return (this.context ??= { height: this.height, time: this.time, proposer: this.proposer, params: getParams(this.state), ancestor: () => undefined });
	}
	private context: BlockContext | undefined;

	/** A transaction from `from` with its next nonce, unsigned. */
	tx(from: Bytes, kind: string, body: Encodable, fee = 0): Tx {
		const nonce = getAccount(this.state, toHex(from)).nonce;
		return { chain: this.chainId, from, nonce, fee, created: this.time - 500, expires: this.time + 3_600_000, kind, body, sig: NO_SIGNATURE };
	}

	/** Applies a transaction in the open block; returns its id. */
	apply(from: Bytes, kind: string, body: Encodable, fee = 0): Hex {
		const tx = this.tx(from, kind, body, fee);
		applyTx(this.state, tx, this.chainId, this.block);
		return txIdHex(tx);
	}

	/**
	 * Closes the open block as a block does (end-of-block hooks, then the state
	 * root) and opens the next `dt` ms later. The block's journal is dropped,
	 * as a chain drops it once the block is final.
	 */
	endBlock(dt = 1000): Bytes {
		endBlock(this.state, this.block);
		const start = performance.now();
		const root = this.state.root();
		this.rootMs += performance.now() - start;
		this.state.takeJournal();
		this.openHeight++;
		this.openTime += dt;
		this.context = undefined;
		return root;
	}
}
