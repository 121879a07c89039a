/**
 * Starts the node's worker and returns its typed API. A SharedWorker gives
 * every tab of the profile the same node; where SharedWorker does not exist
 * (Chrome on Android) each page gets a dedicated worker.
 */
import * as Comlink from 'comlink';
import type { NodeApi } from '../../worker/api.js';

export function startWorker(): Comlink.Remote<NodeApi> {
	if (typeof SharedWorker !== 'undefined') {
		const worker = new SharedWorker(new URL('../../worker/worker.ts', import.meta.url), { type: 'module', name: 'agora-node' });
		return Comlink.wrap<NodeApi>(worker.port);
	}
	const worker = new Worker(new URL('../../worker/worker.ts', import.meta.url), { type: 'module', name: 'agora-node' });
	return Comlink.wrap<NodeApi>(worker);
}

export { Comlink };
