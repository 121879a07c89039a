/**
 * The page's view of the node: a reactive copy of the node's view, refreshed
 * whenever the worker says it changed, plus the actions the UI offers. The
 * page also owns the WebRTC peers (the worker cannot) and hands each
 * connected peer to the worker as a MessagePort.
 */
import { base } from '$app/paths';
import { startWorker, Comlink } from './worker.js';
import { defaultRelays } from './relays.js';
import { startPeers, NO_NETWORK, type NetworkState } from './network.js';
import type { NodeView } from '../../worker/types.js';
import type { NodeApi } from '../../worker/api.js';
import type { GovernanceView } from '../../worker/governance-types.js';
import type { DaoConfig } from '../core/state/dao/config.js';

export class App {
	view = $state<NodeView | null>(null);
	network = $state<NetworkState>(NO_NETWORK);
	/** The last failed action's message, for the page to show. */
	error = $state<string | null>(null);
	busy = $state(false);
	/** The governance page's view, refreshed with the node's while a page watches it (see watchGovernance). */
	governance = $state.raw<GovernanceView | null>(null);
	private governanceWatchers = 0;
	private api: Comlink.Remote<NodeApi> | null = null;
	private stopPeers: (() => void) | null = null;

	async start(): Promise<void> {
		this.api = startWorker();
		await this.listen();
		// The shared node outlives the page: it stops calling a page that is gone, and calls it again if it comes back from the back-forward cache.
		addEventListener('pagehide', () => void this.api?.unsubscribe());
		addEventListener('pageshow', (e) => e.persisted && void this.listen().then(() => this.refresh()));
		await this.refresh();
	}

	private listen(): Promise<void> {
		return this.api!.subscribe(Comlink.proxy(() => void this.refresh()));
	}

	async refresh(): Promise<void> {
		if (!this.api) return;
		const view = await this.api.view();
		this.mirrorLog(view);
		this.view = view;
		if (this.governanceWatchers > 0) this.governance = await this.api.governance();
		if (view.community && !this.stopPeers) {
			const api = this.api;
			this.stopPeers = startPeers(view.community, (id, port) => void api.addPeer(id, Comlink.transfer(port, [port])), (state) => {
				this.network = state;
				console.debug(`[agora net] relays ${state.relays.map((r) => r.state).join(',')}; peers ${state.peers.map((p) => `${p.id.slice(0, 8)}:${p.status}`).join(' ')}`);
			});
		}
	}

	createIdentity(name: string): Promise<boolean> {
		return this.act((api) => api.createIdentity(name));
	}

	async restoreIdentity(file: File, passphrase: string): Promise<boolean> {
		const bytes = new Uint8Array(await file.arrayBuffer());
		return this.act((api) => api.restoreIdentity(Comlink.transfer(bytes, [bytes.buffer]), passphrase));
	}

	createCommunity(name: string, dao?: Partial<DaoConfig>): Promise<boolean> {
		return this.act((api) => api.createCommunity(name, defaultRelays(location, base), dao));
	}

	/** A page that shows governance calls this while it is mounted; the returned function stops watching. */
	watchGovernance(): () => void {
		this.governanceWatchers++;
		void this.refresh();
		return () => void this.governanceWatchers--;
	}

	joinCommunity(invite: string): Promise<boolean> {
		return this.act((api) => api.joinCommunity(invite));
	}

	post(text: string): Promise<boolean> {
		return this.act((api) => api.post(text));
	}

	/** New node log lines go to the console too, where developers and test traces look. */
	private mirrorLog(view: NodeView): void {
		const last = this.view?.log.at(-1);
		const fresh = last ? view.log.slice(view.log.findLastIndex((l) => l.time === last.time && l.message === last.message) + 1) : view.log;
		for (const entry of fresh) console.debug(`[agora node] ${entry.level}: ${entry.message}`);
	}

	stop(): void {
		this.stopPeers?.();
		this.stopPeers = null;
		void this.api?.unsubscribe();
	}

	/** The node's API, for pages that read or act beyond what this class offers; null until started. */
	get node(): Comlink.Remote<NodeApi> | null {
		return this.api;
	}

	/** Runs an action; a failure becomes `error` (and false) instead of an exception in the page. */
	async act(fn: (api: Comlink.Remote<NodeApi>) => Promise<unknown>): Promise<boolean> {
		if (!this.api) return false;
		this.busy = true;
		this.error = null;
		try {
			await fn(this.api);
			await this.refresh();
			return true;
		} catch (e) {
			this.error = (e as Error).message ?? String(e);
			return false;
		} finally {
			this.busy = false;
		}
	}
}

export const app = new App();
