import { describe, expect, it, vi } from 'vitest';
import { roomName } from '../../../src/lib/net/room.js';
import { hash } from '../../../src/lib/core/hash.js';
import { toHex } from '../../../src/lib/core/bytes.js';
import { AgoraError } from '../../../src/lib/core/errors.js';
import { RoomCipher } from '../../../src/lib/net/roomcrypt.js';

const genesis = (n: number) => new Uint8Array(32).fill(n);

describe('roomName', () => {
	it('is agora- and the hex of the room-domain hash of the genesis hash', () => {
		expect(roomName(genesis(1))).toBe('agora-' + toHex(hash('room', genesis(1))));
		expect(roomName(genesis(1))).toMatch(/^agora-[0-9a-f]{64}$/);
		expect(roomName(genesis(1))).not.toBe(roomName(genesis(2)));
		// Domain separation: the room name is not the plain hash or the genesis hash itself.
		expect(roomName(genesis(1))).not.toContain(toHex(genesis(1)));
	});

	it('rejects anything but a 32-byte hash, naming the field', () => {
		expect(() => roomName(new Uint8Array(31))).toThrow(AgoraError);
		expect(() => roomName(new Uint8Array(31))).toThrow(/genesisHash must be 32 bytes/);
	});
});

describe('RoomCipher', () => {
	const secret = new Uint8Array(32).fill(7);
	const text = new TextEncoder().encode('{"type":"announce","from":"a"}');

	it('opens what it sealed, with a fresh IV each time', async () => {
		const cipher = await RoomCipher.derive(secret, 'room');
		const a = await cipher.seal(text);
		const b = await cipher.seal(text);
		expect(a).not.toBe(b);
		expect(await cipher.open(a)).toEqual(text);
	});

	it('cannot open under another secret or another room, nor garbage', async () => {
		const sealed = await (await RoomCipher.derive(secret, 'room')).seal(text);
		expect(await (await RoomCipher.derive(new Uint8Array(32).fill(8), 'room')).open(sealed)).toBeNull();
		expect(await (await RoomCipher.derive(secret, 'other')).open(sealed)).toBeNull();
		const cipher = await RoomCipher.derive(secret, 'room');
		for (const junk of ['', 'not base64!', 'AAAA', sealed.slice(0, -4) + 'AAAA']) expect(await cipher.open(junk), junk).toBeNull();
	});

	it('says why when WebCrypto is hidden (an insecure context)', async () => {
		vi.stubGlobal('crypto', { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) });
		try {
			await expect(RoomCipher.derive(secret, 'room')).rejects.toThrow(/crypto\.subtle is unavailable: open the app over https or on localhost/);
		} finally {
			vi.unstubAllGlobals();
		}
	});

	it('refuses a secret shorter than 16 bytes', async () => {
		await expect(RoomCipher.derive(new Uint8Array(15), 'room')).rejects.toThrow(/roomSecret must be at least 16 bytes/);
	});
});
