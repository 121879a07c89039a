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
 */
import { compareBytes, utf8, type Bytes } from '../bytes.js';
import { encode, type Encodable } from '../codec.js';
import { hash } from '../hash.js';
import { sha256 } from '@noble/hashes/sha2.js';

const DEPTH = 12;
const BUCKETS = 1 << DEPTH;

/** A key's place in the tree while the key exists. Its value is replaced on every write, never mutated. */
interface Entry {
	value: Encodable;
	/** The value's encoding, made at the write (so that a value that cannot be encoded fails the write itself), dropped once hashed. */
	encodedValue: Bytes | null;
	/**
	 * The entry's hash, computed when the root is next asked for: an account
	 * written four times in a block (nonce, fee, transfer, proposer's share)
	 * is hashed once.
	 */
	hash: Bytes | null;
	readonly bucket: number;
	/** The key as a CBOR text item, encoded once for every write of the key. */
	readonly keyItem: Bytes;
	/** The key's UTF-8: the order of entries within a bucket. */
	readonly keyBytes: Bytes;
}

/**
 * One undo step: the key, the value it had before the write (undefined:
 * absent), and that value's encoding or hash, so that undoing neither
 * encodes nor hashes it again.
 */
export type JournalEntry = readonly [key: string, previous: Encodable | undefined, encodedValue: Bytes | null, hash: Bytes | null];

const EMPTY_BUCKET = hash('stateBucket');
/** The hash of an empty subtree at each depth (0 is the root): every empty node at a depth is alike. */
const EMPTY_AT_DEPTH: Bytes[] = [EMPTY_BUCKET];
for (let d = 0; d < DEPTH; d++) EMPTY_AT_DEPTH.unshift(hash('stateNode', EMPTY_AT_DEPTH[0]!, EMPTY_AT_DEPTH[0]!));

function bucketOf(keyBytes: Bytes): number {
	const h = sha256(keyBytes);
	return ((h[0]! << 8) | h[1]!) >>> (16 - DEPTH);
}

/** The head of a CBOR array of two items: an entry hashes as the encoding of [key, value]. */
const PAIR = Uint8Array.of(0x82);

function entryHash(entry: Entry): Bytes {
	if (!entry.hash) {
		entry.hash = hash('stateEntry', PAIR, entry.keyItem, entry.encodedValue!);
		entry.encodedValue = null;
	}
	return entry.hash;
}

export class StateTree {
	private readonly entries = new Map<string, Entry>();
	private readonly buckets: Array<Set<string> | undefined> = new Array(BUCKETS);
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
		this.journal.push(old ? [key, old.value, old.encodedValue, old.hash] : [key, undefined, null, null]);
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

	root(): Bytes {
		if (this.dirty.size > 0) this.rehash();
		return this.nodes[1]!;
	}

	private restore([key, previous, encodedValue, hash]: JournalEntry): void {
		this.write(key, previous, this.entries.get(key), encodedValue, hash);
	}

	/** Writes a value (undefined deletes), given the key's entry if any and, when restoring, the value's encoding or hash. */
	private write(key: string, value: Encodable | undefined, old: Entry | undefined = this.entries.get(key), encoded: Bytes | null = null, hashed: Bytes | null = null): void {
		if (value === undefined) {
			if (!old) return;
			this.entries.delete(key);
			this.buckets[old.bucket]!.delete(key);
			this.dirty.add(old.bucket);
			return;
		}
		const encodedValue = hashed ? null : (encoded ?? encode(value));
		if (old) {
			old.value = value;
			old.encodedValue = encodedValue;
			old.hash = hashed;
			this.dirty.add(old.bucket);
			return;
		}
		const keyItem = encode(key);
		const keyBytes = utf8(key);
		const bucket = bucketOf(keyBytes);
		this.entries.set(key, { value, encodedValue, hash: hashed, bucket, keyItem, keyBytes });
		(this.buckets[bucket] ??= new Set()).add(key);
		this.dirty.add(bucket);
	}

	private rehash(): void {
		const parents = new Set<number>();
		for (const b of this.dirty) {
			const keys = this.buckets[b];
			if (!keys || keys.size === 0) {
				this.nodes[BUCKETS + b] = EMPTY_BUCKET;
			} else if (keys.size === 1) {
				this.nodes[BUCKETS + b] = hash('stateBucket', entryHash(this.entries.get(keys.values().next().value!)!));
			} else {
				const entries = [...keys].map((k) => this.entries.get(k)!).sort((x, y) => compareBytes(x.keyBytes, y.keyBytes));
				this.nodes[BUCKETS + b] = hash('stateBucket', ...entries.map(entryHash));
			}
			parents.add((BUCKETS + b) >> 1);
		}
		this.dirty.clear();
		let level = parents;
		while (level.size > 0) {
			const next = new Set<number>();
			for (const i of level) {
				this.nodes[i] = hash('stateNode', this.nodes[2 * i]!, this.nodes[2 * i + 1]!);
				if (i > 1) next.add(i >> 1);
			}
			level = next;
		}
	}
}
