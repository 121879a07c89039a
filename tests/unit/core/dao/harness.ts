/**
 * A community at the state-machine level with a clock: transactions apply to
 * the open block, `next()` ends it (running the end-of-block hooks, where
 * governance deadlines fall) and opens the next one later in block time.
 * No signatures (the chain checks those before the machine runs), so
 * property tests can run many governance histories quickly.
 */
import { expect } from 'vitest';
import { fromHex, toHex, type Hex } from '../../../../src/lib/core/bytes.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import type { ErrorCode } from '../../../../src/lib/core/errors.js';
import { openGenesis, type NewCommunity } from '../../../../src/lib/core/genesis.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import { blockHash } from '../../../../src/lib/core/block/block.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import { getParams } from '../../../../src/lib/core/state/chainParams.js';
import type { BlockContext } from '../../../../src/lib/core/state/kind.js';
import { applyTx, endBlock } from '../../../../src/lib/core/state/machine.js';
import type { StateTree } from '../../../../src/lib/core/state/tree.js';
import type { DaoConfig } from '../../../../src/lib/core/state/dao/config.js';
import { txIdHex, type Tx } from '../../../../src/lib/core/tx/tx.js';
import { expectAgoraError, genesisFor, key, keys, T0 } from '../../../helpers/community.js';

export const hex = (k: KeyPair): Hex => toHex(k.publicKey);

/** The members the tests use, and two keys that are not members. */
export const [ann, bob, cat, dan, eve] = keys(5, 10) as [KeyPair, KeyPair, KeyPair, KeyPair, KeyPair];
export const outsider = key(50);
export const newcomer = key(60);

/** Short periods for tests, in block time: a 10 s vote, a 5 s timelock, 20 s to execute. */
export const QUICK: Partial<DaoConfig> = {
	votingPeriodMs: 10_000,
	executionDelayMs: 5_000,
	gracePeriodMs: 20_000,
	proposalDeposit: 10,
	emergencyVotingPeriodMs: 3_000,
	emergencyExecutionDelayMs: 0,
	proposalLimit: 100
};

export interface CommunityOptions {
	readonly members: readonly KeyPair[];
	readonly allocations?: ReadonlyArray<readonly [KeyPair, number]>;
	readonly dao?: Partial<DaoConfig>;
	readonly extra?: Partial<NewCommunity>;
}

export class Community {
	readonly state: StateTree;
	readonly chainId: Uint8Array;
	height = 1;
	time = T0 + 2000;
	private readonly proposer = toHex(key(99).publicKey);

	constructor(opts: CommunityOptions) {
		const genesis = genesisFor(opts.members[0]!, {
			members: opts.members.map((k, i) => ({ key: k.publicKey, name: `member ${i}` })),
			allocations: (opts.allocations ?? []).map(([k, amount]) => ({ key: k.publicKey, amount })),
			dao: { ...QUICK, ...opts.dao },
			...opts.extra
		});
		this.state = openGenesis(genesis).state;
		this.chainId = blockHash(genesis.header);
	}

	/** Back to the genesis state and the first block (cheaper than a new community, for property runs). */
	reset(): this {
		this.state.revert(0);
		this.height = 1;
		this.time = T0 + 2000;
		return this;
	}

	get ctx(): BlockContext {
		return { height: this.height, time: this.time, proposer: this.proposer, params: getParams(this.state), ancestor: () => undefined };
	}

	tx(from: KeyPair, kind: string, body: Encodable, fee = 0): Tx {
		const nonce = getAccount(this.state, hex(from)).nonce;
		return { chain: this.chainId, from: from.publicKey, nonce, fee, created: this.time - 1000, expires: this.time + 3_600_000, kind, body, sig: new Uint8Array(64) };
	}

	/** Applies a transaction in the open block; returns its id. */
	send(from: KeyPair, kind: string, body: Encodable, fee = 0): Hex {
		const t = this.tx(from, kind, body, fee);
		applyTx(this.state, t, this.chainId, this.ctx);
		return txIdHex(t);
	}

	/** Expects the transaction to be rejected with this code and field, leaving state as it was. */
	reject(from: KeyPair, kind: string, body: Encodable, code: ErrorCode, field: string): Error {
		const root = toHex(this.state.root());
		const e = expectAgoraError(() => this.send(from, kind, body), code, field);
		expect(toHex(this.state.root())).toBe(root);
		return e;
	}

	/** Ends the open block (end-of-block hooks) and opens the next one `dt` ms later. */
	next(dt = 1000): this {
		endBlock(this.state, this.ctx);
		this.height++;
		this.time += dt;
		return this;
	}

	/** Ends blocks until block time reaches `time` (the block at `time` is left open). */
	until(time: number, step = 1000): this {
		while (this.time < time) this.next(Math.min(step, time - this.time));
		return this;
	}

	propose(from: KeyPair, body: Encodable): Hex {
		return this.send(from, 'dao.propose', body);
	}

	vote(from: KeyPair, proposal: Hex, choice: Encodable): Hex {
		return this.send(from, 'dao.vote', { proposal: fromHex(proposal), choice });
	}

	execute(from: KeyPair, proposal: Hex): Hex {
		return this.send(from, 'dao.execute', { proposal: fromHex(proposal) });
	}

	delegate(from: KeyPair, to: KeyPair | null): Hex {
		return this.send(from, 'dao.delegate', { to: to ? to.publicKey : null });
	}

	balance(k: KeyPair | string): number {
		return getAccount(this.state, typeof k === 'string' ? k : hex(k)).balance;
	}
}

/** A proposal body with a single action. */
export function single(action: Encodable, extra: Record<string, Encodable> = {}): Encodable {
	return { title: 'A proposal', body: 'Why it matters.', action, ...extra };
}

export const TEXT: Encodable = { type: 'text' };
