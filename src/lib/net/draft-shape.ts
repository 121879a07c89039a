/**
 * What a proposal draft is to its readers (drafts.ts keeps them in a Yjs
 * document): its fields and their limits. Apart from drafts.ts so that the
 * page can know them without loading Yjs, which only the worker runs.
 */
import type { Hex } from '../core/bytes.js';

export const DRAFT_FIELDS = ['title', 'body'] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];
/** Characters a field may hold, as a proposal's title and body may. */
export const MAX_DRAFT_CHARS: Readonly<Record<DraftField, number>> = { title: 200, body: 20_000 };

export interface DraftView {
	readonly id: string;
	readonly title: string;
	readonly body: string;
	/** The member who started it. */
	readonly author: Hex;
	readonly created: number;
}
