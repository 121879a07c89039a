/**
 * `agora simulate` for every engine, in-process: two runs with the same
 * arguments write the same bytes; what simulate prints about the chain is
 * exactly what `agora verify` prints about the file it wrote; and a
 * 120-block run, with the default governance and message traffic, holds
 * executed and defeated proposals and acked, dead-lettered and expired
 * messages. (The poa case also runs as real processes in spawn.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'agora-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function agora(...argv: string[]): Promise<{ code: number; out: string; lines: string[]; err: string[] }> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
	return { code, out: out.join('\n'), lines: out, err };
}

/** Runs simulate (JSON or text) and verify on its file; both must succeed. */
async function simulateAndVerify(file: string, args: readonly string[], json: boolean) {
	const simulated = await agora('simulate', ...args, '--out', file, ...(json ? ['--json'] : []));
	expect(simulated.err).toEqual([]);
	expect(simulated.code).toBe(0);
	const verified = await agora('verify', file, ...(json ? ['--json'] : []));
	expect(verified.err).toEqual([]);
	expect(verified.code).toBe(0);
	return { simulated, verified };
}

describe('agora simulate', () => {
	it.each(['pos', 'pow', 'fba'])(
		'writes the same %s chain twice, and prints what verify prints of its file, as JSON and as text',
		async (consensus) => {
			const args = ['--nodes', '3', '--blocks', '6', '--consensus', consensus, '--seed', '5'];
			const [a, b] = [join(dir, `${consensus}-1.agora`), join(dir, `${consensus}-2.agora`)];
			const json = await simulateAndVerify(a, args, true);
			const text = await simulateAndVerify(b, args, false);
			expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
			const { simulation, ...summary } = JSON.parse(json.simulated.out);
			expect(simulation).toMatchObject({ nodes: 3, consensus, seed: 5, traffic: true, out: a, violations: [] });
			// The same summary, the finality of the last blocks included: only what the file proves.
			expect(summary).toEqual(JSON.parse(json.verified.out));
			expect(summary).toMatchObject({ valid: true, chain: { engine: consensus }, head: { height: 6 } });
			const lines = text.simulated.lines;
			expect(lines[0]).toBe(`simulated 3 ${consensus} nodes (seed 5) for ${simulation.virtualMs} ms of virtual time and wrote ${b}:`);
			expect(lines.slice(1, 1 + text.verified.lines.length)).toEqual(text.verified.lines);
			expect(lines.at(-1)).toMatch(/^stats: framesSent \d+, /);
		},
		30_000
	);

	it('runs only posts and payments with --no-traffic', async () => {
		const file = join(dir, 'quiet.agora');
		const { simulated } = await simulateAndVerify(file, ['--nodes', '3', '--blocks', '10', '--consensus', 'poa', '--seed', '2', '--no-traffic'], true);
		const summary = JSON.parse(simulated.out);
		expect(summary.simulation.traffic).toBe(false);
		expect(Object.keys(summary.transactions.byKind).filter((k) => !['post', 'transfer'].includes(k))).toEqual([]);
		expect(summary.governance.proposals).toBe(0);
		expect(summary.queue.messages).toBe(0);
	});
});

describe('a 120-block agora simulate', () => {
	it.each(['poa', 'pos', 'pow', 'fba'])(
		'of %s has executed and defeated proposals, and acked, dead-lettered and expired messages',
		async (consensus) => {
			const args = ['--nodes', '3', '--blocks', '120', '--consensus', consensus, '--seed', '7'];
			const file = join(dir, `${consensus}-120.agora`);
			const { simulated, verified } = await simulateAndVerify(file, args, true);
			const { simulation, ...summary } = JSON.parse(simulated.out);
			expect(simulation).toMatchObject({ nodes: 3, consensus, seed: 7, violations: [] });
			expect(summary).toEqual(JSON.parse(verified.out));
			expect(summary.head.height).toBe(120);
			expect(summary.governance.byStatus.executed, `${consensus} seed 7`).toBeGreaterThan(0);
			expect(summary.governance.byStatus.defeated, `${consensus} seed 7`).toBeGreaterThan(0);
			expect(summary.queue.acked, `${consensus} seed 7`).toBeGreaterThan(0);
			expect(summary.queue.deadLettered, `${consensus} seed 7`).toBeGreaterThan(0);
			expect(summary.queue.expired, `${consensus} seed 7`).toBeGreaterThan(0);
			// Briefly, in the text.
			const text = (await agora('verify', file)).lines;
			expect(text.find((l) => l.startsWith('  governance'))).toMatch(/^ {2}governance {4}\d+ proposals \(.*defeated \d+.*executed \d+.*\), \d+ ballots?, \d+ delegations?, \d+ members, treasury \d+, settings by proposal: /);
			expect(text.find((l) => l.startsWith('  queue'))).toMatch(/^ {2}queue {9}\d+ messages \(atMostOnce \d+, atLeastOnce \d+, exactlyOnce \d+, ordered \d+\), \d+ deliveries \(acked \d+.*dead-lettered \d+, expired \d+.*\), fees \d+$/);
		},
		60_000
	);
});
