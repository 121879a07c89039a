/**
 * The chain commands in-process through main(): keygen, genesis, verify,
 * proof and verify-proof, their usage errors (exit 2, one line naming the
 * flag and value), and the property that any changed byte or truncation of
 * an export makes verify exit 1. Real processes are in spawn.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { main } from '../../../src/cli/main.js';
import { parseCommandLine, UsageError } from '../../../src/cli/command.js';
import { keyFileJson } from '../../../src/cli/keyfile.js';
import { blockHashHex } from '../../../src/lib/core/block/block.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { keyPairFromSeed } from '../../../src/lib/core/keys.js';
import { key, resign } from '../../helpers/community.js';
import { founder, smallChain } from './fixtures.js';
import { encodeExport } from '../../../src/lib/core/export/writer.js';
import { DEFAULT_DAO } from '../../../src/lib/core/state/dao/config.js';
import { governanceSummary } from '../../../src/lib/core/state/dao/queries.js';
import { SETTING_NAMES } from '../../../src/lib/core/state/dao/settings.js';
import { queueSummary } from '../../../src/lib/core/state/queue/queries.js';

const dir = mkdtempSync(join(tmpdir(), 'agora-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string): string => join(dir, name);

async function agora(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
	return { code, out, err };
}

const fixture = await smallChain(4);
const exportFile = path('fixture.agora');
writeFileSync(exportFile, fixture.bytes);
const keyFile = (name: string, n: number): string => {
	const file = path(name);
	writeFileSync(file, JSON.stringify(keyFileJson(key(n))));
	return file;
};
const founderKey = keyFile('founder.json', 0);
const otherKey = keyFile('other.json', 1);

describe('help', () => {
	it('lists every command, and each has its own help', async () => {
		const { code, out } = await agora('help');
		expect(code).toBe(0);
		const names = ['serve', 'relay', 'keygen', 'genesis', 'simulate', 'verify', 'proof', 'verify-proof'];
		for (const name of names) {
			expect(out.join('\n')).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
			const one = await agora('help', name);
			expect(one.code).toBe(0);
			expect(one.out[0]).toMatch(new RegExp(`^Usage: agora ${name}`));
		}
		expect((await agora('verify', '--help')).out[0]).toBe('Usage: agora verify <file> [--json]');
		expect((await agora('help', 'proof')).out[0]).toBe('Usage: agora proof <file> <tx> [--out <file>]');
		expect((await agora('help', 'genesis')).out[0]).toMatch(/ \[--authority <hex\|keyfile>\]… /);
	});
});

describe('usage errors exit 2 with one line naming the flag and value', () => {
	const cases: [string[], string][] = [
		[['verify'], 'agora verify: missing <file> (see "agora help verify")'],
		[['verify', path('absent.agora')], `agora verify: no such file ${JSON.stringify(path('absent.agora'))} (see "agora help verify")`],
		[['verify', dir], `agora verify: ${JSON.stringify(dir)} is a directory, not a file (see "agora help verify")`],
		[['verify', 'a', 'b'], 'agora verify: unexpected argument "b" (see "agora help verify")'],
		[['verify', 'a', '--jsn'], 'agora verify: unknown option --jsn (see "agora help verify")'],
		[['proof', 'a'], 'agora proof: missing <tx> (see "agora help proof")'],
		[['proof', 'a', 'xyz'], 'agora proof: <tx> must be a transaction id (64 hex digits) or <height>:<index> (got "xyz") (see "agora help proof")'],
		[['verify-proof'], 'agora verify-proof: missing <proof> (see "agora help verify-proof")'],
		[['simulate', '--nodes', 'x', '--blocks', '3', '--consensus', 'poa', '--seed', '1', '--out', 'f'], 'agora simulate: --nodes must be an integer from 1 to 9007199254740991 (got "x") (see "agora help simulate")'],
		[['simulate', '--nodes', '3', '--blocks', '0', '--consensus', 'poa', '--seed', '1', '--out', 'f'], 'agora simulate: --blocks must be an integer from 1 to 9007199254740991 (got "0") (see "agora help simulate")'],
		[['simulate', '--nodes', '5000', '--blocks', '3', '--consensus', 'poa', '--seed', '1', '--out', 'f'], 'agora simulate: --nodes: nodes must be at most 1000 (got 5000) (see "agora help simulate")'],
		[['simulate', '--nodes', '3', '--blocks', '3', '--consensus', 'raft', '--seed', '1', '--out', 'f'], 'agora simulate: --consensus must be one of poa, pos, pow, fba (got "raft") (see "agora help simulate")'],
		[['simulate', '--nodes', '3', '--blocks', '3', '--consensus', 'poa', '--seed=-1', '--out', 'f'], 'agora simulate: --seed must be an integer from 0 to 9007199254740991 (got "-1") (see "agora help simulate")'],
		[['simulate', '--nodes', '3', '--blocks', '3', '--consensus', 'poa', '--seed', '1'], 'agora simulate: --out is required (see "agora help simulate")'],
		[['genesis', '--key', founderKey], 'agora genesis: --name is required (see "agora help genesis")'],
		[['genesis', '--name', 'x'], 'agora genesis: --key is required (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', path('nokey.json')], `agora genesis: --key: no such file ${JSON.stringify(path('nokey.json'))} (see "agora help genesis")`],
		[['genesis', '--name', 'x', '--key', founderKey, '--engine', 'raft'], 'agora genesis: --engine must be one of poa, pos, pow, fba (got "raft") (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--authority', 'zz'], 'agora genesis: --authority: no such file "zz" (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--difficulty', '5'], 'agora genesis: --difficulty does not apply to --engine poa (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--engine', 'pos', '--validator', otherKey], `agora genesis: --validator must be <key>=<stake> (got ${JSON.stringify(otherKey)}) (see "agora help genesis")`],
		[['genesis', '--name', 'x', '--key', founderKey, '--engine', 'pos', '--validator', `${otherKey}=0`], 'agora genesis: --validator must be an integer from 1 to 9007199254740991 (got "0") (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--param', 'speed=3'], 'agora genesis: --param "speed" is not a chain parameter (one of blockTimeMs, maxBlockTxs, maxBlockBytes, maxTxBytes, maxTxLifetimeMs, maxFutureDriftMs, medianTimeBlocks, minFee, treasuryFeePpm) (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--param', 'blockTimeMs=0'], 'agora genesis: --param: genesis.params.blockTimeMs must be at least 1 (got 0) (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--allocate', `${'ab'.repeat(32)}=1.5`], 'agora genesis: --allocate must be an integer from 0 to 9007199254740991 (got "1.5") (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--engine', 'pow', '--retarget-blocks', '20000'], 'agora genesis: --retarget-blocks: genesis.engine.retargetBlocks must be at most 10000 (got 20000) (see "agora help genesis")'],
		[['genesis', '--name', 'x', '--key', founderKey, '--salt', 'xyz'], 'agora genesis: --salt must be hex (got "xyz") (see "agora help genesis")'],
		[['genesis', '--name', '', '--key', founderKey], 'agora genesis: --name: genesis.name must have at least 1 characters (got "") (see "agora help genesis")']
	];
	it.each(cases)('%j', async (argv, message) => {
		const { code, out, err } = await agora(...argv);
		expect(err).toEqual([message]);
		expect(code).toBe(2);
		expect(out).toEqual([]);
	});
});

describe('parseCommandLine', () => {
	const specs = { tag: { type: 'string', help: 'a tag', multiple: true }, json: { type: 'boolean', help: 'json' } } as const;
	const args = [
		{ name: 'file', help: 'a file' },
		{ name: 'more', help: 'optional', optional: true }
	] as const;
	it('reads positional arguments and repeated flags, in order', () => {
		expect(parseCommandLine('x', ['a', '--tag', 'one', 'b', '--tag=two', '--json'], specs, args)).toEqual({ flags: { tag: ['one', 'two'], json: true }, args: ['a', 'b'] });
		expect(parseCommandLine('x', ['a'], specs, args)).toEqual({ flags: {}, args: ['a'] });
		expect(parseCommandLine('x', ['--', '-'], specs, args)).toEqual({ flags: {}, args: ['-'] });
	});
	it('names a missing or an extra argument', () => {
		expect(() => parseCommandLine('x', [], specs, args)).toThrow(new UsageError('x', 'missing <file>'));
		expect(() => parseCommandLine('x', ['a', 'b', 'c'], specs, args)).toThrow(new UsageError('x', 'unexpected argument "c"'));
	});
});

describe('agora keygen', () => {
	it('writes a key file only its owner can read, prints the public key, and never replaces a file', async () => {
		const file = path('new-key.json');
		const { code, out } = await agora('keygen', '--out', file);
		expect(code).toBe(0);
		const json = JSON.parse(readFileSync(file, 'utf8'));
		expect(out).toEqual([json.publicKey]);
		expect(toHex(keyPairFromSeed(Buffer.from(json.secretKey, 'hex')).publicKey)).toBe(json.publicKey);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		const again = await agora('keygen', '--out', file);
		expect(again.code).toBe(1);
		expect(again.err).toEqual([`agora keygen: ${JSON.stringify(file)} already exists; not replacing it`]);
		expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(json);
	});
});

describe('agora genesis', () => {
	it.each([
		['poa', ['--authority', otherKey, '--authority', toHex(founder.publicKey)]],
		['pos', ['--validator', `${otherKey}=50`, '--min-stake', '10']],
		['pow', ['--difficulty', '50', '--retarget-blocks', '5', '--finality-depth', '3']],
		['fba', ['--validator', otherKey, '--validator', founderKey]]
	])('founds a %s community that verifies', async (engine, extra) => {
		const out = path(`genesis-${engine}.agora`);
		const args = ['genesis', '--name', `A ${engine} community`, '--key', founderKey, '--engine', engine, ...extra, '--allocate', `${otherKey}=1000`, '--param', 'blockTimeMs=2000', '--time', '1750000000000', '--salt', '0102', '--out', out];
		const made = await agora(...args);
		expect(made.err).toEqual([]);
		expect(made.code).toBe(0);
		const verified = await agora('verify', out, '--json');
		expect(verified.code).toBe(0);
		const summary = JSON.parse(verified.out.join('\n'));
		expect(summary).toMatchObject({ valid: true, chain: { name: `A ${engine} community`, engine, genesisTime: 1_750_000_000_000 }, head: { height: 0 }, file: { blocks: 1 } });
		expect(made.out).toEqual([`chain ${summary.chain.id} "A ${engine} community" (${engine}), genesis written to ${out} (${summary.file.bytes} bytes)`]);
		// With the time and salt given, the same command writes the same bytes.
		const first = readFileSync(out);
		expect((await agora(...args)).code).toBe(0);
		expect(readFileSync(out).equals(first)).toBe(true);
	});
});

describe('agora verify', () => {
	it('prints the summary of a valid export', async () => {
		const { code, out, err } = await agora('verify', exportFile, '--json');
		expect(err).toEqual([]);
		expect(code).toBe(0);
		const c = fixture.chain;
		const summary = JSON.parse(out.join('\n'));
		expect(summary).toEqual({
			valid: true,
			file: { format: 1, blocks: 5, bytes: fixture.bytes.length },
			chain: { id: c.chainIdHex, name: c.config.name, engine: 'poa', genesisTime: c.config.time },
			head: { height: 4, hash: c.head.hash, time: c.head.header.time, stateRoot: toHex(c.head.header.stateRoot) },
			finalized: { height: c.finalized.height, hash: c.finalized.hash },
			transactions: { total: 7, byKind: { 'member.join': 1, post: 6 } },
			governance: JSON.parse(JSON.stringify(governanceSummary(c.state))),
			queue: JSON.parse(JSON.stringify(queueSummary(c.state)))
		});
		// No proposal or message in this chain; the founder and the member who joined.
		expect(summary.governance).toMatchObject({ proposals: 0, ballots: 0, delegations: 0, members: 2, treasury: 0, upgrade: null, config: DEFAULT_DAO });
		expect(summary.governance.settings.map((x: { proposal: string | null }) => x.proposal)).toEqual(SETTING_NAMES.map(() => null));
		expect(summary.queue).toMatchObject({ messages: 0, deliveries: 0, acked: 0, nacked: 0, deadLettered: 0, expired: 0, feesCollected: 0 });
		const text = await agora('verify', exportFile);
		expect(text.code).toBe(0);
		expect(text.out[0]).toBe('valid');
		expect(text.out).toContain(`  head          height 4, hash ${c.head.hash}, state root ${toHex(c.head.header.stateRoot)}`);
		expect(text.out).toContain('  transactions  7 (member.join 1, post 6)');
		expect(text.out).toContain('  governance    0 proposals, 0 ballots, 0 delegations, 2 members, treasury 0, settings by proposal: none');
		expect(text.out).toContain('  queue         0 messages, 0 deliveries, fees 0');
	});

	it('exits 1 naming the first bad block and transaction, and why', async () => {
		const b = fixture.blocks[3]!;
		const bad = encodeExport(fixture.blocks.map((x, i) => (i === 3 ? resign(b, founder, { stateRoot: new Uint8Array(32) }) : x)));
		const file = path('bad-root.agora');
		writeFileSync(file, bad);
		const text = await agora('verify', file);
		expect(text.code).toBe(1);
		expect(text.out).toEqual([]);
		expect(text.err).toHaveLength(1);
		expect(text.err[0]).toMatch(new RegExp(`^agora verify: ${file} is invalid: block 3 \\(record 3 at byte \\d+\\): header\\.stateRoot does not match .* \\[E_BLOCK_STATE_ROOT\\]$`));
		const json = await agora('verify', file, '--json');
		expect(json.code).toBe(1);
		expect(JSON.parse(json.out.join('\n'))).toMatchObject({ valid: false, error: { code: 'E_BLOCK_STATE_ROOT', record: 3, height: 3, field: 'header.stateRoot' } });
	});

	it('exits 1 for any changed byte or any truncation, never with a stack trace (property)', async () => {
		const file = path('damaged.agora');
		const bytes = fixture.bytes;
		const damage = fc.oneof(
			fc.record({ at: fc.integer({ min: 0, max: bytes.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }),
			fc.record({ cut: fc.integer({ min: 0, max: bytes.length - 1 }) })
		);
		await fc.assert(
			fc.asyncProperty(damage, async (d) => {
				const damaged = 'cut' in d ? bytes.subarray(0, d.cut) : bytes.map((x, i) => (i === d.at ? x ^ d.xor : x));
				writeFileSync(file, damaged);
				const { code, out, err } = await agora('verify', file);
				expect(code).toBe(1);
				expect(out).toEqual([]);
				expect(err).toHaveLength(1);
				expect(err[0]).toMatch(/^agora verify: .* is invalid: .* \[E_[A-Z_]+\]$/);
			}),
			{ seed: 3_000_003, numRuns: 500 }
		);
	});
});

describe('agora proof and verify-proof', () => {
	const txid = fixture.txids[4]!;
	const proofFile = path('proof.json');
	const proofJson = async (): Promise<Record<string, unknown>> => {
		const { code, out, err } = await agora('proof', exportFile, txid);
		expect(err).toEqual([]);
		expect(code).toBe(0);
		return JSON.parse(out.join('\n'));
	};
	const verifyProof = async (json: unknown): Promise<{ code: number; out: string[]; err: string[] }> => {
		writeFileSync(proofFile, typeof json === 'string' ? json : JSON.stringify(json));
		return agora('verify-proof', proofFile);
	};

	it('prints a proof that verify-proof accepts against the header alone', async () => {
		const json = await proofJson();
		const at = fixture.chain.findTx(txid)!;
		expect(json).toMatchObject({ format: 'agora-tx-proof/1', blockHash: at.block.hash, index: at.index, size: at.block.block.txs.length, txid });
		const { code, out } = await verifyProof(json);
		expect(code).toBe(0);
		const tx = at.tx;
		expect(out).toEqual([
			`valid: transaction ${txid} (${tx.kind} from ${toHex(tx.from)}) is transaction ${at.index} of ${at.block.block.txs.length} in block ${at.block.hash} at height ${at.block.height} of chain ${fixture.chain.chainIdHex}, sealed by ${toHex(founder.publicKey)}`
		]);
		const written = await agora('proof', exportFile, `${at.block.height}:${at.index}`, '--out', path('proof-out.json'));
		expect(written.code).toBe(0);
		expect(written.out).toEqual([`proof of transaction ${txid} (block ${at.block.height}, index ${at.index}) written to ${path('proof-out.json')}`]);
		expect(JSON.parse(readFileSync(path('proof-out.json'), 'utf8'))).toEqual(json);
	});

	it('rejects a proof moved to another index, size, header or transaction', async () => {
		const json = await proofJson();
		const otherBlock = fixture.blocks[2]!;
		const otherTx = (await agora('proof', exportFile, fixture.txids[1]!)).out.join('\n');
		const cases: [Record<string, unknown>, RegExp][] = [
			[{ ...json, index: (json.index as number) ^ 1 }, /Merkle path/],
			[{ ...json, size: 3 }, /Merkle path/],
			[{ ...json, header: JSON.parse(otherTx).header, blockHash: blockHashHex(otherBlock.header) }, /Merkle path|hashes to/],
			[{ ...json, tx: JSON.parse(otherTx).tx, txid: JSON.parse(otherTx).txid }, /Merkle path/],
			[{ ...json, txid: fixture.txids[1] }, /id is/]
		];
		for (const [tamperedJson, reason] of cases) {
			const { code, out, err } = await verifyProof(tamperedJson);
			expect(code).toBe(1);
			expect(out).toEqual([]);
			expect(err).toHaveLength(1);
			expect(err[0]).toMatch(/^agora verify-proof: invalid: /);
			expect(err[0]).toMatch(reason);
		}
		for (const junk of ['{', '[]', JSON.stringify({ ...json, path: 'x' })]) expect((await verifyProof(junk)).code).toBe(1);
	});

	it('fails for a transaction the export does not hold, and for an invalid export', async () => {
		const missing = await agora('proof', exportFile, 'ab'.repeat(32));
		expect(missing.code).toBe(1);
		expect(missing.err).toEqual([`agora proof: transaction ${'ab'.repeat(32)} is not in ${exportFile}`]);
		for (const position of ['9:0', '2:2', '0:0']) expect((await agora('proof', exportFile, position)).err).toEqual([`agora proof: transaction ${position} is not in ${exportFile}`]);
		const damaged = path('damaged-for-proof.agora');
		writeFileSync(damaged, fixture.bytes.subarray(0, 100));
		const invalid = await agora('proof', damaged, txid);
		expect(invalid.code).toBe(1);
		expect(invalid.err[0]).toMatch(/^agora proof: .* is invalid: .*truncated/);
	});
});
