/**
 * The worker entry: opens the node on IndexedDB with the runtime's fastest
 * Ed25519 and serves the NodeApi to every page that connects. As a
 * SharedWorker it is one node (one writer) for all tabs of the profile; as a
 * dedicated Worker (where SharedWorker is missing) it serves its one page.
 */
import * as Comlink from 'comlink';
import { AgoraError } from '../lib/core/errors.js';
import { IdbStore } from '../lib/store/idb.js';
import { bestVerifier } from '../lib/crypto/webcrypto.js';
import { linkFromPort } from '../lib/net/link.js';
import { parseInvite } from '../lib/net/invite.js';
import { AgoraNode } from './node.js';
import type { NodeApi } from './api.js';
import { governanceApi } from './governance.js';
import { messagingApi } from './messaging.js';
import { draftsApi } from './drafts.js';

const ready: Promise<AgoraNode> = (async () =>
	AgoraNode.open({
		store: await IdbStore.open(),
		verifier: await bestVerifier(),
		now: () => Date.now(),
		randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
		agent: 'agora-web/0.1'
	}))();

const shared: Omit<NodeApi, 'subscribe' | 'unsubscribe'> = {
	...governanceApi(ready),
	...messagingApi(ready),
	...draftsApi(ready),
	async view() {
		return (await ready).view();
	},
	async createIdentity(name) {
		await (await ready).createIdentity(name);
	},
	async exportIdentity(passphrase) {
		const file = (await ready).exportIdentity(passphrase);
		return Comlink.transfer(file, [file.buffer]);
	},
	async restoreIdentity(file, passphrase) {
		await (await ready).restoreIdentity(file, passphrase);
	},
	async exportChain() {
		const file = (await ready).exportChain();
		return Comlink.transfer(file, [file.buffer]);
	},
	async importChain(file) {
		return (await ready).importChain(file);
	},
	async createCommunity(name, relays, dao) {
		return (await ready).createCommunity(name, relays, dao);
	},
	async joinCommunity(text) {
		const invite = parseInvite(text);
		if (!invite) throw new AgoraError('E_SCHEMA', 'that is not an Agora invite link', 'invite', text);
		await (await ready).joinCommunity(invite);
	},
	async post(text) {
		return (await ready).post(text);
	},
	async addPeer(peerId, port) {
		(await ready).addPeer(linkFromPort(peerId, port));
	}
};

/** The API one page sees: the shared methods, and that page's own change listener. */
function pageApi(): NodeApi {
	let stop: (() => void) | null = null;
	return {
		...shared,
		async subscribe(listener) {
			stop?.();
			stop = (await ready).subscribe(() => void listener());
		},
		async unsubscribe() {
			stop?.();
			stop = null;
		}
	};
}

const scope = globalThis as unknown as { onconnect?: (e: MessageEvent) => void };
if ('onconnect' in globalThis) {
	scope.onconnect = (event) => Comlink.expose(pageApi(), event.ports[0]!);
} else {
	Comlink.expose(pageApi());
}
