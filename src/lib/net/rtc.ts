/**
 * simple-peer behind the manager's RtcPeer interface. The browser build of
 * simple-peer is the default; Node can pass the package with a WebRTC
 * implementation such as `@roamhq/wrtc`.
 */
import DefaultPeer from 'simple-peer/simplepeer.min.js';
import type SimplePeer from 'simple-peer';
import type { PeerFactory } from './peers.js';
import { Reassembler, toChunks } from './chunks.js';
import { MAX_FRAME_BYTES } from './wire.js';

export interface SimplePeerFactoryOptions {
	/** The simple-peer constructor; the prebuilt browser bundle by default. */
	readonly Peer?: SimplePeer.SimplePeer;
	/** A WebRTC implementation where there is none built in (Node). */
	readonly wrtc?: SimplePeer.Options['wrtc'];
}

export function simplePeerFactory(options: SimplePeerFactoryOptions = {}): PeerFactory {
	const Peer = options.Peer ?? DefaultPeer;
	return ({ initiator, iceServers }, events) => {
		const peer = new Peer({ initiator, config: { iceServers: [...iceServers] }, wrtc: options.wrtc });
		let closed = false;
		const close = (reason: string) => {
			if (closed) return;
			closed = true;
			events.close(reason);
		};
		peer.on('signal', (data) => events.signal(data));
		peer.on('connect', () => events.connect());
		const frames = new Reassembler(MAX_FRAME_BYTES);
		peer.on('data', (chunk: Uint8Array) => {
			let frame: Uint8Array | null;
			try {
				frame = frames.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
			} catch (error) {
				close((error as Error).message);
				peer.destroy();
				return;
			}
			if (frame) events.data(frame);
		});
		// 'error' is followed by 'close'; the error says more, so it wins.
		peer.on('error', (error) => close(error.message || 'connection error'));
		peer.on('close', () => close('connection closed'));
		return {
			signal: (data) => peer.signal(data as SimplePeer.SignalData),
			send: (bytes) => {
				for (const chunk of toChunks(bytes)) peer.send(chunk);
			},
			destroy() {
				closed = true;
				peer.destroy();
			}
		};
	};
}
