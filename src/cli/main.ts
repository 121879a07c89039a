/**
 * The `agora` command: dispatches to one module per subcommand. Exit codes:
 * 0 done, 1 failed (one line on stderr), 2 the command line was wrong.
 */
import { CliError, UsageError, parseCommandLine, type Command, type Io } from './command.js';
import { serve } from './commands/serve.js';
import { relay } from './commands/relay.js';
import { keygen } from './commands/keygen.js';
import { genesis } from './commands/genesis.js';
import { simulate } from './commands/simulate.js';
import { verify } from './commands/verify.js';
import { proof } from './commands/proof.js';
import { verifyProof } from './commands/verify-proof.js';

/** Every subcommand, in the order help lists them. */
const commands: readonly Command[] = [serve, relay, keygen, genesis, simulate, verify, proof, verifyProof];

const processIo: Io = {
	out: (line) => process.stdout.write(line + '\n'),
	err: (line) => process.stderr.write(line + '\n')
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
	const [name, ...rest] = argv;
	try {
		if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
			return help(rest[0], io);
		}
		const command = find(name);
		if (rest.includes('--help') || rest.includes('-h')) return help(name, io);
		const { flags, args } = parseCommandLine(name, rest, command.flags, command.args);
		return await command.run(flags, io, args);
	} catch (error) {
		if (error instanceof CliError) {
			const hint = error instanceof UsageError ? ` (see "agora help${error.command ? ' ' + error.command : ''}")` : '';
			io.err(`agora${error.command ? ' ' + error.command : ''}: ${error.message}${hint}`);
			return error.exitCode;
		}
		// Anything else is a bug in agora: the stack is what a report needs.
		io.err(`agora: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
		return 1;
	}
}

function find(name: string): Command {
	const command = commands.find((c) => c.name === name);
	if (!command) throw new UsageError('', `unknown command ${JSON.stringify(name)}`);
	return command;
}

function help(name: string | undefined, io: Io): number {
	if (name === undefined) {
		io.out('Usage: agora <command> [options]');
		io.out('');
		io.out('Commands:');
		const width = Math.max(...commands.map((c) => c.name.length), 'help'.length);
		for (const c of commands) io.out(`  ${c.name.padEnd(width)}  ${c.summary}`);
		io.out(`  ${'help'.padEnd(width)}  show this help, or a command's: agora help <command>`);
		return 0;
	}
	const command = find(name);
	const args = (command.args ?? []).map((a) => ({ label: a.optional ? `[<${a.name}>]` : `<${a.name}>`, help: a.help }));
	const flags = Object.entries(command.flags).map(([flag, spec]) => ({ label: `--${flag}${spec.arg ? ' ' + spec.arg : ''}`, help: spec.help, multiple: spec.multiple }));
	io.out(`Usage: agora ${command.name}${args.map((a) => ` ${a.label}`).join('')}${flags.map((f) => ` [${f.label}]${f.multiple ? '…' : ''}`).join('')}`);
	io.out('');
	io.out(command.summary.charAt(0).toUpperCase() + command.summary.slice(1) + '.');
	const rows = [...args, ...flags];
	if (rows.length) {
		io.out('');
		const width = Math.max(...rows.map((r) => r.label.length));
		for (const r of rows) io.out(`  ${r.label.padEnd(width)}  ${r.help}`);
	}
	return 0;
}
