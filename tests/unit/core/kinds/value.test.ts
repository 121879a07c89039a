/**
 * Value kinds (transfer, stake, unstake) one rule at a time, and the staker
 * index that consensus reads (`c/stakers`, `c/stake-total`).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex, type Hex } from '../../../../src/lib/core/bytes.js';
import { getAccount, getStakers, setStake, STAKERS_KEY, totalStake } from '../../../../src/lib/core/state/accounts.js';
import { KINDS } from '../../../../src/lib/core/state/registry.js';
import { expectAgoraError, key, ledger } from '../../../helpers/community.js';

const [alice, bob, carol, dave] = [key(0), key(1), key(2), key(3)]; // carol holds value but is not a member; dave has nothing
const hex = (k: { publicKey: Uint8Array }): Hex => toHex(k.publicKey);
const l = ledger({ members: [alice, bob], allocations: [[alice, 1000], [bob, 100], [carol, 50]] });

describe('transfer', () => {
	it('moves the amount from the sender to the recipient, member or not, creating its account', () => {
		l.reset();
		l.apply(alice, 'transfer', { to: bob.publicKey, amount: 300 });
		l.apply(alice, 'transfer', { to: dave.publicKey, amount: 1 });
		expect(getAccount(l.state, hex(alice))).toEqual({ balance: 699, stake: 0, nonce: 2 });
		expect(getAccount(l.state, hex(bob)).balance).toBe(400);
		expect(getAccount(l.state, hex(dave)).balance).toBe(1);
	});

	it('may spend the whole balance after the fee', () => {
		l.reset();
		l.apply(bob, 'transfer', { to: alice.publicKey, amount: 90 }, { fee: 10 });
		expect(getAccount(l.state, hex(bob)).balance).toBe(0);
	});

	it('rejects an amount above the balance with E_TX_BALANCE naming the amount and the balance', () => {
		const e = l.reset().reject(bob, 'transfer', { to: alice.publicKey, amount: 101 }, 'E_TX_BALANCE', 'body.amount');
		expect(e.value).toBe(101);
		expect(e.message).toMatch(/101 exceeds the balance 100/);
	});

	it('rejects an amount that fits the balance but not the balance left after the fee', () => {
		const e = l.reset().reject(bob, 'transfer', { to: alice.publicKey, amount: 95 }, 'E_TX_BALANCE', 'body.amount', { fee: 10 });
		expect(e.message).toMatch(/95 exceeds the balance 90/);
	});

	it.each([
		['negative', -5],
		['zero', 0],
		['a string', '5'],
		['null', null]
	])('rejects a %s amount with E_SCHEMA naming body.amount and the value', (_what, amount) => {
		const e = l.reset().reject(alice, 'transfer', { to: bob.publicKey, amount }, 'E_SCHEMA', 'body.amount');
		expect(e.value).toBe(amount);
	});

	it('rejects a non-integer amount with E_SCHEMA naming body.amount (the codec cannot carry one, so the reader is asked directly)', () => {
		const e = expectAgoraError(() => KINDS.get('transfer')!.body({ to: bob.publicKey, amount: 1.5 }), 'E_SCHEMA', 'body.amount');
		expect(e.value).toBe(1.5);
	});

	it.each([
		['missing', { amount: 1 }],
		['not 32 bytes', { to: new Uint8Array(31), amount: 1 }],
		['hex text instead of bytes', { to: toHex(bob.publicKey), amount: 1 }]
	])('rejects a recipient that is %s with E_SCHEMA naming body.to', (_what, body) => {
		l.reset().reject(alice, 'transfer', body, 'E_SCHEMA', 'body.to');
	});

	it('rejects an extra field', () => {
		l.reset().reject(alice, 'transfer', { to: bob.publicKey, amount: 1, memo: 'x' }, 'E_SCHEMA', 'body.memo');
	});

	it('rejects a sender who is not a member', () => {
		l.reset().reject(carol, 'transfer', { to: alice.publicKey, amount: 1 }, 'E_TX_NOT_ALLOWED', 'from');
	});
});

describe('stake', () => {
	it('moves balance into stake and lists the staker', () => {
		l.reset().apply(bob, 'stake', { amount: 60 });
		expect(getAccount(l.state, hex(bob))).toEqual({ balance: 40, stake: 60, nonce: 1 });
		expect(getStakers(l.state)).toEqual([hex(bob)]);
		expect(totalStake(l.state)).toBe(60);
	});

	it('rejects more than the balance with E_TX_BALANCE naming the amount and the balance', () => {
		const e = l.reset().reject(bob, 'stake', { amount: 101 }, 'E_TX_BALANCE', 'body.amount');
		expect(e.message).toMatch(/101 exceeds the balance 100/);
	});

	it.each([
		['negative', -1],
		['zero', 0]
	])('rejects a %s amount with E_SCHEMA naming body.amount', (_what, amount) => {
		expect(l.reset().reject(bob, 'stake', { amount }, 'E_SCHEMA', 'body.amount').value).toBe(amount);
	});

	it('rejects a body without an amount', () => {
		l.reset().reject(bob, 'stake', {}, 'E_SCHEMA', 'body.amount');
	});

	it('rejects a sender who is not a member', () => {
		l.reset().reject(carol, 'stake', { amount: 1 }, 'E_TX_NOT_ALLOWED', 'from');
	});
});

describe('unstake', () => {
	it('moves stake back to the balance; unstaking everything leaves the staker list', () => {
		l.reset().apply(alice, 'stake', { amount: 500 });
		l.apply(bob, 'stake', { amount: 100 });
		l.apply(alice, 'unstake', { amount: 200 });
		expect(getAccount(l.state, hex(alice))).toEqual({ balance: 700, stake: 300, nonce: 2 });
		expect(totalStake(l.state)).toBe(400);
		l.apply(alice, 'unstake', { amount: 300 });
		expect(getStakers(l.state)).toEqual([hex(bob)]);
		expect(totalStake(l.state)).toBe(100);
	});

	it('rejects more than the stake with E_TX_BALANCE naming the amount and the stake', () => {
		l.reset().apply(bob, 'stake', { amount: 30 });
		const e = l.reject(bob, 'unstake', { amount: 31 }, 'E_TX_BALANCE', 'body.amount');
		expect(e.message).toMatch(/31 exceeds the stake 30/);
	});

	it('rejects a negative amount with E_SCHEMA naming body.amount', () => {
		expect(l.reset().reject(bob, 'unstake', { amount: -3 }, 'E_SCHEMA', 'body.amount').value).toBe(-3);
	});

	it('is open to a former member, so stake is never locked by leaving', () => {
		l.reset().apply(bob, 'stake', { amount: 30 });
		l.apply(bob, 'member.leave', {});
		l.reject(bob, 'stake', { amount: 1 }, 'E_TX_NOT_ALLOWED', 'from');
		l.apply(bob, 'unstake', { amount: 30 });
		expect(getAccount(l.state, hex(bob))).toEqual({ balance: 100, stake: 0, nonce: 3 });
		expect(getStakers(l.state)).toEqual([]);
	});

	it('a key with no stake has nothing to withdraw', () => {
		l.reset().reject(carol, 'unstake', { amount: 1 }, 'E_TX_BALANCE', 'body.amount');
	});
});

describe('the staker index', () => {
	it('is absent from state while nobody stakes, so a community without stake has the same state as before', () => {
		l.reset();
		expect(l.state.has(STAKERS_KEY)).toBe(false);
		expect(getStakers(l.state)).toEqual([]);
		expect(totalStake(l.state)).toBe(0);
	});

	it('setStake refuses a negative or fractional stake', () => {
		l.reset();
		expectAgoraError(() => setStake(l.state, hex(bob), -1), 'E_TX_BALANCE', 'stake');
		expectAgoraError(() => setStake(l.state, hex(bob), 0.5), 'E_TX_BALANCE', 'stake');
	});

	it('property: after any sequence of stake writes (and reverts), c/stakers is the sorted set of keys with stake and c/stake-total their sum; balances are untouched', () => {
		const who = Array.from({ length: 12 }, (_, i) => hex(key(10 + i)));
		const writeArb = fc.tuple(fc.integer({ min: 0, max: 11 }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })));
		fc.assert(
			fc.property(fc.array(writeArb, { maxLength: 40 }), fc.nat({ max: 40 }), (writes, undoFrom) => {
				l.reset();
				const model = new Map<Hex, number>();
				let mark = 0;
				let markModel = new Map<Hex, number>();
				writes.forEach(([i, stake], n) => {
					if (n === undoFrom) {
						mark = l.state.checkpoint();
						markModel = new Map(model);
					}
					setStake(l.state, who[i]!, stake);
					model.set(who[i]!, stake);
				});
				const check = (m: Map<Hex, number>): void => {
					const staking = [...m].filter(([, s]) => s > 0);
					expect(getStakers(l.state)).toEqual(staking.map(([k]) => k).sort());
					expect(totalStake(l.state)).toBe(staking.reduce((sum, [, s]) => sum + s, 0));
					for (const k of who) expect(getAccount(l.state, k)).toEqual({ balance: 0, stake: m.get(k) ?? 0, nonce: 0 });
				};
				check(model);
				if (undoFrom < writes.length) {
					l.state.revert(mark);
					check(markModel);
				}
			}),
			{ numRuns: 100 }
		);
	});
});
