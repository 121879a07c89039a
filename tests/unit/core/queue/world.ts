/**
 * The queue at the state-machine level: a genesis state with funded members,
 * transactions applied straight to it (no blocks, no signatures: the chain
 * checks those before the machine runs) in blocks whose time the test moves,
 * and the end-of-block hooks run when a block closes.
 */
import { expect } from 'vitest';
import { toHex, type Bytes, type Hex } from '../../../../src/lib/core/bytes.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import { AgoraError, type ErrorCode } from '../../../../src/lib/core/errors.js';
import { openGenesis } from '../../../../src/lib/core/genesis.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import { blockHash } from '../../../../src/lib/core/block/block.js';
import { applyTx, endBlock } from '../../../../src/lib/core/state/machine.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import type { BlockContext } from '../../../../src/lib/core/state/kind.js';
import { DEFAULT_POLICIES, type Policies } from '../../../../src/lib/core/state/policy.js';
import type { StateTree } from '../../../../src/lib/core/state/tree.js';
import { txIdHex, type Tx } from '../../../../src/lib/core/tx/tx.js';
import { encodeDirectEnvelope } from '../../../../src/lib/core/crypto/envelope.js';
import { quoteFee } from '../../../../src/lib/core/state/queue/queries.js';
import { readSendBody } from '../../../../src/lib/core/state/queue/send.js';
import { expectAgoraError, genesisFor, key, T0 } from '../../../helpers/community.js';

/** The time of every world's first block. */
export const START = T0 + 10_000;

/** A direct envelope of the right shape (the chain cannot tell it from a real one). */
export const ENVELOPE: Bytes = encodeDirectEnvelope({ v: 1, epk: new Uint8Array(32).fill(9), keys: [new Uint8Array(48)], nonce: new Uint8Array(24), ct: new Uint8Array(20) });

export interface WorldOptions {
	readonly members?: number;
	readonly policies?: { readonly [N in keyof Policies]?: Partial<Policies[N]> };
	readonly balance?: number;
}

export class World {
	readonly state: StateTree;
	readonly chainId: Bytes;
	readonly members: KeyPair[];
	readonly params: BlockContext['params'];
	time = START;
	height = 1;

	constructor(opts: WorldOptions = {}) {
		this.members = Array.from({ length: opts.members ?? 4 }, (_, i) => key(i));
		const policies = Object.fromEntries(Object.entries(opts.policies ?? {}).map(([name, p]) => [name, { ...DEFAULT_POLICIES[name as keyof Policies], ...p }]));
		const genesis = genesisFor(this.members[0]!, {
			members: this.members.map((k, i) => ({ key: k.publicKey, name: `member ${i}` })),
			allocations: this.members.map((k) => ({ key: k.publicKey, amount: opts.balance ?? 1_000_000_000 })),
			policies
		});
		const { state, config } = openGenesis(genesis);
		this.state = state;
		this.chainId = blockHash(genesis.header);
		this.params = config.params;
	}

	get block(): BlockContext {
		return { height: this.height, time: this.time, proposer: toHex(key(99).publicKey), params: this.params, ancestor: () => undefined };
	}

	tx(from: KeyPair, kind: string, body: Encodable, fee = 0): Tx {
		const nonce = getAccount(this.state, toHex(from.publicKey)).nonce;
		return { chain: this.chainId, from: from.publicKey, nonce, fee, created: this.time - 500, expires: this.time + 3_600_000, kind, body, sig: new Uint8Array(64) };
	}

	apply(from: KeyPair, kind: string, body: Encodable, fee = 0): Hex {
		const t = this.tx(from, kind, body, fee);
		applyTx(this.state, t, this.chainId, this.block);
		return txIdHex(t);
	}

	/** Applies expecting this error, and checks the transaction left state as it was. */
	reject(from: KeyPair, kind: string, body: Encodable, code: ErrorCode, field: string, fee = 0): AgoraError {
		const root = toHex(this.state.root());
		const error = expectAgoraError(() => this.apply(from, kind, body, fee), code, field);
		expect(toHex(this.state.root())).toBe(root);
		return error;
	}

	/** The fee the policy in force asks of this message body now. */
	fee(from: KeyPair, body: Encodable): number {
		return quoteFee(this.state, toHex(from.publicKey), readSendBody(body), this.time);
	}

	/** Sends a message paying exactly the required fee (plus `extra`); returns its id. */
	send(from: KeyPair, body: Encodable, extra = 0): Hex {
		return this.apply(from, 'msg.send', body, this.fee(from, body) + extra);
	}

	ack(by: KeyPair, ...ids: Hex[]): Hex {
		return this.apply(by, 'msg.ack', { ids: ids.map(hexBytes) });
	}

	nack(by: KeyPair, id: Hex, reason: string, requeue: boolean): Hex {
		return this.apply(by, 'msg.nack', { id: hexBytes(id), reason, requeue });
	}

	/** Closes the current block (running the hooks) and opens the next, `ms` later. */
	next(ms = 1000): this {
		endBlock(this.state, this.block);
		this.height++;
		this.time += ms;
		return this;
	}

	/** Closes blocks (at most `step` ms apart) up to and including one at `time`; the next block opens 1 s later. */
	runTo(time: number, step = 1000): this {
		while (this.time < time) this.next(Math.min(step, time - this.time));
		return this.next();
	}

	/** Moves on in blocks of at most `step` ms until `ms` have passed. */
	wait(ms: number, step = 1000): this {
		for (let left = ms; left > 0; left -= step) this.next(Math.min(step, left));
		return this;
	}
}

export function hexBytes(hex: Hex): Bytes {
	return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export const hex = (k: KeyPair): Hex => toHex(k.publicKey);

/** A direct message body (a well-formed envelope as payload) with any field overridden. */
export function direct(to: KeyPair, over: Record<string, Encodable> = {}): Record<string, Encodable> {
	return { to: to.publicKey, priority: 'normal', guarantee: 'atLeastOnce', category: 'social', type: 'chat.text', contentType: 'text/plain', payload: ENVELOPE, ...over };
}

export function topical(topic: string, over: Record<string, Encodable> = {}): Record<string, Encodable> {
	return { topic, priority: 'normal', guarantee: 'atLeastOnce', category: 'data', type: 'news', contentType: 'text/plain', payload: new Uint8Array(40), ...over };
}
