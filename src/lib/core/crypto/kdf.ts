/**
 * Key derivation: HKDF-SHA256 (RFC 5869) whose info opens with an Agora
 * domain prefix, so a key derived for one purpose is never the key of another.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, type Bytes } from '../bytes.js';
import { domainPrefix, type DomainName } from '../hash.js';

export function deriveKey(domain: DomainName, ikm: Bytes, salt: Bytes, context: Bytes, length = 32): Bytes {
	return hkdf(sha256, ikm, salt, concat(domainPrefix(domain), context), length);
}
