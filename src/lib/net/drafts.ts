/**
 * Proposal drafts that members write together before one of them signs and
 * submits the proposal: a Yjs document shared with every peer of the
 * community, a `Y.Text` for the title and one for the body of each draft.
 * Nothing here is ledger: a draft decides nothing until it is proposed on
 * chain, so it is neither signed nor validated beyond its shape and size.
 *
 * Peers exchange state vectors when they meet (`have`), answer with what
 * the other lacks, and pass every update on to their other peers; Yjs
 * merges concurrent edits the same way on every replica. An update from a
 * peer is untrusted: one that does not decode is refused with E_FRAME
 * before it touches the document, and the caller drops the peer.
 *
 * The whole document is bounded by what one frame may carry, so the answer
 * to any `have` always fits one frame. Sizes are kept as an upper bound (the
 * document's exact size when last encoded, plus every update since), made
 * exact only near the bound. A local edit that would pass it is refused with
 * the reason; a peer's update that would is left out (the peer may just hold
 * more drafts than this replica has room for) and the peer kept.
 */
import * as Y from 'yjs';
import { toHex, type Hex } from '../core/bytes.js';
import { AgoraError, fail } from '../core/errors.js';
import { utf8 } from '../core/bytes.js';
import { MAX_DRAFT_UPDATE_BYTES } from './wire.js';
import { DRAFT_FIELDS, MAX_DRAFT_BYTES, type DraftField, type DraftView } from './draft-shape.js';
import { rebaseSplice, type Splice } from '../core/splice.js';

/** The largest the shared document may grow to (its state as one update): one frame's worth. */
export const MAX_DRAFTS_BYTES = MAX_DRAFT_UPDATE_BYTES;
const ID_BYTES = 16;
/** More than the update of a new draft, or of an edit beyond the bytes it inserts, takes (ids, clocks, lengths). */
const NEW_DRAFT_BYTES = 512;
const EDIT_OVERHEAD_BYTES = 64;

export interface DraftBookOptions {
	readonly random: (n: number) => Uint8Array;
	/** An update made here, to pass to every peer. */
	onLocalUpdate(update: Uint8Array): void;
	/** An update from `peer` that changed the document, to pass to the other peers. */
	onRemoteUpdate(update: Uint8Array, peer: string): void;
}

/** Where local changes come from, as Yjs transaction origins: anything else is a peer id. */
const LOCAL = Symbol('local');

export class DraftBook {
	private readonly doc = new Y.Doc();
	private readonly drafts = this.doc.getMap<Y.Map<unknown>>('drafts');
	/** At least the document's size as one update (see the module comment). */
	private size = 0;

	constructor(
		private readonly opts: DraftBookOptions,
		/** The document as it was saved (`state()`), if it was. */
		saved?: Uint8Array
	) {
		if (saved) Y.applyUpdate(this.doc, saved, LOCAL);
		this.size = saved?.length ?? 0;
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			this.size += update.length;
			if (origin === LOCAL) this.opts.onLocalUpdate(update);
			else if (typeof origin === 'string') this.opts.onRemoteUpdate(update, origin);
		});
	}

	/** The document as one update: what to save. */
	state(): Uint8Array {
		const state = Y.encodeStateAsUpdate(this.doc);
		this.size = state.length;
		return state;
	}

	/** Whether `bytes` more keep the document within its bound (measured exactly only when the estimate says no). */
	private fits(bytes: number): boolean {
		if (this.size + bytes <= MAX_DRAFTS_BYTES) return true;
		this.state();
		return this.size + bytes <= MAX_DRAFTS_BYTES;
	}

	private roomFor(bytes: number): void {
		if (!this.fits(bytes)) fail('E_SCHEMA', 'drafts', this.size, `are full (${MAX_DRAFTS_BYTES} bytes): delete a draft first`);
	}

	list(): DraftView[] {
		const out: DraftView[] = [];
		for (const [id, draft] of this.drafts) {
			const view = readDraft(id, draft);
			if (view) out.push(view);
		}
		return out.sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
	}

	create(author: Hex, time: number): string {
		this.roomFor(NEW_DRAFT_BYTES);
		const id = toHex(this.opts.random(ID_BYTES));
		this.doc.transact(() => {
			const draft = new Y.Map<unknown>();
			draft.set('author', author);
			draft.set('created', time);
			for (const field of DRAFT_FIELDS) draft.set(field, new Y.Text());
			this.drafts.set(id, draft);
		}, LOCAL);
		return id;
	}

	/**
	 * Applies what one keystroke, paste or cut did to a field. `base` is the
	 * text the splice was made against (the field as the member's page last
	 * had it); when others changed the field since, the splice is carried over
	 * to the text as it is now.
	 */
	edit(id: string, field: DraftField, splice: Splice, base?: string): void {
		if (!DRAFT_FIELDS.includes(field)) fail('E_SCHEMA', 'field', field, `must be one of ${DRAFT_FIELDS.join(', ')}`);
		const text = this.text(id, field);
		const current = text.toString();
		const against = base ?? current;
		if (typeof against !== 'string') fail('E_SCHEMA', 'base', against, 'must be text');
		const { index, remove, insert } = splice;
		if (!Number.isSafeInteger(index) || index < 0 || index > against.length) fail('E_SCHEMA', 'index', index, `must be within the ${field} (0 to ${against.length})`);
		if (!Number.isSafeInteger(remove) || remove < 0 || index + remove > against.length) fail('E_SCHEMA', 'remove', remove, `must end within the ${field} (at most ${against.length - index})`);
		if (typeof insert !== 'string') fail('E_SCHEMA', 'insert', insert, 'must be text');
		const at = rebaseSplice(splice, against, current);
		const after = utf8(current.slice(0, at.index) + insert + current.slice(at.index + at.remove)).length;
		if (after > MAX_DRAFT_BYTES[field]) fail('E_SCHEMA', field, after, `may hold at most ${MAX_DRAFT_BYTES[field]} bytes, as a proposal's ${field} may`);
		this.roomFor(utf8(insert).length + EDIT_OVERHEAD_BYTES);
		this.doc.transact(() => {
			if (at.remove > 0) text.delete(at.index, at.remove);
			if (insert) text.insert(at.index, insert);
		}, LOCAL);
	}

	remove(id: string): void {
		if (!this.drafts.has(id)) fail('E_SCHEMA', 'id', id, 'is not a draft');
		this.doc.transact(() => this.drafts.delete(id), LOCAL);
	}

	/** What this replica has, for a peer to answer with what it lacks. */
	stateVector(): Uint8Array {
		return Y.encodeStateVector(this.doc);
	}

	/** What a peer with state vector `have` lacks. */
	missing(have: Uint8Array): Uint8Array {
		try {
			return Y.encodeStateAsUpdate(this.doc, have);
		} catch (e) {
			throw new AgoraError('E_FRAME', `a drafts state vector that does not decode (${(e as Error).message})`, 'draftsHave.vector', have);
		}
	}

	/**
	 * Applies an update from a peer; false when it would grow the document
	 * past its bound (it is left out). One that does not decode is refused
	 * with E_FRAME before it touches the document.
	 */
	receive(update: Uint8Array, peer: string): boolean {
		if (update.length > MAX_DRAFT_UPDATE_BYTES) fail('E_FRAME', 'draftsUpdate.update', update.length, `exceeds ${MAX_DRAFT_UPDATE_BYTES} bytes`);
		// Decoded on its own first: a malformed update throws there, not halfway into this document.
		try {
			Y.applyUpdate(new Y.Doc(), update);
		} catch (e) {
			throw new AgoraError('E_FRAME', `a drafts update that does not decode (${(e as Error).message})`, 'draftsUpdate.update', update);
		}
		if (!this.fits(update.length)) return false;
		Y.applyUpdate(this.doc, update, peer);
		return true;
	}

	private text(id: string, field: DraftField): Y.Text {
		const draft = this.drafts.get(id);
		const text = draft instanceof Y.Map ? draft.get(field) : undefined;
		if (!(text instanceof Y.Text)) fail('E_SCHEMA', 'id', id, 'is not a draft');
		return text;
	}
}

/** A draft as the document holds it; null for an entry of another shape (a peer's, say), which is left out. */
function readDraft(id: string, draft: unknown): DraftView | null {
	if (!(draft instanceof Y.Map)) return null;
	const [title, body, author, created] = [draft.get('title'), draft.get('body'), draft.get('author'), draft.get('created')];
	if (!(title instanceof Y.Text) || !(body instanceof Y.Text) || typeof author !== 'string' || typeof created !== 'number') return null;
	return { id, title: title.toString(), body: body.toString(), author, created };
}
