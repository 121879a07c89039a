/**
 * The real `agora` process (node bin/agora.js): exit codes, what reaches
 * stdout and stderr, and that simulate writes the same bytes on every run.
 * Spawning costs about a second each, so there are few of them; the
 * commands' behaviour in detail is tested in-process in commands.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBlock } from '../../../src/lib/core/block/block.js';
import { txProof, txProofToJson } from '../../../src/lib/core/export/proof.js';
import { smallChain } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/agora.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'agora-spawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function agora(args: readonly string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
		child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
		child.stdin.end(stdin);
	});
}

const TIMEOUT = 60_000;

describe('agora, as a process', () => {
	it(
		'simulate writes byte-identical files for the same arguments, and verify accepts them',
		async () => {
			const args = ['simulate', '--nodes', '3', '--blocks', '12', '--consensus', 'poa', '--seed', '42'];
			const [a, b] = await Promise.all([agora([...args, '--out', join(dir, 'a.agora')]), agora([...args, '--out', join(dir, 'b.agora'), '--json'])]);
			expect(a.stderr).toBe('');
			expect(a.code).toBe(0);
			expect(b.code).toBe(0);
			const bytes = readFileSync(join(dir, 'a.agora'));
			expect(readFileSync(join(dir, 'b.agora')).equals(bytes)).toBe(true);
			const { simulation, ...simulated } = JSON.parse(b.stdout);
			expect(simulation).toMatchObject({ nodes: 3, consensus: 'poa', seed: 42 });
			expect(simulated).toMatchObject({ file: { bytes: bytes.length }, head: { height: 12 } });
			const verified = await agora(['verify', join(dir, 'a.agora'), '--json']);
			expect(verified.stderr).toBe('');
			expect(verified.code).toBe(0);
			// What simulate said of the file is what verify says of it, the finality its own blocks prove included.
			expect(JSON.parse(verified.stdout)).toEqual(simulated);
		},
		TIMEOUT
	);

	it(
		'verify exits 1 with one line and no stack trace for a damaged file, and 2 for a missing one',
		async () => {
			const { bytes, blocks } = await smallChain(2);
			const damaged = bytes.slice();
			// Inside block 1's record: after the preamble, the genesis record and block 1's record header.
			damaged[42 + 5 + encodeBlock(blocks[0]!).length + 5 + 40]! ^= 0x10;
			writeFileSync(join(dir, 'damaged.agora'), damaged);
			const [bad, missing] = await Promise.all([agora(['verify', join(dir, 'damaged.agora')]), agora(['verify', join(dir, 'missing.agora')])]);
			expect(bad.code).toBe(1);
			expect(bad.stdout).toBe('');
			expect(bad.stderr).toMatch(/^agora verify: .*damaged\.agora is invalid: block 1 \(record 1 at byte \d+\): .* \[E_[A-Z_]+\]\n$/);
			expect(missing.code).toBe(2);
			expect(missing.stderr).toBe(`agora verify: no such file ${JSON.stringify(join(dir, 'missing.agora'))} (see "agora help verify")\n`);
		},
		TIMEOUT
	);

	it(
		'verify-proof reads a proof from standard input',
		async () => {
			const { blocks } = await smallChain(2);
			const proof = JSON.stringify(txProofToJson(txProof(blocks[2]!, 1)));
			const [valid, invalid] = await Promise.all([agora(['verify-proof', '-'], proof), agora(['verify-proof', '-'], proof.replace('"index":1', '"index":0'))]);
			expect(valid.stderr).toBe('');
			expect(valid.code).toBe(0);
			expect(valid.stdout).toMatch(/^valid: transaction [0-9a-f]{64} \(post from [0-9a-f]{64}\) is transaction 1 of 2 in block [0-9a-f]{64} at height 2 /);
			expect(invalid.code).toBe(1);
			expect(invalid.stderr).toMatch(/^agora verify-proof: invalid: the Merkle path does not lead from transaction 0 of 2/);
		},
		TIMEOUT
	);
});
