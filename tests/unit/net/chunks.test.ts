import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reassembler, toChunks } from '../../../src/lib/net/chunks.js';

describe('chunks', () => {
	it('round-trips any sequence of frames at any chunk size', () => {
		fc.assert(
			fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.integer({ min: 2, max: 64 }), (frames, size) => {
				const r = new Reassembler(1000);
				const out: Uint8Array[] = [];
				for (const frame of frames) {
					const chunks = toChunks(frame, size);
					expect(chunks.every((c) => c.length <= size)).toBe(true);
					for (const c of chunks) {
						const done = r.push(c);
						if (done) out.push(done);
					}
				}
				expect(out).toEqual(frames);
			})
		);
	});

	it('sends an empty frame as one chunk', () => {
		expect(toChunks(new Uint8Array(0))).toEqual([new Uint8Array([0])]);
		expect(new Reassembler(10).push(new Uint8Array([0]))).toEqual(new Uint8Array(0));
	});

	it('rejects an empty chunk, an unknown flag and an oversize frame with E_FRAME', () => {
		expect(() => new Reassembler(10).push(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'E_FRAME' }));
		expect(() => new Reassembler(10).push(new Uint8Array([2, 1]))).toThrow(expect.objectContaining({ code: 'E_FRAME', field: 'chunk[0]' }));
		const r = new Reassembler(4);
		r.push(new Uint8Array([1, 1, 2, 3]));
		expect(() => r.push(new Uint8Array([0, 4, 5]))).toThrow(expect.objectContaining({ code: 'E_FRAME', value: 5 }));
	});
});
