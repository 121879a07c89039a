/**
 * The state as a journaled key-value map with an incrementally maintained root.
 *
 * Keys are strings, values are canonical-encodable plain data treated as
 * immutable (replace, never mutate). Every write is journaled, so a failed
 * transaction is reverted to a checkpoint and a block is undone by replaying
 * its journal backwards: that is how reorganisations roll state back.
 *
 * The root commits to every entry: entries fall into 4096 buckets by the hash
 * of their key, a bucket hashes its entries in key order, and a fixed-depth
 * binary tree over the buckets gives the root. A write re-hashes only its
 * bucket and the 12 nodes above it when the root is next asked for.
 *
 * An entry is encoded and hashed when the root is next asked for, not at each
 * write: a key written by many transactions of a block (the proposer's
 * account, credited by each; a busy sender's; a queue's indexes) is encoded
 * once. A value that cannot be encoded (the
 * state machine writes typed records, so only a bug could make one) makes
 * `root()` throw E_ENCODE; `hashWritesSince` lets a block's proposer find the
 * transaction that wrote it and leave that one out (see Chain.propose).
 */
import { compareBytes, utf8, type Bytes } from '../bytes.js';
import { encode, type Encodable } from '../codec.js';
import { hash, HASH_BYTES } from '../hash.js';
import { sha256 } from '@noble/hashes/sha2.js';

const DEPTH = 12;
const BUCKETS = 1 << DEPTH;

/** A key's place in the tree while the key exists. Its value is replaced on every write, never mutated. */
interface Entry {
	readonly key: string;
	value: Encodable;
	/** The hash of the encoding of [key, value], once computed; null since the last write. */
	hash: Bytes | null;
	readonly bucket: number;
	/** The key's UTF-8: the order of entries within a bucket. */
	readonly keyBytes: Bytes;
}

/**
 * One undo step: the key, the value it had before the write (undefined:
 * absent), and that value's entry hash if it had been computed, so that
 * undoing neither encodes nor hashes it again.
 */
export type JournalEntry = readonly [key: string, previous: Encodable | undefined, hash: Bytes | null];

const EMPTY_BUCKET = hash('stateBucket');
/** The hash of an empty subtree at each depth (0 is the root): every empty node at a depth is alike. */
const EMPTY_AT_DEPTH: Bytes[] = [EMPTY_BUCKET];
for (let d = 0; d < DEPTH; d++) EMPTY_AT_DEPTH.unshift(hash('stateNode', EMPTY_AT_DEPTH[0]!, EMPTY_AT_DEPTH[0]!));

function bucketOf(keyBytes: Bytes): number {
	const h = sha256(keyBytes);
	return ((h[0]! << 8) | h[1]!) >>> (16 - DEPTH);
}

function entryHash(entry: Entry): Bytes {
	return (entry.hash ??= hash('stateEntry', encode([entry.key, entry.value])));
}

/** Where an entry with these key bytes is, or belongs, in a bucket's entries (sorted by key bytes). */
function position(list: readonly Entry[], keyBytes: Bytes): number {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (compareBytes(list[mid]!.keyBytes, keyBytes) < 0) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** A bucket's hash: its entries' hashes in key order, hashed as one run of bytes. */
function bucketHash(list: readonly Entry[] | undefined): Bytes {
	if (!list || list.length === 0) return EMPTY_BUCKET;
	const row = new Uint8Array(list.length * HASH_BYTES);
	for (let i = 0; i < list.length; i++) row.set(entryHash(list[i]!), i * HASH_BYTES);
	return hash('stateBucket', row);
}

export class StateTree {
	private readonly entries = new Map<string, Entry>();
	/** Each bucket's entries, sorted by key bytes. */
	private readonly buckets: Array<Entry[] | undefined> = new Array(BUCKETS);
	/** nodes[1] is the root; nodes[BUCKETS + b] is bucket b's hash (heap layout). */
	private readonly nodes: Bytes[] = new Array(2 * BUCKETS);
	private readonly dirty = new Set<number>();
	private journal: JournalEntry[] = [];

	constructor(entries: Iterable<readonly [string, Encodable]> = []) {
		for (let i = 1; i < 2 * BUCKETS; i++) this.nodes[i] = EMPTY_AT_DEPTH[31 - Math.clz32(i)]!;
		for (const [key, value] of entries) this.write(key, value);
		this.journal = [];
	}

	get size(): number {
		return this.entries.size;
	}

	get(key: string): Encodable | undefined {
		return this.entries.get(key)?.value;
	}

	has(key: string): boolean {
		return this.entries.has(key);
	}

	/** Writes a value; `undefined` deletes the key. */
	put(key: string, value: Encodable | undefined): void {
		const old = this.entries.get(key);
		this.journal.push(old ? [key, old.value, old.hash] : [key, undefined, null]);
		this.write(key, value, old);
	}

	/** Keys with this prefix, in sorted order. Linear in the state size: for queries, not for block application. */
	keys(prefix = ''): string[] {
		const out: string[] = [];
		for (const key of this.entries.keys()) if (key.startsWith(prefix)) out.push(key);
		return out.sort();
	}

	entriesSorted(): Array<[string, Encodable]> {
		return [...this.entries.keys()].sort().map((k) => [k, this.entries.get(k)!.value]);
	}

	/** A position in the journal to revert to. */
	checkpoint(): number {
		return this.journal.length;
	}

	revert(checkpoint: number): void {
		while (this.journal.length > checkpoint) this.restore(this.journal.pop()!);
	}

	/** Hands over the journal since the checkpoint (to undo a whole block later) and forgets it. */
	takeJournal(checkpoint = 0): JournalEntry[] {
		return this.journal.splice(checkpoint);
	}

	/** Undoes a journal taken with `takeJournal`. */
	undo(journal: readonly JournalEntry[]): void {
		for (let i = journal.length - 1; i >= 0; i--) this.restore(journal[i]!);
	}

	/**
	 * Encodes and hashes now the entries written since the checkpoint, rather
	 * than at the next root: a value that cannot be encoded throws E_ENCODE
	 * while the caller still knows which of its writes made it.
	 */
	hashWritesSince(checkpoint: number): void {
		for (let i = checkpoint; i < this.journal.length; i++) {
			const entry = this.entries.get(this.journal[i]![0]);
			if (entry) entryHash(entry);
		}
	}

	root(): Bytes {
		if (this.dirty.size > 0) this.rehash();
		return this.nodes[1]!;
	}

	private restore([key, previous, hashed]: JournalEntry): void {
		this.write(key, previous, this.entries.get(key), hashed);
	}

	/** Writes a value (undefined deletes), given the key's entry if any and, when restoring, the value's entry hash. */
	private write(key: string, value: Encodable | undefined, old: Entry | undefined = this.entries.get(key), hashed: Bytes | null = null): void {
		if (value === undefined) {
			if (!old) return;
			this.entries.delete(key);
			const list = this.buckets[old.bucket]!;
			list.splice(position(list, old.keyBytes), 1);
			this.dirty.add(old.bucket);
			return;
		}
		if (old) {
			old.value = value;
			old.hash = hashed;
			this.dirty.add(old.bucket);
			return;
		}
		const keyBytes = utf8(key);
		const bucket = bucketOf(keyBytes);
		const entry: Entry = { key, value, hash: hashed, bucket, keyBytes };
		this.entries.set(key, entry);
		const list = (this.buckets[bucket] ??= []);
		list.splice(position(list, keyBytes), 0, entry);
		this.dirty.add(bucket);
	}

	private rehash(): void {
		// Every dirty bucket's hash first: a value that cannot be encoded throws before any node changes, and
		// the dirty buckets stay dirty for the next try.
		const dirty = [...this.dirty].sort((a, b) => a - b);
		const hashes = dirty.map((b) => bucketHash(this.buckets[b]));
		this.dirty.clear();
		// Nodes in heap layout, a level at a time from the buckets up; the dirty list stays sorted, so a parent
		// shared by two dirty children follows itself and is hashed once.
		let level = dirty.map((b, i) => {
			this.nodes[BUCKETS + b] = hashes[i]!;
			return BUCKETS + b;
		});
		while (level[0]! > 1) {
			const next: number[] = [];
			for (const child of level) {
				const i = child >> 1;
				if (next[next.length - 1] === i) continue;
				this.nodes[i] = hash('stateNode', this.nodes[2 * i]!, this.nodes[2 * i + 1]!);
				next.push(i);
			}
			level = next;
		}
	}
}
