/**
 * A misbehaving peer over real WebRTC: a Node process joins the community's
 * room through the real relay (with the invite's secret), connects to the
 * founder's browser, says a correct hello and then sends a frame that does
 * not decode. The browser's node must drop it with the reason in its log,
 * refuse it, and keep serving honest members.
 */
import { test, expect } from '@playwright/test';
import wrtc from '@roamhq/wrtc';
import SimplePeer from 'simple-peer';
import WebSocket from 'ws';
import { fromHex } from '../../src/lib/core/bytes.js';
import { parseInvite } from '../../src/lib/net/invite.js';
import { linkFromPort, type PeerLink } from '../../src/lib/net/link.js';
import { PeerManager } from '../../src/lib/net/peers.js';
import { simplePeerFactory } from '../../src/lib/net/rtc.js';
import { roomName } from '../../src/lib/net/room.js';
import { randomPeerId, SignalingClient, type WebSocketClass } from '../../src/lib/net/signaling.js';
import { encodeFrame, decodeFrame } from '../../src/lib/net/wire.js';
import { newMember, createCommunity, joinByInvite, post, seesConfirmed, closeMembersAfterEach } from './members.js';

closeMembersAfterEach();

test('a peer that sends a malformed frame is dropped and refused; the community carries on', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const inviteUrl = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', inviteUrl);
	const invite = parseInvite(inviteUrl)!;
	const chainId = fromHex(invite.chainId);

	const attackerId = randomPeerId();
	const links: PeerLink[] = [];
	const helloFrom: string[] = [];
	const signaling = new SignalingClient({ relays: invite.relays, room: roomName(chainId), secret: invite.secret, peerId: attackerId, WebSocket: WebSocket as unknown as WebSocketClass });
	const attacker = new PeerManager({
		signaling,
		peerFactory: simplePeerFactory({ Peer: SimplePeer as never, wrtc }),
		onLink: (peerId, port) => {
			const link = linkFromPort(peerId, port as never);
			links.push(link);
			link.onMessage = (bytes) => {
				if (decodeFrame(bytes).type === 'hello') helloFrom.push(peerId);
			};
			link.send(encodeFrame({ type: 'hello', chain: chainId, height: 0, head: null, weight: 0n, agent: 'attacker' }));
		}
	});
	try {
		await attacker.start();
		let attackerPeers = 0;
		attacker.state.subscribe((s) => (attackerPeers = s.peers.length));
		// Both browsers accept the attacker as a peer of the community at first.
		await expect.poll(() => helloFrom.length, { timeout: 30_000 }).toBe(2);
		for (const m of [alice, bob]) await expect.poll(() => m.console.some((l) => l.includes(`peer ${attackerId.slice(0, 8)} joined`))).toBe(true);
		for (const link of links) link.send(new Uint8Array([0xff, 0x00, 0x13, 0x37]));

		// Every browser drops it, logging why, and its page refuses the attacker for a while.
		for (const m of [alice, bob]) {
			await expect.poll(() => m.console.some((l) => l.includes(`dropping peer ${attackerId.slice(0, 8)}: malformed frame`))).toBe(true);
		}
		await expect.poll(() => attackerPeers).toBe(0);
		await expect(alice.page.getByTestId('peer-count')).toHaveText('1 peer');

		// The honest members carry on.
		await post(bob, 'Still here');
		await seesConfirmed(alice, 'Still here', 'Bob');
	} finally {
		attacker.stop();
	}
});
