/**
 * `agora verify`: checks an export completely (its format and digest, every
 * signature, and every chain rule by replaying it into a real Chain) and
 * prints a summary, or names the first bad block or transaction and why.
 * Exit 0 valid, 1 invalid, 2 usage errors and missing files.
 */
import { AgoraError } from '../../lib/core/errors.js';
import { ExportError } from '../../lib/core/export/format.js';
import { loadExport, type LoadedExport } from '../../lib/core/export/load.js';
import { CliError, type Command, type FlagSpecs } from '../command.js';
import { readStream } from '../files.js';
import { summarize, type Json } from '../summary.js';
import { cliVerifier } from '../verifier.js';

const flags = {
	json: { type: 'boolean', help: 'print the summary, or the failure, as JSON on stdout' }
} as const satisfies FlagSpecs;

/**
 * Loads and checks an export file against the clock `now` (no block may be
 * further ahead of it than the chain allows); throws an AgoraError (usually
 * an ExportError) when it is invalid.
 */
export async function loadExportFile(command: string, path: string, now = Date.now()): Promise<LoadedExport> {
	const source = await readStream(command, path);
	const verifier = cliVerifier();
	try {
		return await loadExport(source, { verifier: verifier.verify, now });
	} finally {
		await verifier.close();
	}
}

function failureJson(error: AgoraError): Json {
	const at = error instanceof ExportError ? { record: error.record, offset: error.offset, ...(error.height === undefined ? {} : { height: error.height }), ...(error.tx === undefined ? {} : { tx: error.tx }) } : {};
	return { code: error.code, message: error.message, ...at, ...(error.field === undefined ? {} : { field: error.field }) };
}

export const verify: Command<typeof flags> = {
	name: 'verify',
	summary: 'check an export: format, signatures, roots, seals, links, state by replay, finality',
	flags,
	args: [{ name: 'file', help: 'the export file' }],
	async run(options, io, [path]) {
		let loaded: LoadedExport;
		try {
			loaded = await loadExportFile('verify', path!);
		} catch (error) {
			if (error instanceof CliError) throw error;
			// Bad input must never end in a stack trace: even an error that is not an AgoraError is reported on one line.
			const e = error instanceof AgoraError ? error : null;
			const message = e ? `${e.message} [${e.code}]` : `unexpected error (a bug in agora, please report it): ${error instanceof Error ? error.message : String(error)}`;
			if (options.json) io.out(JSON.stringify({ valid: false, error: e ? failureJson(e) : { message } }, null, 2));
			io.err(`agora verify: ${path} is invalid: ${message}`);
			return 1;
		}
		const summary = summarize(loaded);
		if (options.json) io.out(JSON.stringify(summary.json, null, 2));
		else for (const line of summary.lines) io.out(line);
		return 0;
	}
};
