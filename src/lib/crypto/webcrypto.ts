/**
 * Ed25519 verification through the runtime's WebCrypto, an order of
 * magnitude faster than pure JavaScript (see ../shared/STACK.md). Falls back
 * to the core's noble verifier where the runtime lacks Ed25519. Imported keys
 * are cached: a community has few signers and many signatures.
 */
import { toHex } from '../core/bytes.js';
import { nobleVerifier, type SigCheck, type Verifier } from '../core/verify.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/keys.js';

const ALGORITHM = { name: 'Ed25519' } as const;
const MAX_CACHED_KEYS = 10_000;

export async function webCryptoSupportsEd25519(subtle: SubtleCrypto = globalThis.crypto?.subtle): Promise<boolean> {
	if (!subtle) return false;
	try {
		const key = await subtle.importKey('raw', new Uint8Array(PUBLIC_KEY_BYTES).fill(1), ALGORITHM, false, ['verify']);
		await subtle.verify(ALGORITHM, key, new Uint8Array(SIGNATURE_BYTES), new Uint8Array(1));
		return true;
	} catch {
		return false;
	}
}

export function webCryptoVerifier(subtle: SubtleCrypto = globalThis.crypto.subtle): Verifier {
	const keys = new Map<string, Promise<CryptoKey | null>>();
	const keyFor = (publicKey: Uint8Array): Promise<CryptoKey | null> => {
		const id = toHex(publicKey);
		let key = keys.get(id);
		if (!key) {
			if (keys.size >= MAX_CACHED_KEYS) keys.clear();
			key = subtle.importKey('raw', publicKey.slice(), ALGORITHM, false, ['verify']).catch(() => null);
			keys.set(id, key);
		}
		return key;
	};
	const one = async (c: SigCheck): Promise<boolean> => {
		if (!(c.signature instanceof Uint8Array) || c.signature.length !== SIGNATURE_BYTES) return false;
		if (!(c.publicKey instanceof Uint8Array) || c.publicKey.length !== PUBLIC_KEY_BYTES) return false;
		const key = await keyFor(c.publicKey);
		if (!key) return false;
		try {
			return await subtle.verify(ALGORITHM, key, c.signature.slice(), c.message.slice());
		} catch {
			return false;
		}
	};
	return (checks) => Promise.all(checks.map(one));
}

/** The fastest verifier this runtime offers. */
export async function bestVerifier(): Promise<Verifier> {
	return (await webCryptoSupportsEd25519()) ? webCryptoVerifier() : nobleVerifier;
}
