/** The signaling room of a community, derived from its genesis hash. */
import { hash, HASH_BYTES } from '../core/hash.js';
import { isBytes, toHex } from '../core/bytes.js';
import { fail } from '../core/errors.js';

/**
 * `agora-<hex>` of the domain-separated hash of the genesis hash: every member
 * computes the same name from the invite, and relays learn neither the
 * genesis hash nor anything else about the community.
 */
export function roomName(genesisHash: Uint8Array): string {
	if (!isBytes(genesisHash, HASH_BYTES)) fail('E_SCHEMA', 'genesisHash', genesisHash, `must be ${HASH_BYTES} bytes`);
	return 'agora-' + toHex(hash('room', genesisHash));
}
