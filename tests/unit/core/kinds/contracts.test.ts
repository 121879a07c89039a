/**
 * contract.call and the built-in contracts: which calls are refused and why,
 * the enabled set in state, escrow's lifecycle (release against refund after
 * the deadline, never both) and the uniqueness of names.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AgoraError } from '../../../../src/lib/core/errors.js';
import { toHex, type Hex } from '../../../../src/lib/core/bytes.js';
import { getAccount } from '../../../../src/lib/core/state/accounts.js';
import { ALL_CONTRACTS, getEnabledContracts, readEnabledContracts, setEnabledContracts } from '../../../../src/lib/core/state/contracts/builtins.js';
import { ESCROW_ACCOUNT, getEscrow } from '../../../../src/lib/core/state/contracts/escrow.js';
import { nameOf, resolveName } from '../../../../src/lib/core/state/contracts/names.js';
import { txId, txIdHex } from '../../../../src/lib/core/tx/tx.js';
import type { Encodable } from '../../../../src/lib/core/codec.js';
import { expectAgoraError, key, ledger } from '../../../helpers/community.js';

const [alice, bob, carol, dave] = [key(0), key(1), key(2), key(3)]; // dave is not a member
const hex = (k: { publicKey: Uint8Array }): Hex => toHex(k.publicKey);
const l = ledger({ members: [alice, bob, carol], allocations: [[alice, 1000], [bob, 100], [dave, 100]] });
const call = (contract: string, action: string, args: Encodable): Encodable => ({ contract, action, args });
const balance = (who: Hex): number => getAccount(l.state, who).balance;

describe('contract.call', () => {
	it('genesis enables every action of every built-in contract', () => {
		expect(getEnabledContracts(l.reset().state)).toEqual({ escrow: ['open', 'refund', 'release'], names: ['claim', 'release'] });
		expect(ALL_CONTRACTS).toEqual(getEnabledContracts(l.state));
	});

	it.each([
		['an unknown contract', call('lottery', 'draw', {}), 'body.contract'],
		['a contract name that is not a string', { contract: 1, action: 'claim', args: {} }, 'body.contract'],
		['an unknown action', call('names', 'transfer', {}), 'body.action'],
		['an action inherited from Object', call('names', 'constructor', {}), 'body.action'],
		['missing arguments', { contract: 'names', action: 'claim' }, 'body.args'],
		['arguments that are not a map', call('names', 'claim', 'alice'), 'body.args'],
		['an extra field', { ...(call('names', 'claim', { name: 'a' }) as object), gas: 5 }, 'body.gas']
	])('rejects %s with E_SCHEMA', (_what, body, field) => {
		l.reset().reject(alice, 'contract.call', body as Encodable, 'E_SCHEMA', field);
	});

	it('rejects a sender who is not a member', () => {
		l.reset().reject(dave, 'contract.call', call('names', 'claim', { name: 'dave' }), 'E_TX_NOT_ALLOWED', 'from');
	});

	it('a disabled contract is refused, naming body.contract', () => {
		setEnabledContracts(l.reset().state, { names: ['claim', 'release'] });
		l.reject(alice, 'contract.call', call('escrow', 'open', { to: bob.publicKey, amount: 1, until: 5 }), 'E_TX_NOT_ALLOWED', 'body.contract');
		l.apply(alice, 'contract.call', call('names', 'claim', { name: 'alice' }));
	});

	it('a disabled action is refused, naming body.action, while the others run: escrow wound down without locking what it holds', () => {
		l.reset();
		const open = l.apply(alice, 'contract.call', call('escrow', 'open', { to: bob.publicKey, amount: 10, until: 5 }));
		setEnabledContracts(l.state, { escrow: ['refund', 'release'] });
		l.reject(alice, 'contract.call', call('escrow', 'open', { to: bob.publicKey, amount: 1, until: 5 }), 'E_TX_NOT_ALLOWED', 'body.action');
		l.apply(alice, 'contract.call', call('escrow', 'release', { id: txId(open) }));
		expect(balance(hex(bob))).toBe(110);
	});

	it('readEnabledContracts accepts built-in names only, without repeats, and drops empty lists', () => {
		expect(readEnabledContracts({ names: ['release', 'claim'], escrow: [] }, 'x')).toEqual({ names: ['claim', 'release'] });
		expectAgoraError(() => readEnabledContracts({ lottery: [] }, 'x'), 'E_SCHEMA', 'x.lottery');
		expectAgoraError(() => readEnabledContracts({ names: ['claim', 'burn'] }, 'x'), 'E_SCHEMA', 'x.names[1]');
		expectAgoraError(() => readEnabledContracts({ names: ['claim', 'claim'] }, 'x'), 'E_SCHEMA', 'x.names');
		expectAgoraError(() => readEnabledContracts({ names: 'claim' }, 'x'), 'E_SCHEMA', 'x.names');
	});
});

describe('escrow', () => {
	const openArgs = { to: bob.publicKey, amount: 300, until: 10 };
	/** Opens the usual escrow at height 2 and returns its id. */
	function opened(): Uint8Array {
		return txId(l.reset().at(2).apply(alice, 'contract.call', call('escrow', 'open', openArgs)));
	}

	it('open locks the amount in the escrow account under the opening transaction\'s id', () => {
		const id = opened();
		expect(balance(hex(alice))).toBe(700);
		expect(balance(ESCROW_ACCOUNT)).toBe(300);
		expect(getEscrow(l.state, toHex(id))).toEqual({ payer: hex(alice), to: hex(bob), amount: 300, until: 10, opened: 2 });
	});

	it('release pays the recipient and closes the escrow: a second release and a later refund are refused', () => {
		const id = opened();
		l.at(3).apply(alice, 'contract.call', call('escrow', 'release', { id }));
		expect(balance(hex(bob))).toBe(400);
		expect(balance(ESCROW_ACCOUNT)).toBe(0);
		expect(getEscrow(l.state, toHex(id))).toBeUndefined();
		l.reject(alice, 'contract.call', call('escrow', 'release', { id }), 'E_TX_NOT_ALLOWED', 'body.args.id');
		l.at(10).reject(alice, 'contract.call', call('escrow', 'refund', { id }), 'E_TX_NOT_ALLOWED', 'body.args.id');
	});

	it('refund before the deadline is refused; at the deadline it returns the amount to the payer, and release is refused after it', () => {
		const id = opened();
		l.at(9).reject(alice, 'contract.call', call('escrow', 'refund', { id }), 'E_TX_NOT_ALLOWED', 'body.args.id');
		l.at(10).apply(alice, 'contract.call', call('escrow', 'refund', { id }));
		expect(balance(hex(alice))).toBe(1000);
		expect(balance(hex(bob))).toBe(100);
		l.reject(alice, 'contract.call', call('escrow', 'release', { id }), 'E_TX_NOT_ALLOWED', 'body.args.id');
	});

	it('the payer may still release after the deadline, as long as it did not refund', () => {
		const id = opened();
		l.at(50).apply(alice, 'contract.call', call('escrow', 'release', { id }));
		expect(balance(hex(bob))).toBe(400);
	});

	it('only the payer closes an escrow: neither the recipient nor anyone else may release or refund it', () => {
		const id = opened();
		l.at(3).reject(bob, 'contract.call', call('escrow', 'release', { id }), 'E_TX_NOT_ALLOWED', 'from');
		l.at(10).reject(carol, 'contract.call', call('escrow', 'refund', { id }), 'E_TX_NOT_ALLOWED', 'from');
		l.reject(bob, 'contract.call', call('escrow', 'refund', { id }), 'E_TX_NOT_ALLOWED', 'from');
	});

	it('an id that was never opened is refused', () => {
		l.reset().reject(alice, 'contract.call', call('escrow', 'release', { id: new Uint8Array(32) }), 'E_TX_NOT_ALLOWED', 'body.args.id');
	});

	it('escrows are independent: closing one leaves the other', () => {
		l.reset().at(2);
		const a = l.apply(alice, 'contract.call', call('escrow', 'open', openArgs));
		const b = l.apply(alice, 'contract.call', call('escrow', 'open', { ...openArgs, to: carol.publicKey, amount: 50 }));
		l.apply(alice, 'contract.call', call('escrow', 'release', { id: txId(a) }));
		expect(getEscrow(l.state, txIdHex(b))).toMatchObject({ to: hex(carol), amount: 50 });
		expect(balance(ESCROW_ACCOUNT)).toBe(50);
	});

	it('open needs a deadline above the current height', () => {
		l.reset().at(10).reject(alice, 'contract.call', call('escrow', 'open', openArgs), 'E_TX_NOT_ALLOWED', 'body.args.until');
	});

	it('open needs the amount in the balance, after the fee', () => {
		const e = l.reset().reject(bob, 'contract.call', call('escrow', 'open', { ...openArgs, amount: 100 }), 'E_TX_BALANCE', 'body.args.amount', { fee: 1 });
		expect(e.message).toMatch(/100 exceeds the balance 99/);
	});

	it.each([
		['open with a negative amount', 'open', { ...openArgs, amount: -1 }, 'body.args.amount'],
		['open with a zero amount', 'open', { ...openArgs, amount: 0 }, 'body.args.amount'],
		['open with a short recipient key', 'open', { ...openArgs, to: new Uint8Array(8) }, 'body.args.to'],
		['open without a deadline', 'open', { to: bob.publicKey, amount: 1 }, 'body.args.until'],
		['open with a deadline of 0', 'open', { ...openArgs, until: 0 }, 'body.args.until'],
		['release with an id that is not 32 bytes', 'release', { id: new Uint8Array(31) }, 'body.args.id'],
		['refund with an extra argument', 'refund', { id: new Uint8Array(32), to: bob.publicKey }, 'body.args.to']
	])('rejects %s with E_SCHEMA', (_what, action, args, field) => {
		l.reset().reject(alice, 'contract.call', call('escrow', action, args), 'E_SCHEMA', field);
	});
});

describe('names', () => {
	it('claim gives the sender the name; it resolves both ways', () => {
		l.reset().apply(alice, 'contract.call', call('names', 'claim', { name: 'alice-1' }));
		expect(resolveName(l.state, 'alice-1')).toBe(hex(alice));
		expect(nameOf(l.state, hex(alice))).toBe('alice-1');
		expect(resolveName(l.state, 'bob')).toBeUndefined();
	});

	it('a name has one owner: claiming a taken name is refused', () => {
		l.reset().apply(alice, 'contract.call', call('names', 'claim', { name: 'shared' }));
		l.reject(bob, 'contract.call', call('names', 'claim', { name: 'shared' }), 'E_TX_NOT_ALLOWED', 'body.args.name');
	});

	it('a member holds one name: a second claim is refused until the first is released', () => {
		l.reset().apply(alice, 'contract.call', call('names', 'claim', { name: 'one' }));
		l.reject(alice, 'contract.call', call('names', 'claim', { name: 'two' }), 'E_TX_NOT_ALLOWED', 'from');
		l.apply(alice, 'contract.call', call('names', 'release', { name: 'one' }));
		l.apply(alice, 'contract.call', call('names', 'claim', { name: 'two' }));
		expect(resolveName(l.state, 'one')).toBeUndefined();
		expect(nameOf(l.state, hex(alice))).toBe('two');
	});

	it('release frees the name for anyone', () => {
		l.reset().apply(alice, 'contract.call', call('names', 'claim', { name: 'n' }));
		l.apply(alice, 'contract.call', call('names', 'release', { name: 'n' }));
		expect(nameOf(l.state, hex(alice))).toBeUndefined();
		l.apply(bob, 'contract.call', call('names', 'claim', { name: 'n' }));
		expect(resolveName(l.state, 'n')).toBe(hex(bob));
	});

	it('only the owner releases a name', () => {
		l.reset().apply(alice, 'contract.call', call('names', 'claim', { name: 'mine' }));
		l.reject(bob, 'contract.call', call('names', 'release', { name: 'mine' }), 'E_TX_NOT_ALLOWED', 'from');
	});

	it('releasing a name nobody holds is refused', () => {
		l.reset().reject(alice, 'contract.call', call('names', 'release', { name: 'free' }), 'E_TX_NOT_ALLOWED', 'body.args.name');
	});

	it.each([
		['empty', ''],
		['upper case', 'Alice'],
		['with a leading hyphen', '-alice'],
		['with a trailing hyphen', 'alice-'],
		['with a space', 'al ice'],
		['with a look-alike letter', 'аlice'], // Cyrillic а
		['over 32 characters', 'a'.repeat(33)],
		['not a string', 7]
	])('rejects a name that is %s', (_what, name) => {
		l.reset().reject(alice, 'contract.call', call('names', 'claim', { name }), 'E_SCHEMA', 'body.args.name');
	});

	it('property: after any claims and releases, every name has at most one owner, every owner one name, and the two lookups agree', () => {
		const members = [alice, bob, carol];
		const opArb = fc.record({ who: fc.integer({ min: 0, max: 2 }), release: fc.boolean(), name: fc.constantFrom('a', 'b', 'c') });
		fc.assert(
			fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
				l.reset();
				const owner = new Map<string, Hex>();
				for (const o of ops) {
					const who = members[o.who]!;
					const mine = [...owner].find(([, w]) => w === hex(who))?.[0];
					const ok = o.release ? owner.get(o.name) === hex(who) : !owner.has(o.name) && mine === undefined;
					let refused: unknown = null;
					try {
						l.apply(who, 'contract.call', call('names', o.release ? 'release' : 'claim', { name: o.name }));
					} catch (e) {
						refused = e;
					}
					if (refused !== null) expect(refused).toBeInstanceOf(AgoraError);
					expect(refused === null).toBe(ok);
					if (!ok) continue;
					if (o.release) owner.delete(o.name);
					else owner.set(o.name, hex(who));
				}
				for (const name of ['a', 'b', 'c']) {
					const w = resolveName(l.state, name);
					expect(w).toBe(owner.get(name));
					if (w) expect(nameOf(l.state, w)).toBe(name);
				}
				for (const m of members) {
					const n = nameOf(l.state, hex(m));
					if (n) expect(resolveName(l.state, n)).toBe(hex(m));
				}
			}),
			{ numRuns: 60 }
		);
	});
});
