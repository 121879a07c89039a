import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openBackup, sealBackup, type KdfParams } from '../../../src/lib/core/backup.js';
import { encode } from '../../../src/lib/core/codec.js';
import { key, expectAgoraError } from '../../helpers/community.js';

// A cheap KDF keeps the tests fast; the file carries its parameters, so the code path is the same.
const FAST: KdfParams = { N: 16, r: 1, p: 1 };
const random = { salt: new Uint8Array(32).fill(1), nonce: new Uint8Array(24).fill(2) };
const alice = { keys: key(0), name: 'Alice' };

describe('identity backup', () => {
	it('opens with the passphrase it was sealed with', () => {
		const file = sealBackup(alice, 'correct horse', random, FAST);
		const back = openBackup(file, 'correct horse');
		expect(back.name).toBe('Alice');
		expect(back.keys.publicKey).toEqual(alice.keys.publicKey);
		expect(back.keys.secretKey).toEqual(alice.keys.secretKey);
	});

	it('says the passphrase is wrong, not that the file is damaged', () => {
		const file = sealBackup(alice, 'correct horse', random, FAST);
		expectAgoraError(() => openBackup(file, 'correct hors'), 'E_PASSPHRASE', 'passphrase');
	});

	it('refuses an empty passphrase', () => {
		expectAgoraError(() => sealBackup(alice, '', random, FAST), 'E_PASSPHRASE', 'passphrase');
	});

	it('a half-written file is damaged (E_DECODE) at every length', () => {
		const file = sealBackup(alice, 'pw', random, FAST);
		for (let n = 0; n < file.length; n++) {
			expect(() => openBackup(file.subarray(0, n), 'pw'), `truncated to ${n}`).toThrow(expect.objectContaining({ code: 'E_DECODE', field: 'backup' }));
		}
	});

	it('refuses a file that asks scrypt for more memory than a browser should give', () => {
		// Built by hand: sealing with these parameters would itself need a gigabyte.
		const greedy = encode([1, [1 << 20, 8, 1], random.salt, random.nonce, new Uint8Array(64)]);
		expectAgoraError(() => openBackup(greedy, 'pw'), 'E_DECODE', 'backup');
	});

	it('any flipped byte is detected and opens nothing', () => {
		const file = sealBackup(alice, 'pw', random, FAST);
		fc.assert(
			fc.property(fc.nat({ max: file.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
				const bad = file.slice();
				bad[at]! ^= x;
				expect(() => openBackup(bad, 'pw')).toThrow(expect.objectContaining({ code: expect.stringMatching(/^E_(DECODE|PASSPHRASE)$/) }));
			}),
			{ numRuns: 200 }
		);
	});
});
