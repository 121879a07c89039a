/** Splices between text versions, cursors and splices carried across others' edits: fixed cases, then properties. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { moveCursor, rebaseSplice, spliceBetween } from '../../../src/lib/core/splice.js';

const apply = (text: string, s: { index: number; remove: number; insert: string }) => text.slice(0, s.index) + s.insert + text.slice(s.index + s.remove);

describe('spliceBetween', () => {
	const cases: Array<[string, string, string, { index: number; remove: number; insert: string }]> = [
		['a keystroke', 'helo', 'hello', { index: 3, remove: 0, insert: 'l' }],
		['a backspace', 'hello', 'helo', { index: 3, remove: 1, insert: '' }],
		['a paste over a selection', 'one two three', 'one 2 three', { index: 4, remove: 3, insert: '2' }],
		['no change', 'same', 'same', { index: 4, remove: 0, insert: '' }],
		['from empty', '', 'new', { index: 0, remove: 0, insert: 'new' }],
		['a repeated letter', 'aaa', 'aaaa', { index: 3, remove: 0, insert: 'a' }]
	];
	for (const [name, before, after, splice] of cases) {
		it(name, () => expect(spliceBetween(before, after)).toEqual(splice));
	}

	it('always turns the one text into the other', () => {
		fc.assert(
			fc.property(fc.string(), fc.string(), (before, after) => {
				expect(apply(before, spliceBetween(before, after))).toBe(after);
			})
		);
	});
});

describe('moveCursor', () => {
	it('stays before a change, shifts after one, and lands after text that replaced it', () => {
		expect(moveCursor(2, 'hello world', 'hello big world')).toBe(2);
		expect(moveCursor(8, 'hello world', 'hello big world')).toBe(12);
		expect(moveCursor(8, 'hello world', 'hello')).toBe(5);
	});

	it('keeps the cursor on the same character when text is inserted elsewhere', () => {
		// Distinct characters, so that the splice found is the insertion itself (a repeated run could align it either side).
		const text = fc.uniqueArray(fc.constantFrom(...'abcdefghijklm'), { minLength: 1, maxLength: 10 }).map((cs) => cs.join(''));
		const insert = fc.stringMatching(/^[N-Z]{1,3}$/);
		fc.assert(
			fc.property(text, fc.nat(), fc.nat(), insert, (t, c, i, ins) => {
				const cursor = c % t.length;
				const at = i % (t.length + 1);
				fc.pre(at !== cursor);
				const after = t.slice(0, at) + ins + t.slice(at);
				expect(after[moveCursor(cursor, t, after)]).toBe(t[cursor]);
			})
		);
	});
});

describe('rebaseSplice', () => {
	it('leaves a splice made against the current text as it is', () => {
		const s = { index: 2, remove: 1, insert: 'x' };
		expect(rebaseSplice(s, 'abc', 'abc')).toBe(s);
	});

	it('moves a splice past text others inserted before it, and keeps it when they wrote after it', () => {
		expect(rebaseSplice({ index: 6, remove: 0, insert: '!' }, 'Pears.', 'Apples. Pears.')).toEqual({ index: 14, remove: 0, insert: '!' });
		expect(rebaseSplice({ index: 0, remove: 0, insert: '>' }, 'Pears.', 'Pears. Plums.')).toEqual({ index: 0, remove: 0, insert: '>' });
	});

	it('removes only what is left of a range others removed part of', () => {
		expect(rebaseSplice({ index: 2, remove: 4, insert: '' }, 'abcdefgh', 'abcgh')).toEqual({ index: 2, remove: 1, insert: '' });
	});

	it('an insertion lands between the same characters it was typed between, whatever was inserted elsewhere meanwhile', () => {
		// Distinct characters, so that where each character went is unambiguous.
		const base = fc.uniqueArray(fc.constantFrom(...'abcdefghijklm'), { maxLength: 10 }).map((cs) => cs.join(''));
		const theirs = fc.stringMatching(/^[N-Z]{1,3}$/);
		const mine = fc.stringMatching(/^[0-9]{1,3}$/);
		fc.assert(
			fc.property(base, fc.nat(), fc.nat(), mine, theirs, (text, i, j, m, t) => {
				const [a, b] = [i % (text.length + 1), j % (text.length + 1)];
				fc.pre(a !== b);
				const current = text.slice(0, b) + t + text.slice(b);
				const s = rebaseSplice({ index: a, remove: 0, insert: m }, text, current);
				const result = current.slice(0, s.index) + m + current.slice(s.index);
				const expected = a < b ? text.slice(0, a) + m + text.slice(a, b) + t + text.slice(b) : text.slice(0, b) + t + text.slice(b, a) + m + text.slice(a);
				expect(result).toBe(expected);
			})
		);
	});
});
