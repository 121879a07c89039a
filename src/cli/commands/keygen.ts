/** `agora keygen`: a new Ed25519 key pair in a key file only its owner can read. */
import { randomBytes } from 'node:crypto';
import { toHex } from '../../lib/core/bytes.js';
import { keyPairFromSeed, SECRET_KEY_BYTES } from '../../lib/core/keys.js';
import type { Command, FlagSpecs } from '../command.js';
import { writeOutput } from '../files.js';
import { keyFileJson } from '../keyfile.js';

const flags = {
	out: { type: 'string', arg: '<file>', help: 'where to write the key file (default agora-key.json; never replaces a file)' }
} as const satisfies FlagSpecs;

export const DEFAULT_KEY_FILE = 'agora-key.json';

export const keygen: Command<typeof flags> = {
	name: 'keygen',
	summary: 'make a new Ed25519 key pair and print its public key',
	flags,
	async run(options, io) {
		const out = options.out ?? DEFAULT_KEY_FILE;
		const keys = keyPairFromSeed(new Uint8Array(randomBytes(SECRET_KEY_BYTES)));
		const text = JSON.stringify(keyFileJson(keys), null, '\t') + '\n';
		// Exclusive: a key that exists may be the only copy of someone's identity.
		await writeOutput('keygen', out, [new TextEncoder().encode(text)], { mode: 0o600, exclusive: true });
		io.out(toHex(keys.publicKey));
		return 0;
	}
};
