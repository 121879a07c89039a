/**
 * What a proposal draft is to its readers (drafts.ts keeps them in a Yjs
 * document): its fields and their limits. Apart from drafts.ts so that the
 * page can know them without loading Yjs, which only the worker runs.
 */
import type { Hex } from '../core/bytes.js';
import { MAX_TEXT_BYTES, MAX_TITLE_BYTES } from '../core/state/dao/proposal.js';

export const DRAFT_FIELDS = ['title', 'body'] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];
/** UTF-8 bytes a field may hold: as many as a proposal's title and body may. */
export const MAX_DRAFT_BYTES: Readonly<Record<DraftField, number>> = { title: MAX_TITLE_BYTES, body: MAX_TEXT_BYTES };

export interface DraftView {
	readonly id: string;
	readonly title: string;
	readonly body: string;
	/** The member who started it. */
	readonly author: Hex;
	readonly created: number;
}
