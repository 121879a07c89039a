/**
 * `agora genesis`: founds a community from the command line: a signed
 * genesis block (engine, authorities or validators, allocations, chain
 * parameters), written as a one-block export that `agora verify` checks.
 */
import { randomBytes } from 'node:crypto';
import { fromHex, toHex, type Bytes } from '../../lib/core/bytes.js';
import { ENGINE_NAMES, type EngineName } from '../../lib/core/consensus/engine.js';
import { AgoraError } from '../../lib/core/errors.js';
import { createGenesis, type GenesisConfig, type GenesisMember } from '../../lib/core/genesis.js';
import { blockHashHex } from '../../lib/core/block/block.js';
import { exportChunks } from '../../lib/core/export/writer.js';
import { DEFAULT_PARAMS, type ChainParams } from '../../lib/core/params.js';
import { CliError, UsageError, choiceFlag, intFlag, type Command, type FlagSpecs } from '../command.js';
import { writeOutput } from '../files.js';
import { publicKeyArg, readKeyFile } from '../keyfile.js';

const flags = {
	name: { type: 'string', arg: '<name>', help: 'the community\'s name (required)' },
	key: { type: 'string', arg: '<keyfile>', help: 'the founder\'s key file, which signs the genesis block (required)' },
	engine: { type: 'string', arg: '<engine>', help: `consensus: ${ENGINE_NAMES.join(', ')} (default poa)` },
	authority: { type: 'string', arg: '<hex|keyfile>', multiple: true, help: 'a proof-of-authority authority (repeatable; default the founder)' },
	validator: { type: 'string', arg: '<hex|keyfile>[=<stake>]', multiple: true, help: 'a validator, with its stake under pos (repeatable; default the founder)' },
	allocate: { type: 'string', arg: '<hex|keyfile>=<amount>', multiple: true, help: 'an initial balance (repeatable)' },
	param: { type: 'string', arg: '<name>=<value>', multiple: true, help: `a chain parameter (repeatable): ${Object.keys(DEFAULT_PARAMS).join(', ')}` },
	'min-stake': { type: 'string', arg: '<amount>', help: 'pos: the least stake a validator needs (default 1)' },
	difficulty: { type: 'string', arg: '<n>', help: 'pow: the starting difficulty, in expected hashes per block (default 1000)' },
	'retarget-blocks': { type: 'string', arg: '<n>', help: 'pow: blocks between difficulty adjustments (default 10)' },
	'finality-depth': { type: 'string', arg: '<n>', help: 'pow: confirmations after which a block is final (default 6)' },
	'founder-name': { type: 'string', arg: '<name>', help: 'the founder\'s member name (default founder)' },
	time: { type: 'string', arg: '<ms>', help: 'the genesis time in milliseconds since 1970 (default now)' },
	salt: { type: 'string', arg: '<hex>', help: 'up to 64 bytes that make the chain id unique (default 16 random bytes)' },
	out: { type: 'string', arg: '<file>', help: 'where to write the genesis export (default genesis.agora)' }
} as const satisfies FlagSpecs;

type Options = Parameters<Command<typeof flags>['run']>[0];

const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
/** Which flags each engine reads; any other engine flag is a mistake worth saying so. */
const ENGINE_FLAGS: Readonly<Record<EngineName, readonly (keyof typeof flags)[]>> = {
	poa: ['authority'],
	pos: ['validator', 'min-stake'],
	pow: ['difficulty', 'retarget-blocks', 'finality-depth'],
	fba: ['validator']
};
const ALL_ENGINE_FLAGS = [...new Set(Object.values(ENGINE_FLAGS).flat())];

/** A `=<stake>` after a validator's key, as proof of stake takes and federated agreement does not. */
const STAKE_SUFFIX = /=\d+$/;

/** Splits `left=right` at the last `=`, so that a key file's path may itself hold one. */
function pair(flag: string, value: string, right: string): [string, string] {
	const at = value.lastIndexOf('=');
	if (at <= 0) throw new UsageError('genesis', `--${flag} must be <key>=<${right}> (got ${JSON.stringify(value)})`);
	return [value.slice(0, at), value.slice(at + 1)];
}

async function engineConfig(engine: EngineName, options: Options, founder: Bytes): Promise<{ config: GenesisConfig['engine']; sealers: Bytes[] }> {
	switch (engine) {
		case 'poa': {
			const authorities = await Promise.all((options.authority ?? []).map((v) => publicKeyArg('genesis', 'authority', v)));
			const sealers = authorities.length ? authorities : [founder];
			return { config: { name: 'poa', authorities: sealers }, sealers };
		}
		case 'pos': {
			const minStake = intFlag('genesis', 'min-stake', options['min-stake'], 1, MAX_AMOUNT, 1);
			const validators = await Promise.all(
				(options.validator ?? []).map(async (v) => {
					const [key, stake] = pair('validator', v, 'stake');
					return { key: await publicKeyArg('genesis', 'validator', key), stake: intFlag('genesis', 'validator', stake, 1, MAX_AMOUNT) };
				})
			);
			const list = validators.length ? validators : [{ key: founder, stake: minStake }];
			return { config: { name: 'pos', validators: list, minStake }, sealers: list.map((v) => v.key) };
		}
		case 'pow': {
			return {
				config: {
					name: 'pow',
					difficulty: intFlag('genesis', 'difficulty', options.difficulty, 1, MAX_AMOUNT, 1000),
					retargetBlocks: intFlag('genesis', 'retarget-blocks', options['retarget-blocks'], 1, MAX_AMOUNT, 10),
					finalityDepth: intFlag('genesis', 'finality-depth', options['finality-depth'], 1, MAX_AMOUNT, 6)
				},
				sealers: []
			};
		}
		case 'fba': {
			const validators = await Promise.all(
				(options.validator ?? []).map((v) => {
					if (STAKE_SUFFIX.test(v)) throw new UsageError('genesis', `--validator takes no stake under fba (got ${JSON.stringify(v)})`);
					return publicKeyArg('genesis', 'validator', v);
				})
			);
			const sealers = validators.length ? validators : [founder];
			return { config: { name: 'fba', validators: sealers }, sealers };
		}
	}
}

function params(values: readonly string[]): Partial<ChainParams> {
	const out: Record<string, number> = {};
	for (const v of values) {
		const [name, value] = pair('param', v, 'value');
		if (!Object.hasOwn(DEFAULT_PARAMS, name)) throw new UsageError('genesis', `--param ${JSON.stringify(name)} is not a chain parameter (one of ${Object.keys(DEFAULT_PARAMS).join(', ')})`);
		out[name] = intFlag('genesis', `param ${name}`, value, 0, MAX_AMOUNT);
	}
	return out;
}

/** The flag a genesis validation error is about, from the field it names. */
const FIELD_FLAGS: ReadonlyArray<readonly [RegExp, string]> = [
	[/^genesis\.name/, 'name'],
	[/^genesis\.params\.(\w+)/, 'param'],
	[/^genesis\.allocations/, 'allocate'],
	[/^genesis\.salt/, 'salt'],
	[/^genesis\.engine\.authorities/, 'authority'],
	[/^genesis\.engine\.validators/, 'validator'],
	[/^genesis\.engine\.minStake/, 'min-stake'],
	[/^genesis\.engine\.difficulty/, 'difficulty'],
	[/^genesis\.engine\.retargetBlocks/, 'retarget-blocks'],
	[/^genesis\.engine\.finalityDepth/, 'finality-depth'],
	[/^genesis\.members\[0\]\.name/, 'founder-name']
];

function asUsageError(error: AgoraError): CliError {
	const flag = FIELD_FLAGS.find(([pattern]) => pattern.test(error.field ?? ''))?.[1];
	return flag ? new UsageError('genesis', `--${flag}: ${error.message}`) : new CliError('genesis', error.message);
}

export const genesis: Command<typeof flags> = {
	name: 'genesis',
	summary: 'found a community: write its signed genesis block as an export',
	flags,
	async run(options, io) {
		if (options.name === undefined) throw new UsageError('genesis', '--name is required');
		if (options.key === undefined) throw new UsageError('genesis', '--key is required');
		const engine = choiceFlag('genesis', 'engine', options.engine, ENGINE_NAMES, 'poa');
		const stray = ALL_ENGINE_FLAGS.find((f) => options[f] !== undefined && !ENGINE_FLAGS[engine].includes(f));
		if (stray) throw new UsageError('genesis', `--${stray} does not apply to --engine ${engine}`);
		const time = intFlag('genesis', 'time', options.time, 0, MAX_AMOUNT, Date.now());
		const salt = options.salt === undefined ? new Uint8Array(randomBytes(16)) : hexFlag('salt', options.salt);
		const founder = await readKeyFile('genesis', 'key', options.key);
		const { config, sealers } = await engineConfig(engine, options, founder.publicKey);
		const founderName = options['founder-name'] ?? 'founder';
		const members: GenesisMember[] = [{ key: founder.publicKey, name: founderName }];
		for (const key of sealers) {
			if (!members.some((m) => toHex(m.key) === toHex(key))) members.push({ key, name: `${engine === 'poa' ? 'authority' : 'validator'} ${members.length}` });
		}
		const allocations = await Promise.all(
			(options.allocate ?? []).map(async (v) => {
				const [key, amount] = pair('allocate', v, 'amount');
				return { key: await publicKeyArg('genesis', 'allocate', key), amount: intFlag('genesis', 'allocate', amount, 0, MAX_AMOUNT) };
			})
		);
		let block;
		try {
			block = createGenesis({ name: options.name, time, salt, founder, founderName, engine: config, params: params(options.param ?? []), members, allocations });
		} catch (error) {
			if (error instanceof AgoraError) throw asUsageError(error);
			throw error;
		}
		const out = options.out ?? 'genesis.agora';
		const bytes = await writeOutput('genesis', out, exportChunks([block]));
		io.out(`chain ${blockHashHex(block.header)} "${options.name}" (${engine}), genesis written to ${out} (${bytes} bytes)`);
		return 0;
	}
};

function hexFlag(flag: string, value: string): Bytes {
	try {
		return fromHex(value, flag);
	} catch {
		throw new UsageError('genesis', `--${flag} must be hex (got ${JSON.stringify(value)})`);
	}
}
