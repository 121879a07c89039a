/**
 * Runs the page's WebRTC side for the community: signaling through the
 * community's relays and a PeerManager whose connected peers go to the worker
 * as MessagePorts. With several tabs open on one profile, a Web Lock lets
 * exactly one of them hold the connections (the node itself is shared); when
 * that tab closes, the next one takes over.
 */
import { fromHex } from '../core/bytes.js';
import { parseInvite } from '../net/invite.js';
import { PeerManager, type NetworkState } from '../net/peers.js';
import { simplePeerFactory } from '../net/rtc.js';
import { roomName } from '../net/room.js';
import { randomPeerId, SignalingClient } from '../net/signaling.js';
import type { CommunityView } from '../../worker/types.js';

export type { NetworkState };

export const NO_NETWORK: NetworkState = { self: '', peers: [], banned: [], relays: [] };
const LOCK = 'agora-peers';

export function startPeers(community: CommunityView, onLink: (peerId: string, port: MessagePort) => void, onState: (state: NetworkState) => void): () => void {
	const invite = parseInvite(community.invite);
	if (!invite || invite.relays.length === 0) return () => {};
	let release: (() => void) | null = null;
	let stopped = false;
	const run = async (): Promise<void> => {
		if (stopped) return;
		const signaling = new SignalingClient({ relays: invite.relays, room: roomName(fromHex(invite.chainId)), secret: invite.secret, peerId: randomPeerId() });
		const manager = new PeerManager({ signaling, peerFactory: simplePeerFactory(), onLink });
		const unwatch = manager.state.subscribe(onState);
		await manager.start();
		await new Promise<void>((resolve) => (release = resolve));
		unwatch();
		manager.stop();
		onState(NO_NETWORK);
	};
	if (navigator.locks) void navigator.locks.request(LOCK, run);
	else void run();
	return () => {
		stopped = true;
		release?.();
	};
}
