/**
 * The one API the UI calls on the node, across the worker boundary (Comlink).
 * Every method is async and takes and returns structured-clone data.
 */
import type { Hex } from '../lib/core/bytes.js';
import type { NodeView } from './types.js';

export interface NodeApi {
	view(): Promise<NodeView>;
	/** Calls `listener` (a Comlink proxy) whenever the view may have changed. */
	subscribe(listener: () => void): Promise<void>;
	createIdentity(name: string): Promise<void>;
	/** Returns the invite fragment (without '#'). */
	createCommunity(name: string, relays: readonly string[]): Promise<string>;
	/** Joins from an invite fragment or link. */
	joinCommunity(invite: string): Promise<void>;
	post(text: string): Promise<Hex>;
	/** Hands over a port to a connected peer (see src/lib/net/link.ts). */
	addPeer(peerId: string, port: MessagePort): Promise<void>;
}
