/**
 * The governance page's copy of the community's proposal drafts, read again
 * whenever the node's view changes, and the edits a member makes to them.
 * Keystrokes go straight to the node (no busy state); a failure shows as
 * the app's error. A reading that began before the member's latest edit is
 * dropped: it would put back text the member has already changed.
 */
import { app } from '$lib/client/app.svelte.js';
import type { DraftField, DraftView } from '$lib/net/draft-shape.js';
import type { Splice } from '$lib/core/splice.js';

export class DraftsState {
	list = $state<readonly DraftView[]>([]);
	/** The draft the member has open. */
	open = $state<string | null>(null);

	/** Edits begun, and edits not answered yet. */
	private begun = 0;
	private pending = 0;

	async refresh(): Promise<void> {
		const node = app.node;
		if (!node) return;
		const at = this.begun;
		const list = await node.drafts();
		if (at === this.begun && this.pending === 0) this.list = list;
	}

	async create(): Promise<void> {
		const node = app.node;
		if (!node) return;
		try {
			this.open = await node.createDraft();
			await this.refresh();
		} catch (e) {
			app.error = (e as Error).message;
		}
	}

	/** Sends a splice made against `base`, the field as the page had it. */
	async splice(id: string, field: DraftField, s: Splice, base: string): Promise<void> {
		this.begun++;
		this.pending++;
		try {
			await app.node?.editDraft(id, field, { ...s }, base);
		} catch (e) {
			app.error = (e as Error).message;
		} finally {
			this.pending--;
		}
		if (this.pending === 0) await this.refresh();
	}

	async remove(id: string): Promise<void> {
		if (await app.act((api) => api.removeDraft(id))) {
			if (this.open === id) this.open = null;
			await this.refresh();
		}
	}
}
