/**
 * Ed25519 verification spread over worker threads, for Node (the CLI, the
 * simulator, headless peers, benchmarks): one thread per core by default.
 *
 * A batch is split into chunks; each chunk travels as one transferred buffer
 * (offsets, keys, signatures, messages packed back to back) rather than as
 * thousands of cloned objects, and comes back as one byte per check. Chunks
 * queue first in, first out, and every thread holds up to two, so a thread
 * never idles waiting for its next message while work is queued; several
 * batches in flight (a chain import verifying ahead) interleave fairly.
 *
 * Answers equal `nodeVerifier`'s for every input: checks whose key or
 * signature is not a Uint8Array of the right length are false without
 * leaving this thread. Idle threads do not keep the process alive, and
 * `close` ends them all: a command line that verifies and returns exits.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { isBytes } from '../core/bytes.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/keys.js';
import type { SigCheck, Verifier } from '../core/verify.js';

export interface VerifierPoolOptions {
	/** Worker threads; defaults to the number of cores (os.availableParallelism()). */
	readonly threads?: number;
	/** The fewest checks worth a chunk of their own: below it, splitting costs more than it saves. */
	readonly minChunk?: number;
	/** The most checks in one chunk, so that threads share a large batch evenly to its end. */
	readonly maxChunk?: number;
}

/** Chunks a thread holds at once: one it works on, one waiting in its message queue. */
const PER_THREAD = 2;
const DEFAULT_MIN_CHUNK = 16;
const DEFAULT_MAX_CHUNK = 512;
const encoder = new TextEncoder();
const WORKER_URL = new URL('./verify.worker.js', import.meta.url);

interface Chunk {
	readonly id: number;
	readonly buffer: ArrayBuffer;
	readonly n: number;
	readonly done: (ok: Uint8Array) => void;
	readonly failed: (error: Error) => void;
}

interface Thread {
	readonly worker: Worker;
	readonly held: Map<number, Chunk>;
}

export class VerifierPool {
	readonly threads: number;
	private readonly minChunk: number;
	private readonly maxChunk: number;
	private readonly pool: Thread[] = [];
	private readonly queue: Chunk[] = [];
	private nextId = 0;
	private closed = false;

	constructor(options: VerifierPoolOptions = {}) {
		this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
		this.minChunk = Math.max(1, options.minChunk ?? DEFAULT_MIN_CHUNK);
		this.maxChunk = Math.max(this.minChunk, options.maxChunk ?? DEFAULT_MAX_CHUNK);
		for (let i = 0; i < this.threads; i++) this.pool.push(this.spawn());
	}

	/** The pool as a `Verifier`: one boolean per check, in order. */
	readonly verify: Verifier = async (checks) => {
		if (this.closed) throw new Error('the verifier pool is closed');
		const results = new Array<boolean>(checks.length).fill(false);
		const at: number[] = [];
		const wellFormed: SigCheck[] = [];
		checks.forEach((c, i) => {
			const message = asBytes(c.message);
			if (!message || !isBytes(c.publicKey, PUBLIC_KEY_BYTES) || !isBytes(c.signature, SIGNATURE_BYTES)) return;
			at.push(i);
			wellFormed.push({ message, signature: c.signature, publicKey: c.publicKey });
		});
		const size = Math.min(this.maxChunk, Math.max(this.minChunk, Math.ceil(wellFormed.length / this.threads)));
		const parts: Promise<void>[] = [];
		for (let from = 0; from < wellFormed.length; from += size) {
			parts.push(
				this.run(packChecks(wellFormed.slice(from, from + size))).then((ok) => {
					ok.forEach((v, k) => (results[at[from + k]!] = v === 1));
				})
			);
		}
		await Promise.all(parts);
		return results;
	};

	/** Ends every thread; batches still in flight are rejected. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		const error = new Error('the verifier pool was closed');
		for (const chunk of this.queue.splice(0)) chunk.failed(error);
		await Promise.all(
			this.pool.map((t) => {
				for (const chunk of t.held.values()) chunk.failed(error);
				t.held.clear();
				return t.worker.terminate();
			})
		);
	}

	private run(packed: { buffer: ArrayBuffer; n: number }): Promise<Uint8Array> {
		return new Promise((done, failed) => {
			this.queue.push({ id: this.nextId++, ...packed, done, failed });
			this.dispatch();
		});
	}

	/** Hands queued chunks to the threads holding the fewest. */
	private dispatch(): void {
		while (this.queue.length > 0) {
			let thread: Thread | undefined;
			for (const t of this.pool) if (t.held.size < PER_THREAD && (!thread || t.held.size < thread.held.size)) thread = t;
			if (!thread) return;
			const chunk = this.queue.shift()!;
			thread.held.set(chunk.id, chunk);
			// A thread with work keeps the process alive until it answers; an idle one does not.
			thread.worker.ref();
			thread.worker.postMessage({ id: chunk.id, buffer: chunk.buffer, n: chunk.n }, [chunk.buffer]);
		}
	}

	private spawn(): Thread {
		const worker = new Worker(WORKER_URL);
		const thread: Thread = { worker, held: new Map() };
		worker.on('message', (reply: { id: number; ok: ArrayBuffer }) => {
			const chunk = thread.held.get(reply.id);
			if (!chunk) return;
			thread.held.delete(reply.id);
			if (thread.held.size === 0) worker.unref();
			chunk.done(new Uint8Array(reply.ok));
			this.dispatch();
		});
		// A thread that dies takes its chunks with it: they fail, and a fresh thread takes its place.
		const lost = (error: Error): void => {
			if (this.closed) return;
			const at = this.pool.indexOf(thread);
			if (at < 0) return;
			for (const chunk of thread.held.values()) chunk.failed(error);
			thread.held.clear();
			void worker.terminate();
			this.pool[at] = this.spawn();
			this.dispatch();
		};
		worker.on('error', lost);
		worker.on('exit', (code) => lost(new Error(`a verifier thread exited with code ${code}`)));
		// After the listeners: adding a 'message' listener refs the worker again.
		worker.unref();
		return thread;
	}
}

/** The message's bytes as node:crypto reads them (any view, a string as UTF-8), or null where it refuses them. */
function asBytes(message: unknown): Uint8Array | null {
	if (message instanceof Uint8Array) return message;
	if (ArrayBuffer.isView(message)) return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
	if (typeof message === 'string') return encoder.encode(message);
	return null;
}

/** Packs well-formed checks into one buffer in the layout verify.worker.js reads. */
function packChecks(checks: readonly SigCheck[]): { buffer: ArrayBuffer; n: number } {
	const n = checks.length;
	const keysAt = 4 * (n + 1);
	const sigsAt = keysAt + PUBLIC_KEY_BYTES * n;
	let at = sigsAt + SIGNATURE_BYTES * n;
	const total = checks.reduce((sum, c) => sum + c.message.length, at);
	const buffer = new ArrayBuffer(total);
	const ends = new Uint32Array(buffer, 0, n + 1);
	const bytes = new Uint8Array(buffer);
	ends[0] = at;
	for (let i = 0; i < n; i++) {
		bytes.set(checks[i]!.publicKey, keysAt + PUBLIC_KEY_BYTES * i);
		bytes.set(checks[i]!.signature, sigsAt + SIGNATURE_BYTES * i);
		bytes.set(checks[i]!.message, at);
		at += checks[i]!.message.length;
		ends[i + 1] = at;
	}
	return { buffer, n };
}
