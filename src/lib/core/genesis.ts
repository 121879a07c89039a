/**
 * The genesis block: a community's founding document (name, consensus engine
 * and its authorities or validators, parameters, founding members, initial
 * balances) committed to by the genesis header and signed by the founder.
 * The chain id of the community is the genesis block's hash.
 */
import { equalBytes as equal, toHex, type Bytes } from './bytes.js';
import { encode, type Encodable } from './codec.js';
import { AgoraError, fail } from './errors.js';
import { hash, ZERO_HASH } from './hash.js';
import type { KeyPair } from './keys.js';
import { DEFAULT_PARAMS, paramsToEncodable, readParams, type ChainParams } from './params.js';
import * as s from './schema.js';
import { credit } from './state/accounts.js';
import { admit, readName, setMemberGrant } from './state/members.js';
import { StateTree } from './state/tree.js';
import { engineFor, type ConsensusEngine } from './consensus/index.js';
import { signHeader, type Block, type UnsignedHeader } from './block/block.js';
import { putParams } from './state/chainParams.js';
import { ALL_CONTRACTS, setEnabledContracts } from './state/contracts/builtins.js';
import { POLICY_NAMES, putGenesisPolicy, readPolicy, type PolicyName, type Policies } from './state/policy.js';
import { daoConfigToEncodable, DEFAULT_DAO, putDaoConfig, readDaoConfig, type DaoConfig } from './state/dao/config.js';

export interface GenesisMember {
	readonly key: Bytes;
	readonly name: string;
}

export interface GenesisConfig {
	readonly name: string;
	readonly time: number;
	/** Random bytes, so two communities with the same name and time differ. */
	readonly salt: Bytes;
	/** Engine name and engine-specific settings, e.g. `{ name: 'poa', authorities: [...] }`. */
	readonly engine: { readonly name: string } & Record<string, Encodable>;
	readonly params: ChainParams;
	readonly members: readonly GenesisMember[];
	readonly allocations: ReadonlyArray<{ readonly key: Bytes; readonly amount: number }>;
	/** Policies that differ from the defaults at genesis (fee, priority, routing, delivery). */
	readonly policies?: Partial<Policies>;
	/** The DAO's configuration, when it differs from the defaults (membership, weights, periods, thresholds). */
	readonly dao?: DaoConfig;
	/** New value every member receives on admission, founders included (see state/members.ts); none when absent. */
	readonly memberGrant?: number;
}

export const MAX_COMMUNITY_NAME_BYTES = 80;
/** The consensus engine's name, in state so that modules can ask which rules are in force. */
export const ENGINE_KEY = 'c/engine';

export function genesisToEncodable(c: GenesisConfig): Encodable {
	return {
		name: c.name,
		time: c.time,
		salt: c.salt,
		engine: c.engine,
		params: paramsToEncodable(c.params),
		members: c.members.map((m) => ({ key: m.key, name: m.name })),
		allocations: c.allocations.map((a) => ({ key: a.key, amount: a.amount })),
		...(c.policies ? { policies: c.policies as unknown as Encodable } : {}),
		...(c.dao ? { dao: daoConfigToEncodable(c.dao) } : {}),
		...(c.memberGrant ? { memberGrant: c.memberGrant } : {})
	};
}

export function readGenesis(value: unknown): GenesisConfig {
	const r = s.exactRecord(value, 'genesis', ['name', 'time', 'salt', 'engine', 'params', 'members', 'allocations', 'policies', 'dao', 'memberGrant'], ['policies', 'dao', 'memberGrant']);
	const engine = s.record(r.engine, 'genesis.engine');
	engineFor(engine.name);
	return {
		name: s.str(r.name, 'genesis.name', MAX_COMMUNITY_NAME_BYTES, 1),
		time: s.int(r.time, 'genesis.time'),
		salt: s.bytes(r.salt, 'genesis.salt', undefined, 64),
		engine: engine as GenesisConfig['engine'],
		params: readParams(r.params, 'genesis.params'),
		members: s.array(r.members, 'genesis.members', 10_000).map((m, i) => {
			const mr = s.exactRecord(m, `genesis.members[${i}]`, ['key', 'name']);
			return { key: s.bytes(mr.key, `genesis.members[${i}].key`, 32), name: readName(mr.name, `genesis.members[${i}].name`) };
		}),
		allocations: s.array(r.allocations, 'genesis.allocations', 10_000).map((a, i) => {
			const ar = s.exactRecord(a, `genesis.allocations[${i}]`, ['key', 'amount']);
			return { key: s.bytes(ar.key, `genesis.allocations[${i}].key`, 32), amount: s.int(ar.amount, `genesis.allocations[${i}].amount`) };
		}),
		...(r.policies === undefined ? {} : { policies: readGenesisPolicies(r.policies) }),
		...(r.dao === undefined ? {} : { dao: readDaoConfig(r.dao, 'genesis.dao') }),
		...(r.memberGrant === undefined ? {} : { memberGrant: s.int(r.memberGrant, 'genesis.memberGrant', 1) })
	};
}

function readGenesisPolicies(value: unknown): Partial<Policies> {
	const r = s.record(value, 'genesis.policies');
	const out: Partial<Record<PolicyName, unknown>> = {};
	for (const [name, policy] of Object.entries(r)) {
		const known = s.oneOf(name, 'genesis.policies', POLICY_NAMES);
		out[known] = readPolicy(known, policy, `genesis.policies.${known}`);
	}
	return out as Partial<Policies>;
}

export function genesisCommitment(config: GenesisConfig): Bytes {
	return hash('genesis', encode(genesisToEncodable(config)));
}

/** The state before the first block: parameters, members, balances and the engine's own state. */
export function genesisState(config: GenesisConfig): { state: StateTree; engine: ConsensusEngine } {
	const engine = engineFor(config.engine.name);
	const state = new StateTree();
	putParams(state, config.params);
	if (config.memberGrant) setMemberGrant(state, config.memberGrant);
	for (const m of config.members) admit(state, toHex(m.key), m.name, 0);
	for (const a of config.allocations) credit(state, toHex(a.key), a.amount);
	for (const name of POLICY_NAMES) {
		const policy = config.policies?.[name];
		if (policy) putGenesisPolicy(state, name, policy);
	}
	setEnabledContracts(state, ALL_CONTRACTS);
	if (config.dao) putDaoConfig(state, config.dao);
	state.put(ENGINE_KEY, engine.name);
	engine.genesis(config.engine, state);
	state.takeJournal();
	return { state, engine };
}

export interface NewCommunity {
	readonly name: string;
	readonly time: number;
	readonly salt: Bytes;
	readonly founder: KeyPair;
	readonly founderName: string;
	readonly engine?: GenesisConfig['engine'];
	readonly params?: Partial<ChainParams>;
	readonly members?: readonly GenesisMember[];
	readonly allocations?: GenesisConfig['allocations'];
	readonly policies?: Partial<Policies>;
	/** DAO settings that differ from the defaults. */
	readonly dao?: Partial<DaoConfig>;
	readonly memberGrant?: number;
}

/** Makes and signs a genesis block; by default a proof-of-authority community with the founder as its authority. */
export function createGenesis(opts: NewCommunity): Block {
	const config: GenesisConfig = {
		name: opts.name,
		time: opts.time,
		salt: opts.salt,
		engine: opts.engine ?? { name: 'poa', authorities: [opts.founder.publicKey] },
		params: { ...DEFAULT_PARAMS, ...opts.params },
		members: opts.members ?? [{ key: opts.founder.publicKey, name: opts.founderName }],
		allocations: opts.allocations ?? [],
		...(opts.policies ? { policies: opts.policies } : {}),
		...(opts.dao ? { dao: { ...DEFAULT_DAO, ...opts.dao } } : {}),
		...(opts.memberGrant ? { memberGrant: opts.memberGrant } : {})
	};
	const checked = readGenesis(genesisToEncodable(config));
	const { state, engine } = genesisState(checked);
	const header: UnsignedHeader = {
		chain: ZERO_HASH,
		height: 0,
		parent: ZERO_HASH,
		time: checked.time,
		proposer: opts.founder.publicKey,
		txRoot: genesisCommitment(checked),
		stateRoot: state.root(),
		clock: {},
		seal: engine.genesisSeal(checked.engine)
	};
	return { header: signHeader(header, opts.founder), txs: [], genesis: genesisToEncodable(checked) };
}

/** Checks a genesis block's own consistency (not its signature) and returns its configuration and state. */
export function openGenesis(block: Block): { config: GenesisConfig; state: StateTree; engine: ConsensusEngine } {
	const h = block.header;
	if (h.height !== 0) fail('E_GENESIS', 'header.height', h.height, 'must be 0 in the genesis block');
	if (block.genesis === undefined) throw new AgoraError('E_GENESIS', 'the genesis block carries no configuration', 'genesis');
	if (block.txs.length !== 0) fail('E_GENESIS', 'txs', block.txs.length, 'must be empty in the genesis block');
	const config = readGenesis(block.genesis);
	if (!equal(h.chain, ZERO_HASH) || !equal(h.parent, ZERO_HASH)) fail('E_GENESIS', 'header.parent', h.parent, 'must be all zeros in the genesis block');
	if (h.time !== config.time) fail('E_GENESIS', 'header.time', h.time, `must equal the genesis time ${config.time}`);
	if (!equal(h.txRoot, genesisCommitment(config))) fail('E_GENESIS', 'header.txRoot', h.txRoot, 'does not commit to the genesis configuration');
	if (Object.keys(h.clock).length !== 0) fail('E_GENESIS', 'header.clock', h.clock, 'must be empty in the genesis block');
	const { state, engine } = genesisState(config);
	if (!equal(h.stateRoot, state.root())) fail('E_BLOCK_STATE_ROOT', 'header.stateRoot', h.stateRoot, 'does not match the genesis state');
	if (!equal(encode(h.seal), encode(engine.genesisSeal(config.engine)))) fail('E_GENESIS', 'header.seal', h.seal, 'is not the engine\'s genesis seal');
	return { config, state, engine };
}

