/** Invite links: what a newcomer needs, in the URL fragment, read back exactly; a damaged one refused with the reason. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encode } from '../../../src/lib/core/codec.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { inviteFragment, inviteUrl, parseInvite, type Invite } from '../../../src/lib/net/invite.js';

const invite: Invite = { chainId: 'ab'.repeat(32), secret: new Uint8Array(16).fill(7), relays: ['ws://127.0.0.1:5173/signal'], name: 'Garden club' };

/** An invite fragment carrying `fields` in place of the real ones, encoded as the app encodes one. */
function forged(fields: Partial<{ chain: unknown; secret: unknown; relays: unknown; name: unknown }>): string {
	const tuple = [1, fields.chain ?? new Uint8Array(32).fill(0xab), fields.secret ?? invite.secret, fields.relays ?? invite.relays, fields.name ?? invite.name];
	return 'join=' + Buffer.from(encode(tuple as never)).toString('base64url');
}

describe('invites', () => {
	it('a link on any page carries the invite in its fragment, read back exactly', () => {
		const url = inviteUrl('https://example.org/agora/?x=1', invite);
		expect(new URL(url).pathname).toBe('/agora/');
		expect(parseInvite(url)).toEqual(invite);
		expect(parseInvite(inviteFragment(invite))).toEqual(invite);
	});

	it('round-trips any invite', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.string({ unit: 'grapheme-ascii', maxLength: 80 }), (chain, secret, name) => {
				const i: Invite = { chainId: toHex(chain), secret, relays: ['wss://relay.example/signal'], name };
				expect(parseInvite(inviteFragment(i))).toEqual(i);
			})
		);
	});

	it('is not found in text without one', () => {
		expect(parseInvite('https://example.org/#section')).toBeNull();
	});

	const damaged: Array<[string, Parameters<typeof forged>[0], string]> = [
		['a room secret too short for the signaling cipher', { secret: new Uint8Array(8) }, 'room secret has 8 bytes'],
		['a relay that is not a ws:// address', { relays: ['http://relay.example'] }, 'not a ws:// or wss:// address'],
		['a relay with a space in it', { relays: ['ws://relay example'] }, 'not a ws:// or wss:// address'],
		['a chain id of the wrong length', { chain: new Uint8Array(31) }, 'invite.chain']
	];
	for (const [name, fields, reason] of damaged) {
		it(`refuses ${name}, saying why`, () => {
			expect(() => parseInvite(forged(fields))).toThrow(expect.objectContaining({ code: 'E_SCHEMA', field: 'invite', message: expect.stringContaining(reason) }));
		});
	}
});
