/**
 * The state: the journaled tree and its root, and the state machine's rules,
 * one test per rejection rule with its error code and field.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codecString } from '../../helpers/arbitraries.js';
import { createHash } from 'node:crypto';
import { StateTree } from '../../../src/lib/core/state/tree.js';
import { applyBlockBody, applyTx, checkTx, checkTxTime } from '../../../src/lib/core/state/machine.js';
import { getAccount, TREASURY } from '../../../src/lib/core/state/accounts.js';
import { getMember, isMember } from '../../../src/lib/core/state/members.js';
import { KINDS } from '../../../src/lib/core/state/registry.js';
import type { BlockContext } from '../../../src/lib/core/state/kind.js';
import { openGenesis } from '../../../src/lib/core/genesis.js';
import { blockHash } from '../../../src/lib/core/block/block.js';
import { encode, type Encodable } from '../../../src/lib/core/codec.js';
import { AgoraError, type ErrorCode } from '../../../src/lib/core/errors.js';
import { DEFAULT_PARAMS, PPM, type ChainParams } from '../../../src/lib/core/params.js';
import { toHex, utf8 } from '../../../src/lib/core/bytes.js';
import type { Tx, UnsignedTx } from '../../../src/lib/core/tx/tx.js';
import { expectAgoraError, genesisFor, key, makeTx, T0 } from '../../helpers/community.js';

/* ------------------------------------------------------------------ */
/* State tree                                                          */
/* ------------------------------------------------------------------ */

/** An independent definition of the root (4096 buckets by key hash, a depth-12 binary tree), through node's SHA-256. */
function referenceRoot(entries: ReadonlyArray<readonly [string, Encodable]>): string {
	const H = (tag: string, ...parts: Uint8Array[]): Buffer => {
		const h = createHash('sha256');
		h.update(Buffer.from(`agora/v1/${tag}\0`));
		for (const p of parts) h.update(p);
		return h.digest();
	};
	const BUCKETS = 4096;
	const buckets = new Map<number, Array<readonly [string, Encodable]>>();
	for (const e of entries) {
		const kh = createHash('sha256').update(Buffer.from(e[0], 'utf8')).digest();
		const b = ((kh[0]! << 8) | kh[1]!) >> 4;
		buckets.set(b, [...(buckets.get(b) ?? []), e]);
	}
	const nodes: Buffer[] = new Array(2 * BUCKETS);
	for (let b = 0; b < BUCKETS; b++) {
		const list = (buckets.get(b) ?? []).slice().sort((x, y) => Buffer.compare(Buffer.from(x[0], 'utf8'), Buffer.from(y[0], 'utf8')));
		nodes[BUCKETS + b] = H('state-bucket', ...list.map(([k, v]) => H('state-entry', encode([k, v]))));
	}
	for (let i = BUCKETS - 1; i >= 1; i--) nodes[i] = H('state-node', nodes[2 * i]!, nodes[2 * i + 1]!);
	return nodes[1]!.toString('hex');
}

const stateKey = fc.oneof(fc.constantFrom('a/1', 'a/2', 'm/1', 'p/chain', 'x', ''), fc.string({ maxLength: 10 }), codecString({ maxLength: 6 }));
const stateValue: fc.Arbitrary<Encodable> = fc.oneof(
	fc.integer(),
	fc.string({ maxLength: 8 }),
	fc.record({ balance: fc.nat(), stake: fc.nat(), nonce: fc.nat() }),
	fc.array(fc.nat({ max: 9 }), { maxLength: 3 }),
	fc.uint8Array({ maxLength: 8 })
);
const entriesArb = fc.uniqueArray(fc.tuple(stateKey, stateValue), { maxLength: 30, selector: (e) => e[0] });
/** A write: a value, or undefined to delete. */
const writeArb = fc.tuple(stateKey, fc.option(stateValue, { nil: undefined, freq: 4 }));

const snapshot = (s: StateTree): string => toHex(s.root()) + toHex(encode(s.entriesSorted() as unknown as Encodable));

/** Building an empty tree hashes its 4095 inner nodes; properties reuse trees, emptied by reverting to the start of their journal. */
const shared = [new StateTree(), new StateTree()] as const;
const EMPTY_STATE_ROOT = 'fcc8ca763cd5701d8c6a155665f98b204725b85baf1d3b369e1d000b0336efe0';
function emptied(i: 0 | 1 = 0): StateTree {
	const t = shared[i];
	for (const k of t.keys()) t.put(k, undefined);
	t.takeJournal();
	expect(t.size).toBe(0);
	expect(toHex(t.root())).toBe(EMPTY_STATE_ROOT);
	return t;
}
function filled(entries: ReadonlyArray<readonly [string, Encodable]>, i: 0 | 1 = 0): StateTree {
	const t = emptied(i);
	for (const [k, v] of entries) t.put(k, v);
	t.takeJournal();
	return t;
}

describe('state tree', () => {
	it('the empty tree has the fixed root', () => {
		expect(toHex(new StateTree().root())).toBe(EMPTY_STATE_ROOT);
		expect(referenceRoot([])).toBe(EMPTY_STATE_ROOT);
	});

	it('the root matches the independent definition', () => {
		fc.assert(
			fc.property(entriesArb, (entries) => {
				expect(toHex(filled(entries).root())).toBe(referenceRoot(entries));
			}),
			{ numRuns: 30 }
		);
	});

	it('the root does not depend on insertion order', () => {
		fc.assert(
			fc.property(entriesArb.chain((e) => fc.tuple(fc.constant(e), fc.shuffledSubarray(e, { minLength: e.length, maxLength: e.length }))), ([entries, shuffled]) => {
				const a = filled(entries, 0);
				const b = filled(shuffled, 1);
				expect(toHex(b.root())).toBe(toHex(a.root()));
				expect(b.entriesSorted()).toEqual(a.entriesSorted());
			}),
			{ numRuns: 100 }
		);
	});

	it('the constructor gives the same root as writing the entries one by one', () => {
		fc.assert(
			fc.property(entriesArb, (entries) => {
				expect(toHex(new StateTree([...entries].reverse()).root())).toBe(toHex(filled(entries).root()));
			}),
			{ numRuns: 15 }
		);
	});

	it('the root commits to every value: changing one changes the root', () => {
		fc.assert(
			fc.property(entriesArb, stateKey, stateValue, (entries, k, v) => {
				const s = filled(entries);
				const before = s.get(k);
				fc.pre(before === undefined || toHex(encode(before)) !== toHex(encode(v)));
				const root = toHex(s.root());
				s.put(k, v);
				expect(toHex(s.root())).not.toBe(root);
			}),
			{ numRuns: 100 }
		);
	});

	it('deleting a key that was added restores the root', () => {
		fc.assert(
			fc.property(entriesArb, stateKey, stateValue, (entries, k, v) => {
				fc.pre(!entries.some((e) => e[0] === k));
				const s = filled(entries);
				const root = toHex(s.root());
				s.put(k, v);
				expect(s.has(k)).toBe(true);
				s.put(k, undefined);
				expect(s.has(k)).toBe(false);
				expect(toHex(s.root())).toBe(root);
			}),
			{ numRuns: 100 }
		);
	});

	it('deleting an absent key changes nothing', () => {
		const s = new StateTree([['a', 1]]);
		const root = toHex(s.root());
		s.put('b', undefined);
		expect(toHex(s.root())).toBe(root);
		expect(s.size).toBe(1);
	});

	it('checkpoint/revert restores root and entries after any writes', () => {
		fc.assert(
			fc.property(entriesArb, fc.array(writeArb, { maxLength: 20 }), fc.array(writeArb, { maxLength: 20 }), (entries, before, after) => {
				const s = filled(entries);
				for (const [k, v] of before) s.put(k, v);
				const snap = snapshot(s);
				const cp = s.checkpoint();
				for (const [k, v] of after) s.put(k, v);
				s.revert(cp);
				expect(snapshot(s)).toBe(snap);
			}),
			{ numRuns: 100 }
		);
	});

	it('nested checkpoints revert independently', () => {
		const s = new StateTree([['a', 1]]);
		const outer = s.checkpoint();
		s.put('b', 2);
		const mid = snapshot(s);
		const inner = s.checkpoint();
		s.put('a', undefined);
		s.put('c', 3);
		s.revert(inner);
		expect(snapshot(s)).toBe(mid);
		s.revert(outer);
		expect(s.entriesSorted()).toEqual([['a', 1]]);
	});

	it('takeJournal then undo restores root and entries, and the journal is handed over', () => {
		fc.assert(
			fc.property(entriesArb, fc.array(writeArb, { maxLength: 20 }), fc.array(writeArb, { maxLength: 20 }), (entries, first, second) => {
				const s = filled(entries);
				const snap0 = snapshot(s);
				for (const [k, v] of first) s.put(k, v);
				const j1 = s.takeJournal();
				const snap1 = snapshot(s);
				const cp = s.checkpoint();
				expect(cp).toBe(0);
				for (const [k, v] of second) s.put(k, v);
				const j2 = s.takeJournal(cp);
				expect(s.checkpoint()).toBe(0);
				s.undo(j2);
				expect(snapshot(s)).toBe(snap1);
				s.undo(j1);
				expect(snapshot(s)).toBe(snap0);
			}),
			{ numRuns: 100 }
		);
	});

	it('a fresh tree has an empty journal (the constructor\'s writes are not undoable)', () => {
		const s = new StateTree([['a', 1]]);
		expect(s.takeJournal()).toEqual([]);
	});

	it('keys(prefix) and entriesSorted are sorted; size counts entries', () => {
		const s = new StateTree([['m/b', 1], ['a/z', 2], ['m/a', 3]]);
		expect(s.keys('m/')).toEqual(['m/a', 'm/b']);
		expect(s.keys()).toEqual(['a/z', 'm/a', 'm/b']);
		expect(s.entriesSorted().map((e) => e[0])).toEqual(['a/z', 'm/a', 'm/b']);
		expect(s.size).toBe(3);
	});
});

/* ------------------------------------------------------------------ */
/* State machine                                                       */
/* ------------------------------------------------------------------ */

const founder = key(0);
const bob = key(1); // has a balance, not a member
const carol = key(2); // nothing at all
const hex = (k: { publicKey: Uint8Array }): string => toHex(k.publicKey);
const TIME = T0 + 2000;

interface World {
	readonly state: StateTree;
	readonly chainId: Uint8Array;
	readonly params: ChainParams;
	readonly ctx: BlockContext;
}

const worlds = new Map<string, World>();
/**
 * The genesis state of a community with these parameters. Building a state
 * costs a few milliseconds, so each is built once and handed out again
 * reverted to its genesis (its journal starts empty at genesis).
 */
function world(params: Partial<ChainParams> = {}): World {
	const id = JSON.stringify(params);
	let w = worlds.get(id);
	if (!w) {
		const genesis = genesisFor(founder, { params, allocations: [{ key: bob.publicKey, amount: 1000 }, { key: founder.publicKey, amount: 50 }] });
		const { state, config } = openGenesis(genesis);
		w = { state, chainId: blockHash(genesis.header), params: config.params, ctx: { height: 1, time: TIME, proposer: hex(key(9)), params: config.params, ancestor: () => undefined } };
		worlds.set(id, w);
	}
	w.state.revert(0);
	return w;
}

/** Transactions for the machine need no real signature (the chain checks signatures before it applies anything). */
function tx(w: World, from: { publicKey: Uint8Array }, nonce: number, kind: string, body: Encodable, over: Partial<UnsignedTx> = {}): Tx {
	return { chain: w.chainId, from: from.publicKey, nonce, fee: 0, created: T0 + 1000, expires: T0 + 3_601_000, kind, body, ...over, sig: new Uint8Array(64) };
}

describe('state machine: rejection rules (each leaves state and root unchanged)', () => {
	interface Rule {
		readonly params?: Partial<ChainParams>;
		/** Transactions applied first, which must succeed. */
		readonly before?: (w: World) => Tx[];
		readonly tx: (w: World) => Tx;
		readonly code: ErrorCode;
		readonly field: string;
	}
	const rules: Array<[string, Rule]> = [
		['wrong chain id', { tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { chain: new Uint8Array(32).fill(1) }), code: 'E_TX_CHAIN', field: 'chain' }],
		['expired before the block time', { tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { expires: TIME - 1 }), code: 'E_TX_EXPIRED', field: 'expires' }],
		['expiring exactly at the block time', { tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { expires: TIME }), code: 'E_TX_EXPIRED', field: 'expires' }],
		[
			'created too far after the block time',
			{ tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { created: TIME + DEFAULT_PARAMS.maxFutureDriftMs + 1, expires: TIME + 3_600_000 }), code: 'E_TX_FUTURE', field: 'created' }
		],
		[
			'lifetime longer than maxTxLifetimeMs',
			{ tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { expires: T0 + 1000 + DEFAULT_PARAMS.maxTxLifetimeMs + 1 }), code: 'E_TX_LIFETIME', field: 'expires' }
		],
		['expiring when it is created', { tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { expires: T0 + 1000 }), code: 'E_TX_LIFETIME', field: 'expires' }],
		['expiring before it is created', { tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { created: T0 + 1000, expires: T0 + 500 }), code: 'E_TX_LIFETIME', field: 'expires' }],
		[
			'nonce replayed',
			{ before: (w) => [tx(w, founder, 0, 'post', { text: 'one' })], tx: (w) => tx(w, founder, 0, 'post', { text: 'two' }), code: 'E_TX_NONCE', field: 'nonce' }
		],
		['nonce ahead of the next nonce', { tx: (w) => tx(w, founder, 1, 'post', { text: 'hi' }), code: 'E_TX_NONCE', field: 'nonce' }],
		['fee below the minimum', { params: { minFee: 5 }, tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { fee: 4 }), code: 'E_TX_FEE', field: 'fee' }],
		['fee above the balance', { tx: (w) => tx(w, founder, 0, 'post', { text: 'hi' }, { fee: 51 }), code: 'E_TX_BALANCE', field: 'fee' }],
		['any fee from an account with no balance', { tx: (w) => tx(w, carol, 0, 'member.join', { name: 'carol' }, { fee: 1 }), code: 'E_TX_BALANCE', field: 'fee' }],
		['larger than maxTxBytes', { params: { maxTxBytes: 256 }, tx: (w) => tx(w, founder, 0, 'post', { text: 'x'.repeat(300) }), code: 'E_TX_SIZE', field: 'tx' }],
		['unknown kind', { tx: (w) => tx(w, founder, 0, 'nope', {}), code: 'E_TX_KIND', field: 'kind' }],
		['kind differing only in case', { tx: (w) => tx(w, founder, 0, 'Post', { text: 'hi' }), code: 'E_TX_KIND', field: 'kind' }],
		['a non-member posting', { tx: (w) => tx(w, bob, 0, 'post', { text: 'hi' }), code: 'E_TX_NOT_ALLOWED', field: 'from' }],
		['a non-member leaving', { tx: (w) => tx(w, bob, 0, 'member.leave', {}), code: 'E_TX_NOT_ALLOWED', field: 'from' }],
		['a member joining again', { tx: (w) => tx(w, founder, 0, 'member.join', { name: 'again' }), code: 'E_TX_NOT_ALLOWED', field: 'from' }],
		[
			'joining twice',
			{ before: (w) => [tx(w, bob, 0, 'member.join', { name: 'bob' })], tx: (w) => tx(w, bob, 1, 'member.join', { name: 'bob2' }), code: 'E_TX_NOT_ALLOWED', field: 'from' }
		],
		[
			'posting after leaving',
			{ before: (w) => [tx(w, founder, 0, 'member.leave', {})], tx: (w) => tx(w, founder, 1, 'post', { text: 'hi' }), code: 'E_TX_NOT_ALLOWED', field: 'from' }
		],
		['post text empty', { tx: (w) => tx(w, founder, 0, 'post', { text: '' }), code: 'E_SCHEMA', field: 'body.text' }],
		['post text over 2000 bytes', { tx: (w) => tx(w, founder, 0, 'post', { text: 'é'.repeat(1001) }), code: 'E_SCHEMA', field: 'body.text' }],
		['post text not a string', { tx: (w) => tx(w, founder, 0, 'post', { text: 5 }), code: 'E_SCHEMA', field: 'body.text' }],
		['post text missing', { tx: (w) => tx(w, founder, 0, 'post', {}), code: 'E_SCHEMA', field: 'body.text' }],
		['post with an extra field', { tx: (w) => tx(w, founder, 0, 'post', { text: 'hi', extra: 1 }), code: 'E_SCHEMA', field: 'body.extra' }],
		['post body not a map', { tx: (w) => tx(w, founder, 0, 'post', 'hi'), code: 'E_SCHEMA', field: 'body' }],
		['post body as bytes', { tx: (w) => tx(w, founder, 0, 'post', utf8('hi')), code: 'E_SCHEMA', field: 'body' }],
		['join name missing', { tx: (w) => tx(w, bob, 0, 'member.join', {}), code: 'E_SCHEMA', field: 'body.name' }],
		['join name empty', { tx: (w) => tx(w, bob, 0, 'member.join', { name: '' }), code: 'E_SCHEMA', field: 'body.name' }],
		['join name over 64 bytes', { tx: (w) => tx(w, bob, 0, 'member.join', { name: 'n'.repeat(65) }), code: 'E_SCHEMA', field: 'body.name' }],
		['leave with a body', { tx: (w) => tx(w, founder, 0, 'member.leave', { why: 'x' }), code: 'E_SCHEMA', field: 'body.why' }]
	];

	it.each(rules)('%s', (_name, rule) => {
		const w = world(rule.params);
		for (const t of rule.before?.(w) ?? []) applyTx(w.state, t, w.chainId, w.ctx);
		const before = snapshot(w.state);
		const journal = w.state.checkpoint();
		expectAgoraError(() => applyTx(w.state, rule.tx(w), w.chainId, w.ctx), rule.code, rule.field);
		expect(snapshot(w.state)).toBe(before);
		// The failed transaction left nothing in the journal either.
		expect(w.state.checkpoint()).toBe(journal);
	});

	it('the boundaries of those rules are accepted: created exactly maxFutureDriftMs ahead, lifetime exactly maxTxLifetimeMs, fee exactly the balance and the minimum', () => {
		const w = world({ minFee: 5 });
		applyTx(w.state, tx(w, founder, 0, 'post', { text: 'a' }, { created: TIME + DEFAULT_PARAMS.maxFutureDriftMs, expires: TIME + DEFAULT_PARAMS.maxFutureDriftMs + 1, fee: 5 }), w.chainId, w.ctx);
		applyTx(w.state, tx(w, founder, 1, 'post', { text: 'b' }, { expires: T0 + 1000 + DEFAULT_PARAMS.maxTxLifetimeMs, fee: 45 }), w.chainId, w.ctx);
		expect(getAccount(w.state, hex(founder))).toEqual({ balance: 0, stake: 0, nonce: 2 });
		applyTx(w.state, tx(w, bob, 0, 'member.join', { name: 'b'.repeat(64) }, { expires: TIME + 1, fee: 5 }), w.chainId, w.ctx);
		applyTx(w.state, tx(w, bob, 1, 'post', { text: 'x'.repeat(2000) }, { fee: 5 }), w.chainId, w.ctx);
	});

	it('in a block, the error names the transaction: txs[i].field', () => {
		const w = world();
		const txs = [tx(w, founder, 0, 'post', { text: 'ok' }), tx(w, founder, 1, 'post', { text: '' })];
		const e = expectAgoraError(() => applyBlockBody(w.state, txs, w.chainId, w.ctx), 'E_SCHEMA', 'txs[1].body.text');
		expect(e.message).toMatch(/^transaction 1 \(post\)/);
	});

	it('checkTx and checkTxTime apply the stateless rules on their own (for the mempool)', () => {
		const w = world();
		expectAgoraError(() => checkTx(tx(w, founder, 0, 'post', { text: 'hi' }, { chain: new Uint8Array(32) }), w.chainId, w.params), 'E_TX_CHAIN', 'chain');
		expect(checkTx(tx(w, founder, 0, 'post', { text: 'hi' }), w.chainId, w.params)).toEqual({ text: 'hi' });
		expectAgoraError(() => checkTxTime(tx(w, founder, 0, 'post', { text: 'hi' }), T0 + 3_601_000, w.params), 'E_TX_EXPIRED', 'expires');
		checkTxTime(tx(w, founder, 0, 'post', { text: 'hi' }), T0 + 3_600_999, w.params);
	});

	// Adding or removing a kind changes the protocol: this list changes with it, on purpose.
	it('the registry knows exactly the kinds of this version', () => {
		expect([...KINDS.keys()].sort()).toEqual([
			'consensus.evidence', 'consensus.vote', 'contract.call',
			'dao.cancel', 'dao.delegate', 'dao.execute', 'dao.propose', 'dao.vote',
			'member.invite', 'member.join', 'member.leave', 'metrics.record',
			'msg.ack', 'msg.nack', 'msg.redrive', 'msg.send',
			'node.register', 'node.update', 'nonce.skip', 'post', 'route.register', 'route.update',
			'stake', 'topic.create', 'topic.rekey', 'topic.subscribe', 'topic.unsubscribe',
			'transfer', 'unstake'
		]);
	});
});

describe('state machine: replay', () => {
	it('the same signed transaction is accepted only once', () => {
		const w = world();
		const t = makeTx(w.chainId, founder, 0, 'post', { text: 'once' });
		applyTx(w.state, t, w.chainId, w.ctx);
		expectAgoraError(() => applyTx(w.state, t, w.chainId, w.ctx), 'E_TX_NONCE', 'nonce');
		expectAgoraError(() => applyTx(w.state, t, w.chainId, { ...w.ctx, height: 2, time: TIME + 1000 }), 'E_TX_NONCE', 'nonce');
	});

	it('the same signed transaction twice in one block rejects the block at the second copy', () => {
		const w = world();
		const t = makeTx(w.chainId, founder, 0, 'post', { text: 'once' });
		expectAgoraError(() => applyBlockBody(w.state, [t, t], w.chainId, w.ctx), 'E_TX_NONCE', 'txs[1].nonce');
	});

	it('nonces advance one by one, per sender', () => {
		const w = world();
		applyTx(w.state, tx(w, founder, 0, 'post', { text: 'a' }), w.chainId, w.ctx);
		applyTx(w.state, tx(w, bob, 0, 'member.join', { name: 'bob' }), w.chainId, w.ctx);
		applyTx(w.state, tx(w, founder, 1, 'post', { text: 'b' }), w.chainId, w.ctx);
		expect(getAccount(w.state, hex(founder)).nonce).toBe(2);
		expect(getAccount(w.state, hex(bob)).nonce).toBe(1);
	});
});

describe('state machine: effects', () => {
	it('join admits the sender under its name at the block height; leave removes it', () => {
		const w = world();
		applyTx(w.state, tx(w, bob, 0, 'member.join', { name: 'Bob' }), w.chainId, { ...w.ctx, height: 7 });
		expect(getMember(w.state, hex(bob))).toMatchObject({ name: 'Bob', since: 7 });
		applyTx(w.state, tx(w, bob, 1, 'post', { text: 'hello' }), w.chainId, w.ctx);
		applyTx(w.state, tx(w, bob, 2, 'member.leave', {}), w.chainId, w.ctx);
		expect(isMember(w.state, hex(bob))).toBe(false);
	});

	it('a post changes nothing but the sender\'s nonce (and fee)', () => {
		const w = world();
		const before = new Map(w.state.entriesSorted());
		applyTx(w.state, tx(w, founder, 0, 'post', { text: 'hi' }), w.chainId, w.ctx);
		const after = new Map(w.state.entriesSorted());
		const changed = [...after.keys()].filter((k) => toHex(encode(after.get(k)!)) !== toHex(encode(before.get(k) ?? null)));
		expect(changed).toEqual([`a/${hex(founder)}`]);
	});

	it('fees go to the proposer, and the treasury takes treasuryFeePpm of each (rounded down)', () => {
		const w = world({ treasuryFeePpm: 250_000 });
		applyTx(w.state, tx(w, bob, 0, 'member.join', { name: 'bob' }, { fee: 10 }), w.chainId, w.ctx);
		expect(getAccount(w.state, hex(bob)).balance).toBe(990);
		expect(getAccount(w.state, TREASURY).balance).toBe(2); // floor(2.5)
		expect(getAccount(w.state, w.ctx.proposer).balance).toBe(8);
	});

	it('with treasuryFeePpm 0 the proposer takes the whole fee, with 1e6 the treasury does', () => {
		const w0 = world();
		applyTx(w0.state, tx(w0, bob, 0, 'member.join', { name: 'bob' }, { fee: 10 }), w0.chainId, w0.ctx);
		expect(getAccount(w0.state, w0.ctx.proposer).balance).toBe(10);
		expect(w0.state.has(`a/${TREASURY}`)).toBe(false);
		const w1 = world({ treasuryFeePpm: PPM });
		applyTx(w1.state, tx(w1, bob, 0, 'member.join', { name: 'bob' }, { fee: 10 }), w1.chainId, w1.ctx);
		expect(getAccount(w1.state, w1.ctx.proposer).balance).toBe(0);
		expect(getAccount(w1.state, TREASURY).balance).toBe(10);
	});

	it('a proposer paying its own fee keeps what the treasury does not take', () => {
		const w = world({ treasuryFeePpm: 100_000 });
		applyTx(w.state, tx(w, bob, 0, 'member.join', { name: 'bob' }, { fee: 100 }), w.chainId, { ...w.ctx, proposer: hex(bob) });
		expect(getAccount(w.state, hex(bob)).balance).toBe(990);
		expect(getAccount(w.state, TREASURY).balance).toBe(10);
	});

	it('property: the fee split conserves the fee for any fee and share', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: PPM }), (fee, ppm) => {
				const w = world({ treasuryFeePpm: ppm });
				applyTx(w.state, tx(w, bob, 0, 'member.join', { name: 'bob' }, { fee }), w.chainId, w.ctx);
				const treasury = getAccount(w.state, TREASURY).balance;
				expect(treasury).toBe(Math.floor((fee * ppm) / PPM));
				expect(treasury + getAccount(w.state, w.ctx.proposer).balance).toBe(fee);
				expect(getAccount(w.state, hex(bob)).balance).toBe(1000 - fee);
			}),
			{ numRuns: 25 }
		);
	});

	it('property: any sequence of transactions, valid or not, conserves the total balance, and each failure leaves the root unchanged', () => {
		const senders = [founder, bob, carol];
		const txArb = fc.record({
			from: fc.integer({ min: 0, max: 2 }),
			nonce: fc.integer({ min: 0, max: 4 }),
			fee: fc.integer({ min: 0, max: 400 }),
			kind: fc.constantFrom('post', 'member.join', 'member.leave', 'nope'),
			text: fc.constantFrom('hi', ''),
			expired: fc.boolean()
		});
		fc.assert(
			fc.property(fc.array(txArb, { maxLength: 25 }), (list) => {
				const w = world({ treasuryFeePpm: 300_000 });
				const total = (): number => w.state.keys('a/').reduce((sum, k) => sum + (w.state.get(k) as { balance: number }).balance, 0);
				const start = total();
				let accepted = 0;
				for (const t of list) {
					const body: Encodable = t.kind === 'post' ? { text: t.text } : t.kind === 'member.join' ? { name: t.text || 'x' } : {};
					const candidate = tx(w, senders[t.from]!, t.nonce, t.kind, body, { fee: t.fee, ...(t.expired ? { expires: TIME } : {}) });
					const before = snapshot(w.state);
					try {
						applyTx(w.state, candidate, w.chainId, w.ctx);
						accepted++;
					} catch (e) {
						expect(e).toBeInstanceOf(AgoraError);
						expect(snapshot(w.state)).toBe(before);
					}
					expect(total()).toBe(start);
				}
				// Every accepted transaction advanced exactly one nonce.
				const nonces = senders.reduce((n, s) => n + getAccount(w.state, hex(s)).nonce, 0);
				expect(nonces).toBe(accepted);
			}),
			{ numRuns: 60 }
		);
	});
});
