import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { parseFlags, UsageError } from '../../../src/cli/command.js';
import { rawClient, until } from '../../helpers/net.js';
import { fakeBuild, removeBuild } from '../../helpers/site.js';

const bin = fileURLToPath(new URL('../../../bin/agora.js', import.meta.url));

interface Run {
	readonly child: ChildProcess;
	stdout: string;
	stderr: string;
	exit: { code: number | null; signal: NodeJS.Signals | null } | null;
}

const runs: Run[] = [];
let dir = '';

beforeAll(() => {
	dir = fakeBuild();
});
afterAll(() => removeBuild(dir));
afterEach(() => {
	// A test that failed half-way must not leave a server running.
	for (const run of runs.splice(0)) if (!run.exit) run.child.kill('SIGKILL');
});

function agora(...args: string[]): Run {
	const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
	const run: Run = { child, stdout: '', stderr: '', exit: null };
	child.stdout!.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
	child.on('exit', (code, signal) => (run.exit = { code, signal }));
	runs.push(run);
	return run;
}

async function finished(run: Run): Promise<number | null> {
	await until('the command to exit', () => run.exit !== null, 20_000);
	return run.exit!.code;
}

/** Captures what main() writes, to check usage handling without a process per case. */
async function inProcess(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
	return { code, out, err };
}

describe('agora serve', () => {
	it('prints one line, serves the site and the relay, and exits cleanly on SIGTERM', async () => {
		const run = agora('serve', '--port', '0', '--dir', dir, '--base', '/agora');
		await until('the running line', () => run.stdout.includes('\n') || run.exit !== null, 20_000);
		const match = /^Agora is running at (http:\/\/127\.0\.0\.1:(\d+)\/agora\/) \(signaling relay (ws:\/\/127\.0\.0\.1:\2\/agora\/signal)\)\n$/.exec(run.stdout);
		expect(match, run.stdout + run.stderr).not.toBeNull();
		const [, url, , signal] = match!;
		const page = await fetch(url!);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('<title>Agora</title>');
		const client = await rawClient(signal!);
		client.send({ type: 'ping' });
		await client.next((m) => m.type === 'pong');
		run.child.kill('SIGTERM');
		expect(await finished(run)).toBe(0);
		await until('the relay closed the socket', () => client.closed !== null);
		expect(client.closed!.code).toBe(1001);
		expect(run.stdout.split('\n')).toHaveLength(2);
		expect(run.stderr).toBe('');
	});

	it('exits 2 with one line and no stack trace on a bad flag', async () => {
		const run = agora('serve', '--port', 'eighty');
		expect(await finished(run)).toBe(2);
		expect(run.stdout).toBe('');
		expect(run.stderr).toBe('agora serve: --port must be an integer from 0 to 65535 (got "eighty") (see "agora help serve")\n');
	});

	it('exits 1 with one line when there is no built site', async () => {
		const run = agora('serve', '--port', '0', '--dir', dir + '/missing');
		expect(await finished(run)).toBe(1);
		expect(run.stderr).toMatch(/^agora serve: dir ".*missing" has no index\.html: build the site first \(npm run build\)\n$/);
	});
});

describe('agora relay', () => {
	it('prints its address and relays', async () => {
		const run = agora('relay', '--port', '0');
		await until('the running line', () => run.stdout.includes('\n') || run.exit !== null, 20_000);
		const match = /^Agora signaling relay is running at (ws:\/\/127\.0\.0\.1:\d+\/)\n$/.exec(run.stdout);
		expect(match, run.stdout + run.stderr).not.toBeNull();
		const client = await rawClient(match![1]!);
		client.send({ type: 'ping' });
		await client.next((m) => m.type === 'pong');
		client.ws.terminate();
	});

	it('shuts down cleanly on SIGINT sent the moment the line appears', async () => {
		const run = agora('relay', '--port', '0');
		await until('the running line', () => run.stdout.includes('\n') || run.exit !== null, 20_000);
		run.child.kill('SIGINT');
		expect(await finished(run)).toBe(0);
		expect(run.exit!.signal).toBeNull();
	});
});

describe('agora usage', () => {
	it('prints usage for help and for no arguments', async () => {
		for (const argv of [[], ['help'], ['--help']]) {
			const { code, out, err } = await inProcess(...argv);
			expect(code).toBe(0);
			expect(err).toEqual([]);
			expect(out[0]).toBe('Usage: agora <command> [options]');
			expect(out.join('\n')).toMatch(/serve .*\n.*relay /);
		}
	});

	it('prints a command\'s flags for help <command> and --help', async () => {
		for (const argv of [['help', 'serve'], ['serve', '--help']]) {
			const { code, out } = await inProcess(...argv);
			expect(code).toBe(0);
			expect(out[0]).toBe('Usage: agora serve [--port <port>] [--host <host>] [--dir <dir>] [--base <path>]');
		}
	});

	it('exits 2 naming what is wrong', async () => {
		const cases: [string[], string][] = [
			[['frobnicate'], 'agora: unknown command "frobnicate" (see "agora help")'],
			[['help', 'frobnicate'], 'agora: unknown command "frobnicate" (see "agora help")'],
			[['serve', '--bogus'], 'agora serve: unknown option --bogus (see "agora help serve")'],
			[['serve', '--port'], 'agora serve: --port needs a value (see "agora help serve")'],
			[['serve', '--port', '--host', 'x'], 'agora serve: --port needs a value (see "agora help serve")'],
			[['serve', '--port', '70000'], 'agora serve: --port must be an integer from 0 to 65535 (got "70000") (see "agora help serve")'],
			[['serve', '--host', 'a b'], 'agora serve: --host must be a host name or IP address (got "a b") (see "agora help serve")'],
			[['serve', '--base', 'agora'], 'agora serve: --base "agora" must start with "/" (see "agora help serve")'],
			[['serve', 'extra'], 'agora serve: unexpected argument "extra" (see "agora help serve")'],
			[['relay', '--dir', 'build'], 'agora relay: unknown option --dir (see "agora help relay")']
		];
		for (const [argv, message] of cases) {
			const { code, out, err } = await inProcess(...argv);
			expect(code, argv.join(' ')).toBe(2);
			expect(out).toEqual([]);
			expect(err).toEqual([message]);
		}
	});
});

describe('parseFlags', () => {
	const specs = {
		out: { type: 'string', arg: '<file>', help: 'where to write' },
		force: { type: 'boolean', help: 'overwrite' }
	} as const;

	it('reads string and boolean flags, in both spellings of a value', () => {
		expect(parseFlags('x', ['--out', 'a.json', '--force'], specs)).toEqual({ out: 'a.json', force: true });
		expect(parseFlags('x', ['--out=-dash.json'], specs)).toEqual({ out: '-dash.json' });
		expect(parseFlags('x', [], specs)).toEqual({});
	});

	it('rejects a value on a boolean flag', () => {
		expect(() => parseFlags('x', ['--force=yes'], specs)).toThrow(UsageError);
		expect(() => parseFlags('x', ['--force=yes'], specs)).toThrow('--force takes no value');
	});
});
