/** The genesis block: create/open round trip, every field committed, the chain id. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createGenesis, genesisCommitment, genesisToEncodable, openGenesis, readGenesis, type GenesisConfig } from '../../../src/lib/core/genesis.js';
import { blockHash, blockHashHex, decodeBlock, encodeBlock, type Block } from '../../../src/lib/core/block/block.js';
import { Chain, verifyBlock } from '../../../src/lib/core/chain.js';
import { nobleVerifier } from '../../../src/lib/core/verify.js';
import { encode, type Encodable } from '../../../src/lib/core/codec.js';
import { AgoraError } from '../../../src/lib/core/errors.js';
import { DEFAULT_PARAMS } from '../../../src/lib/core/params.js';
import { getParams } from '../../../src/lib/core/state/chainParams.js';
import { getAccount } from '../../../src/lib/core/state/accounts.js';
import { getMember } from '../../../src/lib/core/state/members.js';
import { getAuthorities } from '../../../src/lib/core/consensus/poa.js';
import { ZERO_HASH } from '../../../src/lib/core/hash.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { expectAgoraError, expectAgoraErrorAsync, genesisFor, key, keys, makeTx, openChain, resign, seal, T0 } from '../../helpers/community.js';

const founder = key(0);
const [a, b, c] = keys(3, 10) as [ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>];

const full = (): Block =>
	createGenesis({
		name: 'Garden club',
		time: T0,
		salt: new Uint8Array(16).fill(3),
		founder,
		founderName: 'Ada',
		engine: { name: 'poa', authorities: [c.publicKey, a.publicKey, b.publicKey] },
		params: { minFee: 2, treasuryFeePpm: 100_000 },
		members: [
			{ key: founder.publicKey, name: 'Ada' },
			{ key: a.publicKey, name: 'A' }
		],
		allocations: [
			{ key: a.publicKey, amount: 500 },
			{ key: b.publicKey, amount: 7 }
		]
	});

describe('genesis: create and open', () => {
	it('openGenesis returns the configuration createGenesis was given, and the same state', () => {
		const g = full();
		const { config, state, engine } = openGenesis(g);
		expect(config.name).toBe('Garden club');
		expect(config.time).toBe(T0);
		expect(toHex(config.salt)).toBe('03'.repeat(16));
		expect(config.params).toEqual({ ...DEFAULT_PARAMS, minFee: 2, treasuryFeePpm: 100_000 });
		expect(config.members.map((m) => [toHex(m.key), m.name])).toEqual([
			[toHex(founder.publicKey), 'Ada'],
			[toHex(a.publicKey), 'A']
		]);
		expect(config.allocations.map((x) => [toHex(x.key), x.amount])).toEqual([
			[toHex(a.publicKey), 500],
			[toHex(b.publicKey), 7]
		]);
		expect(engine.name).toBe('poa');
		expect(toHex(state.root())).toBe(toHex(g.header.stateRoot));
		expect(getParams(state)).toEqual(config.params);
		expect(getAccount(state, toHex(a.publicKey)).balance).toBe(500);
		expect(getMember(state, toHex(a.publicKey))).toMatchObject({ name: 'A', since: 0 });
		expect(getMember(state, toHex(b.publicKey))).toBeUndefined();
		// Authorities are kept sorted, whatever order the genesis lists them in.
		expect(getAuthorities(state)).toEqual([a, b, c].map((k) => toHex(k.publicKey)).sort());
	});

	it('the genesis header: height 0, zero chain and parent, empty clock, time from the config, txRoot the config commitment', () => {
		const g = full();
		const h = g.header;
		expect(h.height).toBe(0);
		expect(toHex(h.chain)).toBe(toHex(ZERO_HASH));
		expect(toHex(h.parent)).toBe(toHex(ZERO_HASH));
		expect(h.clock).toEqual({});
		expect(h.time).toBe(T0);
		expect(toHex(h.proposer)).toBe(toHex(founder.publicKey));
		expect(toHex(h.txRoot)).toBe(toHex(genesisCommitment(openGenesis(g).config)));
		expect(g.txs).toEqual([]);
	});

	it('defaults: a proof-of-authority community with the founder as its only authority and member', () => {
		const g = genesisFor(founder);
		const { config, state } = openGenesis(g);
		expect(config.engine).toEqual({ name: 'poa', authorities: [founder.publicKey] });
		expect(config.params).toEqual(DEFAULT_PARAMS);
		expect(config.members.map((m) => m.name)).toEqual(['founder']);
		expect(config.allocations).toEqual([]);
		expect(getAuthorities(state)).toEqual([toHex(founder.publicKey)]);
	});

	it('survives encoding: decodeBlock(encodeBlock(g)) opens to the same chain id and state root', async () => {
		const g = full();
		const back = decodeBlock(encodeBlock(g));
		expect(blockHashHex(back.header)).toBe(blockHashHex(g.header));
		expect(toHex(openGenesis(back).state.root())).toBe(toHex(g.header.stateRoot));
		const chain = Chain.open(await verifyBlock(back, nobleVerifier));
		expect(chain.chainIdHex).toBe(blockHashHex(g.header));
		expect(chain.height).toBe(0);
	});

	it('is deterministic: the same inputs give the same block and chain id', () => {
		expect(toHex(encodeBlock(full()))).toBe(toHex(encodeBlock(full())));
	});
});

describe('genesis: the chain id', () => {
	it('is the hash of the genesis header', async () => {
		const g = full();
		const chain = Chain.open(await verifyBlock(g, nobleVerifier));
		expect(toHex(chain.chainId)).toBe(toHex(blockHash(g.header)));
	});

	it('changes with the salt', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (s1, s2) => {
				fc.pre(toHex(s1) !== toHex(s2));
				const g1 = genesisFor(founder, { salt: s1 });
				const g2 = genesisFor(founder, { salt: s2 });
				expect(blockHashHex(g1.header)).not.toBe(blockHashHex(g2.header));
			}),
			{ numRuns: 20 }
		);
	});

	it.each<[string, Partial<Parameters<typeof genesisFor>[1]>]>([
		['name', { name: 'Other community' }],
		['time', { time: T0 + 1 }],
		['a parameter', { params: { maxTxBytes: 1024 } }],
		['the members', { members: [{ key: founder.publicKey, name: 'someone else' }] }],
		['the allocations', { allocations: [{ key: founder.publicKey, amount: 1 }] }],
		['the engine', { engine: { name: 'poa', authorities: [founder.publicKey, a.publicKey] } }]
	])('changes with %s', (_name, extra) => {
		expect(blockHashHex(genesisFor(founder, extra).header)).not.toBe(blockHashHex(genesisFor(founder).header));
	});

	it('rejects a salt longer than 64 bytes', () => {
		expectAgoraError(() => genesisFor(founder, { salt: new Uint8Array(65) }), 'E_SCHEMA', 'genesis.salt');
	});
});

describe('genesis: a tampered genesis is rejected', () => {
	/** The configuration with one field replaced by a different but well-formed value. */
	const tamperings: Array<[string, (g: Record<string, Encodable>) => Record<string, Encodable>]> = [
		['name', (g) => ({ ...g, name: 'Garden club!' })],
		['time', (g) => ({ ...g, time: T0 + 1 })],
		['salt', (g) => ({ ...g, salt: new Uint8Array(16).fill(4) })],
		['engine authorities', (g) => ({ ...g, engine: { name: 'poa', authorities: [a.publicKey] } })],
		['params.minFee', (g) => ({ ...g, params: { ...(g.params as Record<string, Encodable>), minFee: 0 } })],
		['params.treasuryFeePpm', (g) => ({ ...g, params: { ...(g.params as Record<string, Encodable>), treasuryFeePpm: 0 } })],
		['members (a name)', (g) => ({ ...g, members: [{ key: founder.publicKey, name: 'Eve' }, { key: a.publicKey, name: 'A' }] })],
		['members (one added)', (g) => ({ ...g, members: [...(g.members as Encodable[]), { key: c.publicKey, name: 'C' }] })],
		['allocations (an amount)', (g) => ({ ...g, allocations: [{ key: a.publicKey, amount: 5000 }, { key: b.publicKey, amount: 7 }] })],
		['allocations (removed)', (g) => ({ ...g, allocations: [] })]
	];

	it.each(tamperings)('%s', (name, change) => {
		const g = full();
		const tampered: Block = { ...g, genesis: change(g.genesis as Record<string, Encodable>) };
		// Still well-formed, so the commitment is what catches it.
		readGenesis(tampered.genesis);
		const e = expectAgoraError(() => openGenesis(tampered), 'E_GENESIS');
		// The time is also in the header, and is compared first; everything else is caught by the commitment.
		expect(e.field).toBe(name === 'time' ? 'header.time' : 'header.txRoot');
	});

	it.each<[string, Record<string, unknown>, string]>([
		['no name', { name: undefined }, 'genesis.name'],
		['an empty name', { name: '' }, 'genesis.name'],
		['an unknown field', { extra: 1 }, 'genesis.extra'],
		['an unknown engine', { engine: { name: 'pow9' } }, 'genesis.engine.name'],
		['a negative allocation', { allocations: [{ key: a.publicKey, amount: -1 }] }, 'genesis.allocations[0].amount'],
		['an unknown parameter', { params: { ...DEFAULT_PARAMS, extra: 1 } }, 'genesis.params.extra'],
		['a treasury share above 1e6 ppm', { params: { ...DEFAULT_PARAMS, treasuryFeePpm: 1_000_001 } }, 'genesis.params.treasuryFeePpm']
	])('a malformed configuration is rejected: %s', (_name, change, field) => {
		const g = full();
		const config = { ...(g.genesis as Record<string, unknown>), ...change };
		for (const k of Object.keys(config)) if (config[k] === undefined) delete config[k];
		let error: unknown;
		try {
			openGenesis({ ...g, genesis: config as Encodable });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(AgoraError);
		expect(['E_SCHEMA', 'E_GENESIS']).toContain((error as AgoraError).code);
		expect((error as AgoraError).field).toBe(field);
	});

	it.each<[string, Encodable, string]>([
		['no authorities', { name: 'poa', authorities: [] }, 'genesis.engine.authorities'],
		['a short authority key', { name: 'poa', authorities: [new Uint8Array(31)] }, 'genesis.engine.authorities[0]'],
		['authorities not a list', { name: 'poa', authorities: 'all' }, 'genesis.engine.authorities'],
		['an unknown engine setting', { name: 'poa', authorities: [founder.publicKey], period: 5 }, 'genesis.engine.period']
	])('the engine rejects its configuration when the community is created: %s', (_name, engine, field) => {
		let error: unknown;
		try {
			genesisFor(founder, { engine: engine as never });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(AgoraError);
		expect(['E_SCHEMA', 'E_GENESIS']).toContain((error as AgoraError).code);
		expect((error as AgoraError).field).toBe(field);
	});

	it.each<[string, (g: Block) => Block, string]>([
		['height 1', (g) => resign(g, founder, { height: 1 }), 'header.height'],
		['a non-zero parent', (g) => resign(g, founder, { parent: new Uint8Array(32).fill(1) }), 'header.parent'],
		['a non-zero chain', (g) => resign(g, founder, { chain: new Uint8Array(32).fill(1) }), 'header.parent'],
		['a different time', (g) => resign(g, founder, { time: T0 + 5 }), 'header.time'],
		['a different txRoot', (g) => resign(g, founder, { txRoot: new Uint8Array(32) }), 'header.txRoot'],
		['a non-empty clock', (g) => resign(g, founder, { clock: { x: 1 } }), 'header.clock'],
		['a different seal', (g) => resign(g, founder, { seal: { difficulty: 1 } }), 'header.seal'],
		['transactions', (g) => ({ ...g, txs: [{ chain: ZERO_HASH, from: founder.publicKey, nonce: 0, fee: 0, created: 0, expires: 1, kind: 'post', body: { text: 'x' }, sig: new Uint8Array(64) }] }), 'txs'],
		['no configuration', (g) => ({ header: g.header, txs: [] }), 'genesis']
	])('a header inconsistent with the configuration is rejected with E_GENESIS: %s', (_name, change, field) => {
		expectAgoraError(() => openGenesis(change(full())), 'E_GENESIS', field);
	});

	it('a wrong state root is rejected with E_BLOCK_STATE_ROOT', () => {
		const g = full();
		expectAgoraError(() => openGenesis(resign(g, founder, { stateRoot: new Uint8Array(32) })), 'E_BLOCK_STATE_ROOT', 'header.stateRoot');
	});

	it('a genesis with a bad signature is rejected by verifyBlock', async () => {
		const g = full();
		const forged: Block = { ...g, header: { ...g.header, sig: resign(g, key(5), {}).header.sig } };
		await expectAgoraErrorAsync(() => verifyBlock(forged, nobleVerifier), 'E_BLOCK_SIGNATURE', 'header.sig');
	});

	it('any single changed byte of the encoded genesis block makes it fail to decode, to open or to verify', async () => {
		const g = full();
		const bytes = encodeBlock(g);
		await fc.assert(
			fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (at, delta) => {
				const t = bytes.slice();
				const i = at % t.length;
				t[i] = (t[i]! + delta) & 0xff;
				let opened = false;
				try {
					const block = decodeBlock(t);
					openGenesis(block);
					await verifyBlock(block, nobleVerifier);
					opened = true;
				} catch (e) {
					expect(e).toBeInstanceOf(AgoraError);
				}
				expect(opened, `byte ${i} changed by ${delta}`).toBe(false);
			}),
			{ numRuns: 150 }
		);
	});

	it('the untampered encoding opens and verifies (the property above is not vacuous)', async () => {
		const g = full();
		const block = decodeBlock(encodeBlock(g));
		expect(toHex(openGenesis(block).state.root())).toBe(toHex(g.header.stateRoot));
		expect((await verifyBlock(block, nobleVerifier)).block).toBe(block);
	});

	it('genesisToEncodable and readGenesis are inverse', () => {
		const config: GenesisConfig = openGenesis(full()).config;
		expect(readGenesis(genesisToEncodable(config))).toEqual(config);
		expect(toHex(encode(genesisToEncodable(readGenesis(genesisToEncodable(config)))))).toBe(toHex(encode(genesisToEncodable(config))));
	});
});

describe('genesis: the member grant', () => {
	it('founding members receive it at genesis and every member admitted later on admission; absent, nobody does', async () => {
		const newcomer = key(20);
		const chain = await openChain(genesisFor(founder, { memberGrant: 250 }));
		expect(getAccount(chain.state, toHex(founder.publicKey)).balance).toBe(250);
		await seal(chain, founder, [makeTx(chain, newcomer, 0, 'member.join', { name: 'Newcomer' })], T0 + 2000);
		expect(getAccount(chain.state, toHex(newcomer.publicKey)).balance).toBe(250);
		const plain = await openChain(genesisFor(founder));
		expect(getAccount(plain.state, toHex(founder.publicKey)).balance).toBe(0);
		expect(readGenesis(genesisToEncodable(openGenesis(genesisFor(founder, { memberGrant: 250 })).config)).memberGrant).toBe(250);
		expectAgoraError(() => readGenesis({ ...(genesisFor(founder).genesis as Record<string, Encodable>), memberGrant: 0 }), 'E_SCHEMA', 'genesis.memberGrant');
	});
});
