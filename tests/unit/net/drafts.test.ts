/**
 * Proposal drafts written together (lib/net/drafts.ts): edits, their checks,
 * convergence of replicas whatever the order, loss-free duplication and
 * delay of updates (randomised, with fast-check's replayable seed), and the
 * refusal of what a peer must not send.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { DraftBook, MAX_DRAFTS_BYTES } from '../../../src/lib/net/drafts.js';
import { MAX_DRAFT_BYTES, type DraftField } from '../../../src/lib/net/draft-shape.js';
import { decodeFrame, encodeFrame, MAX_DRAFT_UPDATE_BYTES } from '../../../src/lib/net/wire.js';

const ALICE = 'aa'.repeat(32);
const BOB = 'bb'.repeat(32);

/** Counter-based ids, distinct per replica: the book asks for random bytes only to name drafts. */
function randomFor(replica: number): (n: number) => Uint8Array {
	let next = 0;
	return (n) => {
		const out = new Uint8Array(n);
		out[0] = replica;
		new DataView(out.buffer).setUint32(n - 4, next++);
		return out;
	};
}

interface Replica {
	readonly book: DraftBook;
	/** Updates it made or passed on, for the test to deliver. */
	readonly outgoing: Uint8Array[];
}

function replica(n: number, saved?: Uint8Array): Replica {
	const outgoing: Uint8Array[] = [];
	const book = new DraftBook({ random: randomFor(n), onLocalUpdate: (u) => outgoing.push(u), onRemoteUpdate: () => {} }, saved);
	return { book, outgoing };
}

describe('DraftBook', () => {
	it('starts drafts and edits their title and body as keystrokes and pastes do', () => {
		const { book, outgoing } = replica(1);
		const id = book.create(ALICE, 1_000);
		book.edit(id, 'title', { index: 0, remove: 0, insert: 'Plant an orchard' });
		book.edit(id, 'title', { index: 6, remove: 2, insert: 'a' });
		book.edit(id, 'body', { index: 0, remove: 0, insert: 'Apples and pears.' });
		expect(book.list()).toEqual([{ id, title: 'Plant a orchard', body: 'Apples and pears.', author: ALICE, created: 1_000 }]);
		expect(outgoing).toHaveLength(4);
		book.remove(id);
		expect(book.list()).toEqual([]);
	});

	it('refuses an edit that names no draft, falls outside the text, or makes it too long, naming the field', () => {
		const { book } = replica(1);
		const id = book.create(ALICE, 1);
		book.edit(id, 'title', { index: 0, remove: 0, insert: 'abc' });
		const cases: Array<[string, DraftField, number, number, string, string]> = [
			['nope', 'title', 0, 0, 'x', 'id'],
			[id, 'title', 4, 0, 'x', 'index'],
			[id, 'title', -1, 0, 'x', 'index'],
			[id, 'title', 1, 3, '', 'remove'],
			[id, 'title', 0, 0, 'x'.repeat(MAX_DRAFT_BYTES.title - 2), 'title'],
			[id, 'title', 0, 0, 'é'.repeat(99), 'title'],
			[id, 'author' as DraftField, 0, 0, 'x', 'field']
		];
		for (const [draft, field, index, remove, insert, named] of cases) {
			expect(() => book.edit(draft, field, { index, remove, insert }), `${named}`).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: named }));
		}
		expect(book.list()[0]!.title).toBe('abc');
	});

	it('carries a splice made against an older text over to the text as others left it', () => {
		const { book } = replica(1);
		const id = book.create(ALICE, 1);
		book.edit(id, 'body', { index: 0, remove: 0, insert: 'Pears.' });
		// The page had "Pears." and typed " Plums." at its end; meanwhile someone put "Apples. " at the start.
		book.edit(id, 'body', { index: 0, remove: 0, insert: 'Apples. ' });
		book.edit(id, 'body', { index: 6, remove: 0, insert: ' Plums.' }, 'Pears.');
		expect(book.list()[0]!.body).toBe('Apples. Pears. Plums.');
		// A splice outside the text it names is refused, whatever the text is now.
		expect(() => book.edit(id, 'body', { index: 7, remove: 0, insert: 'x' }, 'Pears.')).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'index' }));
	});

	it('comes back from its saved state', () => {
		const { book } = replica(1);
		const id = book.create(BOB, 5);
		book.edit(id, 'body', { index: 0, remove: 0, insert: 'kept' });
		expect(replica(2, book.state()).book.list()).toEqual(book.list());
	});

	it('two members typing at once into one draft both keep what they typed', () => {
		const [a, b] = [replica(1), replica(2)];
		const id = a.book.create(ALICE, 1);
		a.book.edit(id, 'body', { index: 0, remove: 0, insert: 'We plant.' });
		b.book.receive(a.book.missing(b.book.stateVector()), 'A');
		a.book.edit(id, 'body', { index: 0, remove: 0, insert: 'In spring, ' });
		b.book.edit(id, 'body', { index: 9, remove: 0, insert: ' Pears too.' });
		for (const u of a.outgoing.splice(0)) b.book.receive(u, 'A');
		for (const u of b.outgoing.splice(0)) a.book.receive(u, 'B');
		expect(a.book.list()).toEqual(b.book.list());
		expect(a.book.list()[0]!.body).toBe('In spring, We plant. Pears too.');
	});

	it('replicas agree whatever the order, duplication and delay of updates', () => {
		type Op = { replica: number; kind: 'create' | 'edit' | 'remove'; pick: number; field: DraftField; at: number; cut: number; text: string };
		const op = fc.record({
			replica: fc.integer({ min: 0, max: 2 }),
			kind: fc.constantFrom<Op['kind']>('create', 'edit', 'edit', 'edit', 'remove'),
			pick: fc.nat(),
			field: fc.constantFrom<DraftField>('title', 'body'),
			at: fc.nat(),
			cut: fc.nat({ max: 3 }),
			text: fc.string({ maxLength: 4 })
		});
		// After each op, some updates in flight are delivered, in a random order, some twice.
		const step = fc.record({ op, deliver: fc.array(fc.record({ to: fc.integer({ min: 0, max: 2 }), which: fc.nat(), twice: fc.boolean() }), { maxLength: 4 }) });
		fc.assert(
			fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
				const replicas = [replica(1), replica(2), replica(3)];
				const inFlight: Array<{ from: number; update: Uint8Array }> = [];
				const collect = () => replicas.forEach((r, from) => inFlight.push(...r.outgoing.splice(0).map((update) => ({ from, update }))));
				for (const { op: o, deliver } of steps) {
					const r = replicas[o.replica]!.book;
					const drafts = r.list();
					const target = drafts[o.pick % Math.max(1, drafts.length)];
					if (o.kind === 'create' || !target) r.create(o.replica === 0 ? ALICE : BOB, o.pick);
					else if (o.kind === 'remove') r.remove(target.id);
					else {
						const length = target[o.field].length;
						const at = o.at % (length + 1);
						const bytes = (t: string) => new TextEncoder().encode(t).length;
						const insert = bytes(target[o.field]) + bytes(o.text) > MAX_DRAFT_BYTES[o.field] ? '' : o.text;
						r.edit(target.id, o.field, { index: at, remove: Math.min(o.cut, length - at), insert });
					}
					collect();
					for (const d of deliver) {
						if (inFlight.length === 0) break;
						const { from, update } = inFlight[d.which % inFlight.length]!;
						if (from === d.to) continue;
						replicas[d.to]!.book.receive(update, `r${from}`);
						if (d.twice) replicas[d.to]!.book.receive(update, `r${from}`);
					}
				}
				collect();
				// Everything still in flight arrives at last, at every other replica.
				for (const { from, update } of inFlight) replicas.forEach((r, to) => to !== from && r.book.receive(update, `r${from}`));
				const [first, ...rest] = replicas.map((r) => r.book.list());
				for (const other of rest) expect(other).toEqual(first);
			}),
			{ numRuns: 200 }
		);
	});

	it('refuses from a peer an update that does not decode, or that is too large, before it touches the document', () => {
		const { book } = replica(1);
		const id = book.create(ALICE, 1);
		const before = book.state();
		expect(() => book.receive(new Uint8Array([0xff, 0xff, 0xff, 0x01]), 'P')).toThrow(expect.objectContaining({ code: 'E_FRAME', field: 'draftsUpdate.update' }));
		expect(() => book.receive(new Uint8Array(MAX_DRAFT_UPDATE_BYTES + 1), 'P')).toThrow(expect.objectContaining({ code: 'E_FRAME', field: 'draftsUpdate.update' }));
		expect(book.state()).toEqual(before);
		expect(book.list().map((d) => d.id)).toEqual([id]);
	});

	it('leaves out a peer\'s updates that would grow the drafts past their bound, keeping the peer', () => {
		const { book } = replica(1);
		// A peer's own replica, writing large texts straight into the shared structure.
		const peer = new Y.Doc();
		const drafts = peer.getMap<Y.Map<unknown>>('drafts');
		const chunk = 'x'.repeat(200_000);
		const taken: boolean[] = [];
		for (let i = 0; i < 8; i++) {
			const before = Y.encodeStateVector(peer);
			peer.transact(() => {
				const d = new Y.Map<unknown>();
				const body = new Y.Text();
				d.set('body', body);
				d.set('title', new Y.Text());
				d.set('author', BOB);
				d.set('created', i);
				drafts.set(`d${i}`, d);
				body.insert(0, chunk);
			});
			taken.push(book.receive(Y.encodeStateAsUpdate(peer, before), 'P'));
		}
		expect(taken.slice(0, 4)).toEqual([true, true, true, true]);
		expect(taken.at(-1)).toBe(false);
		expect(book.state().length).toBeLessThanOrEqual(MAX_DRAFTS_BYTES);
	});

	it('refuses a local draft past the bound, so that the answer to any peer always fits one frame', () => {
		const { book } = replica(1);
		const body = 'y'.repeat(MAX_DRAFT_BYTES.body);
		let full: unknown = null;
		for (let i = 0; i < 1000 && full === null; i++) {
			try {
				const id = book.create(ALICE, i);
				book.edit(id, 'body', { index: 0, remove: 0, insert: body });
			} catch (e) {
				full = e;
			}
		}
		expect(full).toMatchObject({ code: 'E_SCHEMA', field: 'drafts', message: expect.stringContaining('delete a draft first') });
		const answer = replica(2).book.stateVector();
		const update = book.missing(answer);
		expect(update.length).toBeLessThanOrEqual(MAX_DRAFT_UPDATE_BYTES);
		expect(decodeFrame(encodeFrame({ type: 'draftsUpdate', update }))).toMatchObject({ type: 'draftsUpdate' });
	});

	it('leaves out entries of another shape that a peer wrote', () => {
		const { book } = replica(1);
		const peer = new Y.Doc();
		peer.getMap('drafts').set('odd', 'not a draft');
		book.receive(Y.encodeStateAsUpdate(peer), 'P');
		expect(book.list()).toEqual([]);
		expect(() => book.edit('odd', 'title', { index: 0, remove: 0, insert: 'x' })).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'id' }));
	});
});
