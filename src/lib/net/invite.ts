/**
 * Invite links. Everything a newcomer needs (the chain id, the room secret,
 * the signaling relays, the community's name for display) travels in the URL
 * fragment, which browsers never send to the static host.
 */
import { fromHex, toHex, type Hex } from '../core/bytes.js';
import { decode, encode } from '../core/codec.js';
import { AgoraError, fail, isAgoraError } from '../core/errors.js';
import { fromBase64, toBase64 } from './base64.js';
import { HASH_BYTES } from '../core/hash.js';
import * as s from '../core/schema.js';
import { MIN_SECRET_BYTES } from './roomcrypt.js';
import { isRelayUrl } from './signaling.js';

export interface Invite {
	readonly chainId: Hex;
	readonly secret: Uint8Array;
	readonly relays: readonly string[];
	readonly name: string;
}

const INVITE_VERSION = 1;
const PREFIX = 'join=';
export const MAX_RELAYS = 8;

/** The fragment (without '#') that carries an invite. */
export function inviteFragment(invite: Invite): string {
	return PREFIX + toBase64(encode([INVITE_VERSION, fromHex(invite.chainId), invite.secret, [...invite.relays], invite.name]), true);
}

export function inviteUrl(pageUrl: string, invite: Invite): string {
	const url = new URL(pageUrl);
	url.hash = inviteFragment(invite);
	return url.toString();
}

/** The room secret, as the signaling cipher will take it (too short a secret would only fail later, when connecting). */
function readSecret(value: unknown): Uint8Array {
	const secret = s.bytes(value, 'invite.secret', undefined, 64);
	if (secret.length < MIN_SECRET_BYTES) throw new AgoraError('E_SCHEMA', `the room secret has ${secret.length} bytes, fewer than ${MIN_SECRET_BYTES}`, 'invite.secret', secret);
	return secret;
}

/** Reads an invite from a fragment (with or without '#') or a whole URL; null when there is none. */
export function parseInvite(text: string): Invite | null {
	const hash = text.includes('#') ? text.slice(text.indexOf('#') + 1) : text;
	if (!hash.startsWith(PREFIX)) return null;
	try {
		const t = s.tuple(decode(fromBase64(hash.slice(PREFIX.length), true) ?? fail('E_SCHEMA', 'invite', hash, 'is not base64url')), 'invite', 5);
		if (t[0] !== INVITE_VERSION) throw new AgoraError('E_SCHEMA', `invite version ${String(t[0])} is not supported`, 'invite.version', t[0]);
		const relays = s.array(t[3], 'invite.relays', MAX_RELAYS).map((r, i) => {
			const url = s.str(r, `invite.relays[${i}]`, 512, 1);
			if (!isRelayUrl(url)) throw new AgoraError('E_SCHEMA', `relay ${url} is not a ws:// or wss:// address`, `invite.relays[${i}]`, url);
			return url;
		});
		return {
			chainId: toHex(s.bytes(t[1], 'invite.chain', HASH_BYTES)),
			secret: readSecret(t[2]),
			relays,
			name: s.str(t[4], 'invite.name', 80)
		};
	} catch (e) {
		const why = isAgoraError(e) ? e.message : String(e);
		throw new AgoraError('E_SCHEMA', `this invite link is damaged or incomplete (${why})`, 'invite', text);
	}
}
