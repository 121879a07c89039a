/**
 * Files for the chain commands: opening an input (a missing one is a usage
 * error, exit 2), reading it whole or as a stream, and writing outputs.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { CliError, UsageError } from './command.js';

/** `-` is standard input. */
export const STDIN = '-';

function openError(command: string, path: string, error: unknown): CliError {
	const code = (error as NodeJS.ErrnoException).code;
	if (code === 'ENOENT') return new UsageError(command, `no such file ${JSON.stringify(path)}`);
	if (code === 'EISDIR') return new UsageError(command, `${JSON.stringify(path)} is a directory, not a file`);
	return new CliError(command, `cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
}

async function openInput(command: string, path: string): Promise<FileHandle> {
	let handle: FileHandle;
	try {
		handle = await open(path, 'r');
		// open() succeeds on a directory; reading it is what fails.
		if ((await handle.stat()).isDirectory()) {
			await handle.close();
			throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
		}
	} catch (error) {
		throw openError(command, path, error);
	}
	return handle;
}

/** The file's chunks as they are read (a file stream is an async iterable of buffers). */
export async function readStream(command: string, path: string): Promise<AsyncIterable<Uint8Array>> {
	const handle = await openInput(command, path);
	return handle.createReadStream();
}

/** The whole file, or standard input for `-`. */
export async function readWhole(command: string, path: string): Promise<Uint8Array> {
	if (path === STDIN) {
		const chunks: Uint8Array[] = [];
		for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
		return Buffer.concat(chunks);
	}
	const handle = await openInput(command, path);
	try {
		return await readFile(handle);
	} catch (error) {
		throw openError(command, path, error);
	} finally {
		await handle.close();
	}
}

/** Writes chunks to a file as they come; `exclusive` refuses to replace an existing file. */
export async function writeOutput(command: string, path: string, chunks: Iterable<Uint8Array>, options: { mode?: number; exclusive?: boolean } = {}): Promise<number> {
	let handle: FileHandle;
	try {
		handle = await open(path, options.exclusive ? 'wx' : 'w', options.mode ?? 0o644);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(command, `${JSON.stringify(path)} already exists; not replacing it`);
		throw new CliError(command, `cannot write ${JSON.stringify(path)}: ${(error as Error).message}`);
	}
	let bytes = 0;
	try {
		for (const chunk of chunks) {
			await handle.write(chunk).catch((error: Error) => {
				throw new CliError(command, `cannot write ${JSON.stringify(path)}: ${error.message}`);
			});
			bytes += chunk.length;
		}
	} finally {
		await handle.close();
	}
	return bytes;
}
