/**
 * Validating a whole chain: 1,000 blocks of 10 signed transfers, from their
 * encodings (as an export file or a peer hands them over) to a chain whose
 * every rule and state root has been checked. Blocks are decoded as they
 * stream in; signatures are verified ahead and in parallel by the worker
 * pool while blocks are applied in order (addBlocks); the raw throughput of
 * that same pool on the same signatures is measured in the same run,
 * interleaved, and the ratio of the two says how little else validation
 * costs (issue 3 aims at 80% or more).
 *
 * Then the same work on one thread, phase by phase, to show what
 * dominates: decoding, verifying signatures, and applying blocks (Merkle
 * roots, state transition, state roots, engine rules).
 */
import { median, type Suite } from '../harness.js';
import { REFERENCE } from '../reference.js';
import { Chain, signatureChecks, verifyBlock, type VerifiedBlock } from '../../src/lib/core/chain.js';
import { addBlocks } from '../../src/lib/core/bulk.js';
import { decodeBlock, type Block } from '../../src/lib/core/block/block.js';
import { VerifierPool } from '../../src/lib/crypto/pool.js';
import { nodeVerifier } from '../../src/lib/crypto/node.js';
import type { SigCheck } from '../../src/lib/core/verify.js';
import { chainFixture } from '../fixtures.js';

const BLOCKS = 1000;
const TXS = 10;
const SAMPLES = 5;

const fail = (): never => {
	throw new Error('a valid signature failed to verify');
};

const suite: Suite = {
	name: 'chain',
	title: 'Validating a chain of 1,000 blocks × 10 signed transactions',
	order: 40,
	async run(ctx) {
		ctx.log('building the chain…');
		const fixture = chainFixture(BLOCKS, TXS);
		const signatures = fixture.signatures;
		const checks = fixture.blocks.flatMap(signatureChecks);
		const pool = new VerifierPool();

		// Blocks are decoded as they stream in, as an export is read: decoding overlaps verification in flight.
		function* decoded(): Generator<Block> {
			for (const bytes of fixture.encoded.slice(1)) yield decodeBlock(bytes);
		}
		const validate = async (): Promise<void> => {
			const chain = Chain.open(await verifyBlock(decodeBlock(fixture.encoded[0]!), pool.verify));
			await addBlocks(chain, decoded(), pool.verify, fixture.now);
			if (chain.height !== BLOCKS) throw new Error(`validation stopped at height ${chain.height}`);
		};
		const raw = async (): Promise<void> => {
			if ((await pool.verify(checks)).includes(false)) fail();
		};

		try {
			await raw();
			await validate();
			// Interleaved, so that both see the same machine.
			const rawRates: number[] = [];
			const seconds: number[] = [];
			for (let s = 0; s < SAMPLES; s++) {
				let start = performance.now();
				await raw();
				rawRates.push((signatures * 1000) / (performance.now() - start));
				start = performance.now();
				await validate();
				seconds.push((performance.now() - start) / 1000);
			}
			const rawFigure = ctx.record({
				id: 'verify.pool',
				label: `raw signature verification, worker pool (${pool.threads} threads)`,
				value: median(rawRates),
				samples: rawRates,
				unit: 'sig/s',
				better: 'higher'
			});
			ctx.record({ id: 'validate', label: 'validate the chain (decode, verify, apply)', value: median(seconds), samples: seconds, unit: 's', better: 'lower', reference: REFERENCE.validateChain });
			const rates = seconds.map((t) => signatures / t);
			const validated = ctx.record({
				id: 'validate.signatures',
				label: `validate the chain, as signatures (${signatures.toLocaleString('en-US')})`,
				value: median(rates),
				samples: rates,
				unit: 'sig/s',
				better: 'higher',
				reference: REFERENCE.validateChainSignatures
			});
			ctx.ratio('validate/raw', 'chain validation ÷ raw pool verification', validated, rawFigure, 0.8);
		} finally {
			await pool.close();
		}

		// One thread, phase by phase, each on freshly decoded blocks (no cached encodings or hashes).
		const phases = { decode: [] as number[], checks: [] as number[], verify: [] as number[], apply: [] as number[] };
		const timed = async (fn: () => unknown): Promise<number> => {
			const start = performance.now();
			await fn();
			return (performance.now() - start) / 1000;
		};
		for (let s = 0; s < 3; s++) {
			let blocks: Block[] = [];
			phases.decode.push(await timed(() => (blocks = fixture.encoded.map((bytes) => decodeBlock(bytes)))));
			let fresh: SigCheck[] = [];
			phases.checks.push(await timed(() => (fresh = blocks.flatMap(signatureChecks))));
			phases.verify.push(await timed(async () => (await nodeVerifier(fresh)).includes(false) && fail()));
			blocks = fixture.encoded.map((bytes) => decodeBlock(bytes));
			phases.apply.push(
				await timed(() => {
					const chain = Chain.open({ block: blocks[0]! } as VerifiedBlock);
					for (const block of blocks.slice(1)) chain.add({ block } as VerifiedBlock, fixture.now);
				})
			);
		}
		const phase = (id: keyof typeof phases, label: string) => ctx.record({ id: `phase.${id}`, label: `one thread: ${label}`, value: median(phases[id]), samples: phases[id], unit: 's', better: 'lower' });
		const decode = phase('decode', 'decode every block');
		const build = phase('checks', 'build every signature check (signed messages)');
		const verify = phase('verify', 'verify every signature (node:crypto)');
		const apply = phase('apply', 'apply every block (Merkle, state, roots, engine)');
		const other = decode.value + build.value + apply.value;
		ctx.record({
			id: 'phase.verifyShare',
			label: 'verification ÷ all one-thread work (the best validate/raw can be)',
			value: verify.value / (verify.value + other),
			unit: '×',
			better: 'higher',
			note: 'with every core busy verifying, the rest of the work takes cores from it'
		});
	}
};

export default suite;
