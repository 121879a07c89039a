/**
 * Passphrase-protected identity backups. The secret key is sealed with
 * XChaCha20-Poly1305 under a key stretched from the passphrase with scrypt;
 * the file names its own KDF parameters so they can grow stronger later. A
 * wrong passphrase and a damaged or half-written file are told apart: the
 * first is E_PASSPHRASE, the second E_DECODE, and neither leaks anything.
 * Randomness (salt, nonce) comes in as parameters.
 */
import { scrypt } from '@noble/hashes/scrypt.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { utf8 } from './bytes.js';
import { decode, encode } from './codec.js';
import { AgoraError, isAgoraError } from './errors.js';
import { domainPrefix } from './hash.js';
import { keyPairFromSeed, SECRET_KEY_BYTES, type KeyPair } from './keys.js';
import { readName } from './state/members.js';
import * as s from './schema.js';

export const BACKUP_VERSION = 1;
export const SALT_BYTES = 32;
export const NONCE_BYTES = 24;

export interface KdfParams {
	/** scrypt cost: a power of two. */
	readonly N: number;
	readonly r: number;
	readonly p: number;
}

/** About a second of work in a browser worker; tests use less. */
export const DEFAULT_KDF: KdfParams = { N: 1 << 16, r: 8, p: 1 };
/** scrypt needs 128·N·r bytes: a file may ask for at most 256 MiB, so a damaged one cannot exhaust memory. */
const MAX_N_TIMES_R = 1 << 21;

export interface IdentityBackup {
	readonly keys: KeyPair;
	readonly name: string;
}

function deriveKey(passphrase: string, salt: Uint8Array, kdf: KdfParams): Uint8Array {
	return scrypt(utf8(passphrase), salt, { ...kdf, dkLen: 32 });
}

/** The authenticated data binds the file's header, so its parameters cannot be swapped. */
function aad(kdf: KdfParams, salt: Uint8Array): Uint8Array {
	return encode([domainPrefix('keyBackup'), BACKUP_VERSION, kdf.N, kdf.r, kdf.p, salt]);
}

export function sealBackup(identity: IdentityBackup, passphrase: string, random: { salt: Uint8Array; nonce: Uint8Array }, kdf: KdfParams = DEFAULT_KDF): Uint8Array {
	if (passphrase.length === 0) throw new AgoraError('E_PASSPHRASE', 'a passphrase is needed to protect the backup', 'passphrase', '');
	if (random.salt.length !== SALT_BYTES || random.nonce.length !== NONCE_BYTES) {
		throw new AgoraError('E_KEY', `backup needs a ${SALT_BYTES}-byte salt and a ${NONCE_BYTES}-byte nonce`, 'random', random);
	}
	const plaintext = encode([identity.keys.secretKey, identity.name]);
	const sealed = xchacha20poly1305(deriveKey(passphrase, random.salt, kdf), random.nonce, aad(kdf, random.salt)).encrypt(plaintext);
	return encode([BACKUP_VERSION, [kdf.N, kdf.r, kdf.p], random.salt, random.nonce, sealed]);
}

export function openBackup(file: Uint8Array, passphrase: string): IdentityBackup {
	let parts: unknown[];
	let kdf: KdfParams;
	try {
		parts = s.tuple(decode(file), 'backup', 5);
		if (parts[0] !== BACKUP_VERSION) throw new AgoraError('E_DECODE', `backup version ${String(parts[0])} is not supported`, 'backup.version', parts[0]);
		const k = s.tuple(parts[1], 'backup.kdf', 3);
		kdf = { N: s.int(k[0], 'backup.kdf.N', 2, MAX_N_TIMES_R), r: s.int(k[1], 'backup.kdf.r', 1, 32), p: s.int(k[2], 'backup.kdf.p', 1, 4) };
		if ((kdf.N & (kdf.N - 1)) !== 0) throw new AgoraError('E_DECODE', 'backup scrypt cost must be a power of two', 'backup.kdf.N', kdf.N);
		if (kdf.N * kdf.r > MAX_N_TIMES_R) throw new AgoraError('E_DECODE', 'backup asks scrypt for more than 256 MiB', 'backup.kdf', kdf);
		s.bytes(parts[2], 'backup.salt', SALT_BYTES);
		s.bytes(parts[3], 'backup.nonce', NONCE_BYTES);
		s.bytes(parts[4], 'backup.sealed');
	} catch (e) {
		throw new AgoraError('E_DECODE', `this is not a complete Agora identity backup (${isAgoraError(e) ? e.message : String(e)})`, 'backup', file.length);
	}
	const [, , salt, nonce, sealed] = parts as [number, unknown, Uint8Array, Uint8Array, Uint8Array];
	let plaintext: Uint8Array;
	try {
		plaintext = xchacha20poly1305(deriveKey(passphrase, salt, kdf), nonce, aad(kdf, salt)).decrypt(sealed);
	} catch {
		throw new AgoraError('E_PASSPHRASE', 'the passphrase does not open this backup', 'passphrase', null);
	}
	const [secretKey, name] = s.tuple(decode(plaintext), 'backup.identity', 2);
	return { keys: keyPairFromSeed(s.bytes(secretKey, 'backup.identity.secretKey', SECRET_KEY_BYTES)), name: readName(name, 'backup.identity.name') };
}
