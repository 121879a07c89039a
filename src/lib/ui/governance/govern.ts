/**
 * Runs one governance action on the node and refreshes the page's views.
 * It resolves to the action's error message, or null when it succeeded, so
 * each form shows its own failure beside the button that caused it (and
 * keeps what the member typed).
 */
import { app } from '$lib/client/app.svelte.js';
import type { Comlink } from '$lib/client/worker.js';
import type { NodeApi } from '../../../worker/api.js';

export async function govern(action: (api: Comlink.Remote<NodeApi>) => Promise<unknown>): Promise<string | null> {
	const api = app.node;
	if (!api) return 'The node has not started yet.';
	try {
		await action(api);
		await app.refresh();
		return null;
	} catch (e) {
		return (e as Error)?.message ?? String(e);
	}
}
