/**
 * Transactions: creating and signing them, and verifying signatures through
 * every Ed25519 this runtime offers, measured side by side: the portable
 * @noble/ed25519 (what the core signs with and checks against), the
 * runtime's WebCrypto, node:crypto on one thread, and node:crypto on every
 * core through the worker pool.
 */
import type { Suite } from '../harness.js';
import { REFERENCE } from '../reference.js';
import { signTx } from '../../src/lib/core/tx/tx.js';
import { txSignatureChecks } from '../../src/lib/core/chain.js';
import { nobleVerifier, type SigCheck, type Verifier } from '../../src/lib/core/verify.js';
import { nodeVerifier } from '../../src/lib/crypto/node.js';
import { webCryptoSupportsEd25519, webCryptoVerifier } from '../../src/lib/crypto/webcrypto.js';
import { VerifierPool } from '../../src/lib/crypto/pool.js';
import { blockTxs, community, signFast, T0 } from '../fixtures.js';

const BATCH = 256;
/** Large enough that every thread gets several chunks. */
const POOL_BATCH = 8192;

const suite: Suite = {
	name: 'signatures',
	title: 'Transactions and signatures',
	order: 10,
	async run(ctx) {
		const c = community(10);
		const [alice, bob] = c.members;
		let nonce = 0;
		const transfer = () => ({ chain: c.chain.chainId, from: alice!.keys.publicKey, nonce: nonce++, fee: 1, created: T0, expires: T0 + 3_600_000, kind: 'transfer', body: { to: bob!.keys.publicKey, amount: 1 } });
		const noble = await ctx.rate(() => signTx(transfer(), alice!.keys));
		const nobleSign = ctx.record({ id: 'createSign.noble', label: 'create + sign a transaction, @noble/ed25519 (the core\'s signer)', ...noble, unit: 'tx/s', better: 'higher', reference: REFERENCE.createSign });
		const native = await ctx.rate(() => signFast(transfer(), alice!));
		const nativeSign = ctx.record({ id: 'createSign.node', label: 'create + sign a transaction, node:crypto', ...native, unit: 'tx/s', better: 'higher', reference: REFERENCE.createSign });
		ctx.ratio('createSign.node/noble', 'node:crypto ÷ noble (signing)', nativeSign, nobleSign);

		// Distinct transactions from ten senders, as in a block.
		const checks: SigCheck[] = blockTxs(c, 1, BATCH).flatMap(txSignatureChecks);
		const verifyRate = async (verifier: Verifier, batch: readonly SigCheck[]) =>
			ctx.rate(async () => {
				const ok = await verifier(batch);
				if (ok.includes(false)) throw new Error('a valid signature failed to verify');
			}, { ops: batch.length });

		const nobleVerify = ctx.record({ id: 'verify.noble', label: 'verify, @noble/ed25519 (one thread)', ...(await verifyRate(nobleVerifier, checks)), unit: 'sig/s', better: 'higher', reference: REFERENCE.verify });
		if (await webCryptoSupportsEd25519()) {
			const web = ctx.record({ id: 'verify.webcrypto', label: 'verify, WebCrypto crypto.subtle (batched awaits)', ...(await verifyRate(webCryptoVerifier(), checks)), unit: 'sig/s', better: 'higher', reference: REFERENCE.verify });
			ctx.ratio('verify.webcrypto/noble', 'WebCrypto ÷ noble (verifying)', web, nobleVerify);
		}
		const node = ctx.record({ id: 'verify.node', label: 'verify, node:crypto (one thread)', ...(await verifyRate(nodeVerifier, checks)), unit: 'sig/s', better: 'higher', reference: REFERENCE.verify });
		ctx.ratio('verify.node/noble', 'node:crypto ÷ noble (verifying)', node, nobleVerify);

		const pool = new VerifierPool();
		try {
			const big = Array.from({ length: POOL_BATCH }, (_, i) => checks[i % checks.length]!);
			const all = ctx.record({
				id: 'verify.pool',
				label: `verify, node:crypto on ${pool.threads} threads (worker pool)`,
				...(await verifyRate(pool.verify, big)),
				unit: 'sig/s',
				better: 'higher',
				reference: REFERENCE.verify
			});
			ctx.ratio('verify.pool/node', `pool of ${pool.threads} ÷ one thread`, all, node);
			ctx.ratio('verify.pool/noble', 'pool ÷ noble', all, nobleVerify);
		} finally {
			await pool.close();
		}
	}
};

export default suite;
