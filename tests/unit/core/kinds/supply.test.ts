/**
 * What holds across every kind: value is never created or destroyed (the
 * sum of balances and stake over all accounts, treasury and contract
 * accounts included, is fixed), a rejected transaction changes nothing, the
 * staker index matches the accounts and escrow holds exactly what its open
 * escrows lock. Then the kinds in real, signed blocks, replayed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex, type Hex } from '../../../../src/lib/core/bytes.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import { AgoraError } from '../../../../src/lib/core/errors.js';
import { getAccount, getStakers, totalStake, type Account } from '../../../../src/lib/core/state/accounts.js';
import { ESCROW_ACCOUNT, getEscrow, type Escrow } from '../../../../src/lib/core/state/contracts/escrow.js';
import { resolveName } from '../../../../src/lib/core/state/contracts/names.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import type { StateTree } from '../../../../src/lib/core/state/tree.js';
import { txId } from '../../../../src/lib/core/tx/tx.js';
import { encode } from '../../../../src/lib/core/codec.js';
import { key, ledger, makeTx, openChain, poaGenesis, seal, T0, verified } from '../../../helpers/community.js';

const members = [key(0), key(1), key(2)];
const outsider = key(3);
const senders = [...members, outsider];
const hex = (k: { publicKey: Uint8Array }): Hex => toHex(k.publicKey);

/** A scan of every account: for tests only. */
function accounts(state: StateTree): Array<[string, Account]> {
	return state.keys('a/').map((k) => [k.slice(2), state.get(k) as unknown as Account]);
}
const supply = (state: StateTree): number => accounts(state).reduce((sum, [, a]) => sum + a.balance + a.stake, 0);

const KINDS = [
	'transfer',
	'stake',
	'unstake',
	'escrow.open',
	'escrow.release',
	'escrow.refund',
	'names.claim',
	'names.release',
	'node.register',
	'route.register',
	'metrics.record',
	'post'
] as const;

/** One random transaction: a kind, a body (often invalid on purpose), a fee. */
const txArb = fc.record({
	from: fc.integer({ min: 0, max: 3 }),
	to: fc.integer({ min: 0, max: 3 }),
	fee: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
	// Mostly amounts that fit, sometimes ones that do not (or are not amounts at all).
	amount: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 1200 }) }),
	pick: fc.nat(),
	/** Closing actions come from the escrow's payer or the name's owner, rather than from anyone. */
	natural: fc.boolean(),
	advance: fc.integer({ min: 0, max: 3 }),
	// Leaving is rare, or the members would soon be gone and every later transaction refused.
	kind: fc.oneof(
		{ weight: 20, arbitrary: fc.constantFrom(...KINDS) },
		{ weight: 1, arbitrary: fc.constant('member.leave') }
	)
});
type TxSpec = typeof txArb extends fc.Arbitrary<infer T> ? T : never;

/** Who sends it: the sender drawn, or for a closing action the party entitled to it when `natural`. */
function senderFor(t: TxSpec, state: StateTree, escrows: readonly Uint8Array[]): KeyPair {
	const drawn = senders[t.from]!;
	if (!t.natural) return drawn;
	const entitled =
		t.kind === 'names.release'
			? resolveName(state, `n${t.pick % 3}`)
			: (t.kind === 'escrow.release' || t.kind === 'escrow.refund') && escrows.length > 0
				? getEscrow(state, toHex(escrows[t.pick % escrows.length]!))?.payer
				: undefined;
	return senders.find((k) => hex(k) === entitled) ?? drawn;
}

function bodyFor(t: TxSpec, height: number, escrows: readonly Uint8Array[]): [string, Encodable] {
	const to = senders[t.to]!.publicKey;
	const id = escrows.length > 0 ? escrows[t.pick % escrows.length]! : new Uint8Array(32);
	const contract = (name: string, action: string, args: Encodable): [string, Encodable] => ['contract.call', { contract: name, action, args }];
	switch (t.kind) {
		case 'transfer':
			return ['transfer', { to, amount: t.amount }];
		case 'stake':
			return ['stake', { amount: t.amount }];
		case 'unstake':
			return ['unstake', { amount: t.amount > 0 ? 1 + (t.amount % 25) : t.amount }];
		case 'escrow.open':
			return contract('escrow', 'open', { to, amount: t.amount, until: height + 1 + (t.pick % 3) });
		case 'escrow.release':
		case 'escrow.refund':
			return contract('escrow', t.kind.slice(7), { id });
		case 'names.claim':
		case 'names.release':
			return contract('names', t.kind.slice(6), { name: `n${t.pick % 3}` });
		case 'node.register':
			return ['node.register', { name: 'relay', capacity: t.amount }];
		case 'route.register':
			return ['route.register', { id: `r${t.pick % 4}`, from: 'a', to: 'b', hops: [], latencyMs: 10, bandwidth: 1, reliabilityPpm: 990_000, cost: t.amount, status: 'active' }];
		case 'metrics.record':
			return ['metrics.record', { scope: { type: 'queue', id: 'q' }, window: { from: 0, to: height - 1 - (t.pick % 2) }, values: { depth: t.pick % 100 } }];
		case 'post':
			return ['post', { text: 'hello' }];
		default:
			return ['member.leave', {}];
	}
}

describe('supply and indexes across every kind', () => {
	const l = ledger({ members, allocations: [[members[0]!, 1000], [members[1]!, 500], [members[2]!, 50], [outsider, 300]], params: { treasuryFeePpm: 333_333 } });
	const accepted = new Map<string, number>();

	it('property: any sequence of transactions, valid or not, conserves the supply; each rejection leaves the root as it was; the staker index and escrow holdings match the accounts', () => {
		fc.assert(
			fc.property(fc.array(txArb, { minLength: 10, maxLength: 40 }), (list) => {
				l.reset();
				const start = supply(l.state);
				const escrows: Uint8Array[] = [];
				let height = 1;
				for (const t of list) {
					height += t.advance;
					l.at(height);
					const [kind, body] = bodyFor(t, height, escrows);
					const root = toHex(l.state.root());
					try {
						const tx = l.apply(senderFor(t, l.state, escrows), kind, body, { fee: t.fee });
						accepted.set(t.kind, (accepted.get(t.kind) ?? 0) + 1);
						if (t.kind === 'escrow.open') escrows.push(txId(tx));
					} catch (e) {
						expect(e).toBeInstanceOf(AgoraError);
						expect(toHex(l.state.root())).toBe(root);
					}
					expect(supply(l.state)).toBe(start);
				}
				const all = accounts(l.state);
				const staking = all.filter(([, a]) => a.stake > 0);
				expect(getStakers(l.state)).toEqual(staking.map(([who]) => who).sort());
				expect(totalStake(l.state)).toBe(staking.reduce((sum, [, a]) => sum + a.stake, 0));
				const locked = l.state.keys('k/escrow/').reduce((sum, k) => sum + (l.state.get(k) as unknown as Escrow).amount, 0);
				expect(getAccount(l.state, ESCROW_ACCOUNT).balance).toBe(locked);
			}),
			{ numRuns: 150 }
		);
		// The sequences reached every kind's happy path, so the property held over real effects, not just rejections.
		for (const kind of KINDS) expect(accepted.get(kind) ?? 0, kind).toBeGreaterThan(0);
	});
});

describe('the kinds in signed blocks', () => {
	it('a chain carrying every kind replays to the same state, root for root', async () => {
		const [founder, bob] = [members[0]!, members[1]!];
		const genesis = poaGenesis([founder], {
			members: [{ key: founder.publicKey, name: 'founder' }, { key: bob.publicKey, name: 'bob' }],
			allocations: [{ key: founder.publicKey, amount: 1000 }, { key: bob.publicKey, amount: 100 }]
		});
		const chain = await openChain(genesis);
		const tx = (from: typeof founder, nonce: number, kind: string, body: Encodable) => makeTx(chain, from, nonce, kind, body, { fee: 2 });
		const open = tx(founder, 1, 'contract.call', { contract: 'escrow', action: 'open', args: { to: bob.publicKey, amount: 100, until: 3 } });
		const blocks = [
			await seal(chain, founder, [
				tx(founder, 0, 'transfer', { to: bob.publicKey, amount: 200 }),
				open,
				tx(bob, 0, 'stake', { amount: 50 }),
				tx(bob, 1, 'contract.call', { contract: 'names', action: 'claim', args: { name: 'bob' } }),
				tx(bob, 2, 'node.register', { name: 'bob relay', endpoint: 'wss://bob.example/signal', capacity: 10 }),
				tx(bob, 3, 'route.register', { id: 'b1', from: 'bob', to: 'founder', hops: [], latencyMs: 20, bandwidth: 100, reliabilityPpm: 999_000, cost: 1, status: 'active' })
			], T0 + 2000),
			await seal(chain, founder, [
				tx(bob, 4, 'metrics.record', { scope: { type: 'route', id: 'b1' }, window: { from: 1, to: 1 }, values: { latencyP95Ms: 25 } }),
				tx(bob, 5, 'unstake', { amount: 20 }),
				tx(bob, 6, 'route.update', { id: 'b1', status: 'degraded' }),
				tx(bob, 7, 'node.update', { status: 'inactive' })
			], T0 + 4000),
			await seal(chain, founder, [tx(founder, 2, 'contract.call', { contract: 'escrow', action: 'refund', args: { id: txId(open) } })], T0 + 6000)
		];
		expect(getAccount(chain.state, hex(bob))).toEqual({ balance: 200 + 100 - 50 + 20 - 16, stake: 30, nonce: 8 });
		expect(getAccount(chain.state, hex(founder)).balance).toBe(1000 - 200 - 6 + 16 + 6);
		expect(getStakers(chain.state)).toEqual([hex(bob)]);

		const replay = await openChain(genesis);
		for (const block of blocks) expect(replay.add(await verified(block), T0 + 10_000).status).toBe('head');
		expect(toHex(replay.state.root())).toBe(toHex(chain.state.root()));
		expect(toHex(encode(replay.state.entriesSorted() as unknown as Encodable))).toBe(toHex(encode(chain.state.entriesSorted() as unknown as Encodable)));
	});
});
