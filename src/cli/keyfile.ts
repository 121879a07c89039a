/**
 * Key files: an Ed25519 key pair as a small JSON document, for scripting a
 * community from the command line. The secret is in the clear, so `agora
 * keygen` creates the file readable by its owner only.
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../lib/core/bytes.js';
import { AgoraError } from '../lib/core/errors.js';
import { keyPairFromSeed, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, type KeyPair } from '../lib/core/keys.js';
import * as s from '../lib/core/schema.js';
import { CliError, UsageError } from './command.js';
import { readWhole } from './files.js';

export const KEY_FILE_TYPE = 'agora-ed25519-key';

export interface KeyFileJson {
	readonly type: typeof KEY_FILE_TYPE;
	readonly publicKey: string;
	/** The 32-byte seed the key pair is derived from. */
	readonly secretKey: string;
}

export function keyFileJson(keys: KeyPair): KeyFileJson {
	return { type: KEY_FILE_TYPE, publicKey: toHex(keys.publicKey), secretKey: toHex(keys.secretKey) };
}

/** Reads a key file's JSON; throws an AgoraError naming what is wrong. */
export function parseKeyFile(value: unknown): KeyPair {
	const r = s.exactRecord(value, 'key', ['type', 'publicKey', 'secretKey']);
	if (r.type !== KEY_FILE_TYPE) throw new AgoraError('E_KEY', `key.type must be ${JSON.stringify(KEY_FILE_TYPE)}`, 'key.type', r.type);
	const publicKey = fromHex(s.str(r.publicKey, 'key.publicKey', 2 * PUBLIC_KEY_BYTES), 'key.publicKey', PUBLIC_KEY_BYTES);
	const keys = keyPairFromSeed(fromHex(s.str(r.secretKey, 'key.secretKey', 2 * SECRET_KEY_BYTES), 'key.secretKey', SECRET_KEY_BYTES));
	if (!equalBytes(keys.publicKey, publicKey)) throw new AgoraError('E_KEY', 'key.publicKey is not the public key of key.secretKey', 'key.publicKey', r.publicKey);
	return keys;
}

/** The key pair in the file a flag names: a missing file is a usage error, a malformed one a failure naming the flag. */
export async function readKeyFile(command: string, flag: string, path: string): Promise<KeyPair> {
	const bytes = await readWhole(command, path).catch((error: unknown) => {
		if (error instanceof UsageError) throw new UsageError(command, `--${flag}: ${error.message}`);
		throw error;
	});
	try {
		return parseKeyFile(JSON.parse(new TextDecoder().decode(bytes)));
	} catch (error) {
		throw new CliError(command, `--${flag} ${JSON.stringify(path)} is not an agora key file: ${(error as Error).message}`);
	}
}

/** A key or id written as 64 hex digits. */
export const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** A public key given as 64 hex digits, or as the path of a key file. */
export async function publicKeyArg(command: string, flag: string, value: string): Promise<Bytes> {
	if (HEX_KEY.test(value)) return fromHex(value);
	return (await readKeyFile(command, flag, value)).publicKey;
}
