/**
 * The one API the UI calls on the node, across the worker boundary (Comlink).
 * Every method is async and takes and returns structured-clone data.
 */
import type { Hex } from '../lib/core/bytes.js';
import type { DaoConfig } from '../lib/core/state/dao/config.js';
import type { DraftsApi } from './drafts.js';
import type { GovernanceApi } from './governance-types.js';
import type { MessagingApi } from './messaging-types.js';
import type { NodeView } from './types.js';

export interface NodeApi extends GovernanceApi, MessagingApi, DraftsApi {
	view(): Promise<NodeView>;
	/** Calls `listener` (a Comlink proxy) whenever the view may have changed: one listener per page, replaced by the next. */
	subscribe(listener: () => void): Promise<void>;
	/** Stops calling this page's listener: the page is going away (a SharedWorker outlives its pages). */
	unsubscribe(): Promise<void>;
	createIdentity(name: string): Promise<void>;
	/** The identity sealed under a passphrase, as a backup file's bytes. */
	exportIdentity(passphrase: string): Promise<Uint8Array>;
	/** Restores the identity of a backup file into a profile that has none; a wrong passphrase is E_PASSPHRASE. */
	restoreIdentity(file: Uint8Array, passphrase: string): Promise<void>;
	/** The canonical chain as an export file's bytes (docs/export-format.md). */
	exportChain(): Promise<Uint8Array>;
	/** Verifies and adds the blocks of an export file of this community; returns how many were new. */
	importChain(file: Uint8Array): Promise<number>;
	/** Returns the invite fragment (without '#'); `dao` is the governance settings that differ from the defaults. */
	createCommunity(name: string, relays: readonly string[], dao?: Partial<DaoConfig>): Promise<string>;
	/** Joins from an invite fragment or link. */
	joinCommunity(invite: string): Promise<void>;
	post(text: string): Promise<Hex>;
	/** Hands over a port to a connected peer (see src/lib/net/link.ts). */
	addPeer(peerId: string, port: MessagePort): Promise<void>;
}
