/**
 * The worker-thread verifier pool: the same answers as the portable noble
 * verifier and as node:crypto on one thread, for valid, forged and malformed
 * checks alike, in order across chunks; and it never holds a process open.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VerifierPool } from '../../../src/lib/crypto/pool.js';
import { nodeVerifier } from '../../../src/lib/crypto/node.js';
import { nobleVerifier, type SigCheck } from '../../../src/lib/core/verify.js';
import { keyPairFromSeed, sign, signedMessage } from '../../../src/lib/core/keys.js';

const keys = Array.from({ length: 6 }, (_, i) => keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
// Small chunks so that even small batches are split over both threads and reassembled.
const pool = new VerifierPool({ threads: 2, minChunk: 1, maxChunk: 3 });
afterAll(() => pool.close());

type Tamper = 'none' | 'message' | 'signature' | 'key' | 'shortSig' | 'longKey' | 'notBytes' | 'zeroKey' | 'stringMessage';
const TAMPERS: Tamper[] = ['none', 'none', 'none', 'message', 'signature', 'key', 'shortSig', 'longKey', 'notBytes', 'zeroKey', 'stringMessage'];

function check(signer: number, message: Uint8Array, tamper: Tamper, at: number): SigCheck {
	const k = keys[signer]!;
	const full = signedMessage('txSign', message);
	const signature = sign('txSign', message, k.secretKey);
	const flip = (b: Uint8Array): Uint8Array => {
		const out = b.slice();
		if (out.length > 0) out[at % out.length]! ^= 1 << at % 8;
		return out;
	};
	switch (tamper) {
		case 'none':
			return { message: full, signature, publicKey: k.publicKey };
		case 'message':
			return { message: flip(full), signature, publicKey: k.publicKey };
		case 'signature':
			return { message: full, signature: flip(signature), publicKey: k.publicKey };
		case 'key':
			return { message: full, signature, publicKey: keys[(signer + 1) % keys.length]!.publicKey };
		case 'shortSig':
			return { message: full, signature: signature.subarray(0, 63), publicKey: k.publicKey };
		case 'longKey':
			return { message: full, signature, publicKey: Uint8Array.of(...k.publicKey, 0) };
		case 'notBytes':
			return { message: full, signature: [...signature] as unknown as Uint8Array, publicKey: k.publicKey };
		case 'zeroKey':
			return { message: full, signature, publicKey: new Uint8Array(32) };
		case 'stringMessage':
			return { message: 'not bytes' as unknown as Uint8Array, signature, publicKey: k.publicKey };
	}
}

const checksArb = fc.array(
	fc.record({
		signer: fc.nat({ max: keys.length - 1 }),
		message: fc.uint8Array({ maxLength: 300 }),
		tamper: fc.constantFrom(...TAMPERS),
		at: fc.nat()
	}),
	{ maxLength: 12 }
);

describe('VerifierPool', () => {
	it('answers like noble and like node:crypto on one thread, check for check', async () => {
		await fc.assert(
			fc.asyncProperty(checksArb, async (specs) => {
				const checks = specs.map((s) => check(s.signer, s.message, s.tamper, s.at));
				const [byPool, byNoble, byNode] = await Promise.all([pool.verify(checks), nobleVerifier(checks), nodeVerifier(checks)]);
				expect(byPool).toEqual(byNode);
				// noble refuses a string message that node:crypto reads as UTF-8; on bytes the three agree.
				specs.forEach((s, i) => {
					if (s.tamper !== 'stringMessage') expect(byPool[i]).toBe(byNoble[i]);
				});
				specs.forEach((s, i) => expect(byPool[i], s.tamper).toBe(s.tamper === 'none'));
			}),
			{ numRuns: 60 }
		);
	});

	it('keeps the order of a large batch split into many chunks, several batches at once', async () => {
		const big = new VerifierPool({ threads: 2, minChunk: 1, maxChunk: 7 });
		try {
			const batches = [0, 1, 2].map((b) => Array.from({ length: 50 }, (_, i) => check(i % keys.length, Uint8Array.of(b, i), (i * 7 + b) % 5 === 0 ? 'signature' : 'none', i)));
			const answers = await Promise.all(batches.map((c) => big.verify(c)));
			answers.forEach((answer, b) => expect(answer).toEqual(batches[b]!.map((_, i) => (i * 7 + b) % 5 !== 0)));
		} finally {
			await big.close();
		}
	});

	it('answers an empty batch', async () => {
		expect(await pool.verify([])).toEqual([]);
	});

	it('rejects batches in flight and after close', async () => {
		const p = new VerifierPool({ threads: 1 });
		const pending = expect(p.verify(Array.from({ length: 40 }, (_, i) => check(0, Uint8Array.of(i), 'none', 0)))).rejects.toThrow(/closed/);
		await p.close();
		await pending;
		await expect(p.verify([check(0, Uint8Array.of(1), 'none', 0)])).rejects.toThrow(/closed/);
		await p.close();
	});

	it('lets a process exit once its batches are answered, even without close', async () => {
		const root = fileURLToPath(new URL('../../..', import.meta.url));
		const script = fileURLToPath(new URL('./fixtures/exit-without-close.ts', import.meta.url));
		const out = await new Promise<string>((resolve, reject) => {
			execFile(process.execPath, ['--import', 'tsx', script], { cwd: root, timeout: 20_000 }, (error, stdout, stderr) =>
				error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)
			);
		});
		expect(out.trim()).toBe('[false]');
	});
});
