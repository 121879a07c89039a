/** Relay nodes: registration and updates by their owner, one rule at a time. */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/lib/core/bytes.js';
import { getNode } from '../../../../src/lib/core/state/nodes.js';
import { key, ledger } from '../../../helpers/community.js';

const [alice, bob, carol] = [key(0), key(1), key(2)]; // carol is not a member
const l = ledger({ members: [alice, bob] });
const full = { name: 'relay one', endpoint: 'wss://relay.example/signal', region: 'eu-west', capacity: 500 };

describe('node.register', () => {
	it('registers the sender\'s node, active, at the block height', () => {
		l.reset().at(4).apply(alice, 'node.register', full);
		expect(getNode(l.state, toHex(alice.publicKey))).toEqual({ ...full, status: 'active', since: 4, updated: 4 });
	});

	it('endpoint and region are optional', () => {
		l.reset().apply(bob, 'node.register', { name: 'bare', capacity: 1 });
		expect(getNode(l.state, toHex(bob.publicKey))).toEqual({ name: 'bare', capacity: 1, status: 'active', since: 1, updated: 1 });
	});

	it('one node per owner: registering again is refused', () => {
		l.reset().apply(alice, 'node.register', full);
		l.reject(alice, 'node.register', { ...full, name: 'second' }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('rejects a sender who is not a member', () => {
		l.reset().reject(carol, 'node.register', full, 'E_TX_NOT_ALLOWED', 'from');
	});

	it.each([
		['an empty name', { ...full, name: '' }, 'body.name'],
		['a name over 64 bytes', { ...full, name: 'n'.repeat(65) }, 'body.name'],
		['a missing name', { capacity: 1 }, 'body.name'],
		['an endpoint that is not a URL', { ...full, endpoint: 'relay.example' }, 'body.endpoint'],
		['an endpoint with another scheme', { ...full, endpoint: 'ftp://relay.example' }, 'body.endpoint'],
		['an endpoint with spaces', { ...full, endpoint: 'wss://relay example' }, 'body.endpoint'],
		['an endpoint over 256 bytes', { ...full, endpoint: 'wss://r.example/' + 'p'.repeat(250) }, 'body.endpoint'],
		['a region with a slash', { ...full, region: 'eu/west' }, 'body.region'],
		['a capacity of zero', { ...full, capacity: 0 }, 'body.capacity'],
		['a negative capacity', { ...full, capacity: -2 }, 'body.capacity'],
		['a missing capacity', { name: 'x' }, 'body.capacity'],
		['a status (registration always starts active)', { ...full, status: 'inactive' }, 'body.status']
	])('rejects %s', (_what, body, field) => {
		l.reset().reject(alice, 'node.register', body, 'E_SCHEMA', field);
	});
});

describe('node.update', () => {
	it('changes only the fields given and records the height', () => {
		l.reset().apply(alice, 'node.register', full);
		l.at(7).apply(alice, 'node.update', { capacity: 900, status: 'inactive' });
		expect(getNode(l.state, toHex(alice.publicKey))).toEqual({ ...full, capacity: 900, status: 'inactive', since: 1, updated: 7 });
		l.apply(alice, 'node.update', { status: 'active', name: 'renamed' });
		expect(getNode(l.state, toHex(alice.publicKey))).toMatchObject({ name: 'renamed', status: 'active' });
	});

	it('null removes an optional field', () => {
		l.reset().apply(alice, 'node.register', full);
		l.apply(alice, 'node.update', { endpoint: null, region: null });
		const node = getNode(l.state, toHex(alice.publicKey))!;
		expect('endpoint' in node || 'region' in node).toBe(false);
	});

	it('only the owner changes a node: another member has none to update', () => {
		l.reset().apply(alice, 'node.register', full);
		l.reject(bob, 'node.update', { status: 'inactive' }, 'E_TX_NOT_ALLOWED', 'from');
		expect(getNode(l.state, toHex(alice.publicKey))!.status).toBe('active');
	});

	it('rejects an update that changes nothing', () => {
		l.reset().apply(alice, 'node.register', full);
		l.reject(alice, 'node.update', {}, 'E_SCHEMA', 'body');
	});

	it.each([
		['an unknown status', { status: 'paused' }, 'body.status'],
		['null for a required field', { capacity: null }, 'body.capacity'],
		['a bad endpoint', { endpoint: 'nope' }, 'body.endpoint'],
		['an unknown field', { owner: 'x' }, 'body.owner']
	])('rejects %s', (_what, body, field) => {
		l.reset().apply(alice, 'node.register', full);
		l.reject(alice, 'node.update', body, 'E_SCHEMA', field);
	});
});
