/**
 * The node's view of itself, as plain data for the UI. Everything here
 * crosses postMessage, so it is structured-clone friendly: no classes, no
 * functions, hashes and keys as hex.
 */
import type { Hex } from '../lib/core/bytes.js';

export interface IdentityView {
	readonly publicKey: Hex;
	readonly name: string;
}

export interface CommunityView {
	readonly chainId: Hex;
	/** Null until the genesis block has arrived from a peer. */
	readonly name: string | null;
	readonly invite: string;
	readonly relays: readonly string[];
	readonly member: boolean;
	readonly authority: boolean;
	readonly engine: string | null;
}

export interface HeadView {
	readonly height: number;
	readonly hash: Hex;
	readonly time: number;
	readonly finalized: number;
}

/**
 * saved: signed and on disk, not yet handed to any peer; pending: sent to
 * peers (or in this node's pool), waiting for a block; confirmed: in a
 * canonical block; failed: can never be included (expired, nonce taken).
 */
export type TxStatus = 'saved' | 'pending' | 'confirmed' | 'failed';

export interface PostView {
	readonly id: Hex;
	readonly author: Hex;
	readonly authorName: string;
	readonly text: string;
	readonly created: number;
	readonly status: TxStatus;
	readonly height: number | null;
	readonly blockHash: Hex | null;
	readonly error?: string;
}

export interface BlockView {
	readonly height: number;
	readonly hash: Hex;
	readonly time: number;
	readonly proposer: Hex;
	readonly proposerName: string;
	readonly txCount: number;
	readonly final: boolean;
}

export interface MemberView {
	readonly publicKey: Hex;
	readonly name: string;
	readonly since: number;
}

export interface PeerView {
	readonly id: string;
	readonly height: number | null;
	readonly agent: string | null;
	readonly connectedAt: number;
}

export interface LogEntry {
	readonly time: number;
	readonly level: 'info' | 'warn' | 'error';
	readonly message: string;
}

export interface NodeView {
	readonly identity: IdentityView | null;
	readonly community: CommunityView | null;
	readonly head: HeadView | null;
	readonly posts: readonly PostView[];
	readonly blocks: readonly BlockView[];
	readonly members: readonly MemberView[];
	readonly peers: readonly PeerView[];
	readonly log: readonly LogEntry[];
}
