/**
 * `agora simulate` for every engine, in-process: two runs with the same
 * arguments write the same bytes, and `agora verify` accepts the file and
 * reports the chain the simulator agreed on. (The poa case runs as real
 * processes in spawn.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'agora-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function agora(...argv: string[]): Promise<{ code: number; out: string; err: string[] }> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
	return { code, out: out.join('\n'), err };
}

describe('agora simulate', () => {
	it.each(['pos', 'pow', 'fba'])(
		'writes the same %s chain twice, and verify accepts it',
		async (consensus) => {
			const args = ['simulate', '--nodes', '3', '--blocks', '6', '--consensus', consensus, '--seed', '5', '--json'];
			const files = [join(dir, `${consensus}-1.agora`), join(dir, `${consensus}-2.agora`)];
			const runs = [];
			for (const file of files) runs.push(await agora(...args, '--out', file));
			for (const run of runs) {
				expect(run.err).toEqual([]);
				expect(run.code).toBe(0);
			}
			expect(readFileSync(files[1]!).equals(readFileSync(files[0]!))).toBe(true);
			const simulated = JSON.parse(runs[0]!.out);
			expect(simulated).toMatchObject({ nodes: 3, consensus, seed: 5, height: 6, violations: [] });
			const verified = await agora('verify', files[0]!, '--json');
			expect(verified.err).toEqual([]);
			expect(verified.code).toBe(0);
			expect(JSON.parse(verified.out)).toMatchObject({ valid: true, chain: { id: simulated.chain, engine: consensus }, head: { height: 6, hash: simulated.head } });
		},
		30_000
	);
});
