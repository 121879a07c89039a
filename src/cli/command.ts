/**
 * What every `agora` subcommand is made of: a name, its flags (which also
 * write its help), and a run function that returns the exit code. A new
 * subcommand is one module under commands/ and one line in main.ts's table.
 */
import { parseArgs } from 'node:util';

/** Where a command writes; the process's streams in real use, buffers in tests. */
export interface Io {
	out(line: string): void;
	err(line: string): void;
}

export interface FlagSpec {
	readonly type: 'string' | 'boolean';
	/** The value's placeholder in help, e.g. `<port>`. */
	readonly arg?: string;
	readonly help: string;
	/** A string flag that may be given more than once; its value is then the list, in order. */
	readonly multiple?: true;
}
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;
export type Flags<S extends FlagSpecs> = { [K in keyof S]?: S[K]['type'] extends 'string' ? (S[K] extends { multiple: true } ? string[] : string) : true };

/** A positional argument, e.g. the file of `agora verify <file>`. */
export interface ArgSpec {
	readonly name: string;
	readonly help: string;
	readonly optional?: true;
}

export interface Command<S extends FlagSpecs = FlagSpecs> {
	readonly name: string;
	/** One line for the command table. */
	readonly summary: string;
	readonly flags: S;
	/** Positional arguments in order (none when absent); optional ones come last. */
	readonly args?: readonly ArgSpec[];
	run(flags: Flags<S>, io: Io, args: readonly string[]): Promise<number>;
}

/** A failure the user can act on: printed as one line, never with a stack. */
export class CliError extends Error {
	override readonly name: string = 'CliError';
	readonly exitCode: number = 1;
	constructor(
		readonly command: string,
		message: string
	) {
		super(message);
	}
}

/** The command line itself was wrong: exit code 2, as is conventional. */
export class UsageError extends CliError {
	override readonly name = 'UsageError';
	override readonly exitCode = 2;
}

/** Parses `argv` against the command's flags (no positional arguments), naming the first thing that does not fit. */
export function parseFlags<S extends FlagSpecs>(command: string, argv: readonly string[], specs: S): Flags<S> {
	return parseCommandLine(command, argv, specs).flags;
}

/** Parses `argv` against the command's flags and positional arguments, naming the first thing that does not fit. */
export function parseCommandLine<S extends FlagSpecs>(command: string, argv: readonly string[], specs: S, argSpecs: readonly ArgSpec[] = []): { flags: Flags<S>; args: string[] } {
	// Non-strict so that mistakes are reported below in our words; the types still tell parseArgs which flags take values.
	const options = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]));
	const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
	const flags: Record<string, string | string[] | true> = {};
	const args: string[] = [];
	for (const token of tokens) {
		if (token.kind === 'positional') {
			if (args.length >= argSpecs.length) throw new UsageError(command, `unexpected argument ${JSON.stringify(token.value)}`);
			args.push(token.value);
			continue;
		}
		if (token.kind !== 'option') continue;
		const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
		if (!spec) throw new UsageError(command, `unknown option ${token.rawName}`);
		if (spec.type === 'boolean') {
			if (token.value !== undefined) throw new UsageError(command, `${token.rawName} takes no value`);
			flags[token.name] = true;
		} else {
			// Without strict parsing, `--port --host x` would read "--host" as the port.
			if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
				throw new UsageError(command, `${token.rawName} needs a value`);
			}
			if (spec.multiple) flags[token.name] = [...((flags[token.name] as string[] | undefined) ?? []), token.value];
			else flags[token.name] = token.value;
		}
	}
	const missing = argSpecs.slice(args.length).find((a) => !a.optional);
	if (missing) throw new UsageError(command, `missing <${missing.name}>`);
	return { flags: flags as Flags<S>, args };
}

/** An integer flag from `min` to `max`; decimal digits only, so `1e3`, `0x10` and ` 5` are refused. */
export function intFlag(command: string, flag: string, value: string | undefined, min: number, max: number, fallback?: number): number {
	if (value === undefined) {
		if (fallback === undefined) throw new UsageError(command, `--${flag} is required`);
		return fallback;
	}
	const n = /^-?\d{1,16}$/.test(value) ? Number(value) : NaN;
	if (!(Number.isSafeInteger(n) && n >= min && n <= max)) throw new UsageError(command, `--${flag} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
	return n;
}

/** A TCP port from a flag: an integer from 0 (any free port) to 65535. */
export function portFlag(command: string, value: string | undefined, fallback: number): number {
	return intFlag(command, 'port', value, 0, 65535, fallback);
}

/** One of a fixed list of words. */
export function choiceFlag<T extends string>(command: string, flag: string, value: string | undefined, choices: readonly T[], fallback?: T): T {
	if (value === undefined) {
		if (fallback === undefined) throw new UsageError(command, `--${flag} is required (one of ${choices.join(', ')})`);
		return fallback;
	}
	if (!choices.includes(value as T)) throw new UsageError(command, `--${flag} must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
	return value as T;
}

/** A host name or address from a flag; whether it resolves is for listen() to say. */
export function hostFlag(command: string, value: string | undefined, fallback: string): string {
	if (value === undefined) return fallback;
	if (!/^[A-Za-z0-9.:\-[\]]+$/.test(value)) throw new UsageError(command, `--host must be a host name or IP address (got ${JSON.stringify(value)})`);
	// `[::1]` is how people write IPv6 in URLs; listen() wants it bare.
	return value.replace(/^\[(.*)\]$/, '$1');
}

/** Resolves with the first SIGINT or SIGTERM, then restores the default handling so a second one kills at once. */
export function untilSignal(): Promise<NodeJS.Signals> {
	return new Promise((resolve) => {
		const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
		const on = (signal: NodeJS.Signals) => {
			for (const s of signals) process.off(s, on);
			resolve(signal);
		};
		for (const s of signals) process.on(s, on);
	});
}
