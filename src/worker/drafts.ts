/**
 * The node's side of proposal drafts (lib/net/drafts.ts): one draft book
 * per community, kept in the store after every change and exchanged with
 * every peer. A change made here resolves once it is saved; one from a peer
 * is saved the same way, and a failure to save it is logged (the book still
 * holds it, and the next save writes the whole book).
 */
import type { Hex } from '../lib/core/bytes.js';
import { fail } from '../lib/core/errors.js';
import { DraftBook } from '../lib/net/drafts.js';
import type { DraftField, DraftView } from '../lib/net/draft-shape.js';
import type { Splice } from '../lib/core/splice.js';
import type { DraftsFrame } from '../lib/net/wire.js';
import type { AgoraStore } from '../lib/store/types.js';

export interface DraftsHost {
	readonly store: Pick<AgoraStore, 'putDrafts'>;
	/** Sends a drafts frame to one ready peer, or to every ready peer but `except` (Sync.sendDrafts). */
	send(frame: DraftsFrame, to: { readonly peer: string } | { readonly except?: string }): void;
	/** The member's public key; null before there is an identity. */
	author(): Hex | null;
	now(): number;
	randomBytes(n: number): Uint8Array;
	changed(): void;
	log(level: 'warn' | 'error', message: string): void;
}

export class CommunityDrafts {
	private readonly book: DraftBook;
	private saving: Promise<void> | null = null;
	private dirty = false;

	constructor(
		private readonly host: DraftsHost,
		saved?: Uint8Array
	) {
		this.book = new DraftBook(
			{
				random: (n) => host.randomBytes(n),
				// The editing page reads the drafts again after its own edit: a local edit rebuilds no view.
				onLocalUpdate: (update) => host.send({ type: 'draftsUpdate', update }, {}),
				onRemoteUpdate: (update, peer) => {
					host.send({ type: 'draftsUpdate', update }, { except: peer });
					host.changed();
					this.save().catch((e) => host.log('error', `could not save a draft from a peer: ${(e as Error).message}`));
				}
			},
			saved
		);
	}

	list(): DraftView[] {
		return this.book.list();
	}

	async create(): Promise<string> {
		const author = this.host.author() ?? fail('E_KEY', 'identity', null, 'is missing: create an identity first');
		const id = this.book.create(author, this.host.now());
		await this.save();
		return id;
	}

	async edit(id: string, field: DraftField, splice: Splice, base?: string): Promise<void> {
		this.book.edit(id, field, splice, base);
		await this.save();
	}

	async remove(id: string): Promise<void> {
		this.book.remove(id);
		await this.save();
	}

	/** A peer is ready: tell it what this replica has, so it answers with what it lacks. */
	peerReady(peer: string): void {
		this.host.send({ type: 'draftsHave', vector: this.book.stateVector() }, { peer });
	}

	/** A frame from a peer; an AgoraError (E_FRAME) means the peer is to be dropped. */
	receive(peer: string, frame: DraftsFrame): void {
		if (frame.type === 'draftsHave') this.host.send({ type: 'draftsUpdate', update: this.book.missing(frame.vector) }, { peer });
		else if (!this.book.receive(frame.update, peer)) this.host.log('warn', `left out a drafts update from peer ${peer.slice(0, 8)}: the drafts are full`);
	}

	/** Writes the whole book; writes that come while one is under way are made once, after it. */
	private save(): Promise<void> {
		this.dirty = true;
		this.saving ??= (async () => {
			try {
				while (this.dirty) {
					this.dirty = false;
					await this.host.store.putDrafts(this.book.state());
				}
			} finally {
				this.saving = null;
			}
		})();
		return this.saving;
	}
}

/** The drafts methods of the worker's API. */
export interface DraftsApi {
	drafts(): Promise<DraftView[]>;
	/** Starts an empty draft; returns its id. */
	createDraft(): Promise<string>;
	/** Applies a splice made against `base` (the field as the page last had it) to a draft's title or body. */
	editDraft(id: string, field: DraftField, splice: Splice, base: string): Promise<void>;
	removeDraft(id: string): Promise<void>;
}

export function draftsApi(node: Promise<{ readonly drafts: CommunityDrafts | null }>): DraftsApi {
	const book = async (): Promise<CommunityDrafts> => (await node).drafts ?? fail('E_GENESIS', 'community', null, 'is missing: create or join a community first');
	return {
		drafts: async () => (await node).drafts?.list() ?? [],
		createDraft: async () => (await book()).create(),
		editDraft: async (id, field, splice, base) => (await book()).edit(id, field, splice, base),
		removeDraft: async (id) => (await book()).remove(id)
	};
}
