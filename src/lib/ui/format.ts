/** Small display helpers shared by the pages. */
import type { TxStatus } from '../../worker/types.js';

export function shortHex(hex: string, n = 8): string {
	return hex.length > n ? `${hex.slice(0, n)}…` : hex;
}

export function timeOf(ms: number): string {
	return new Date(ms).toLocaleTimeString();
}

export function dateTimeOf(ms: number): string {
	return new Date(ms).toLocaleString();
}

/** Where one of the member's own transactions is, in words, until it is in a block. */
export const WAITING_TEXT: Readonly<Record<Exclude<TxStatus, 'confirmed'>, string>> = {
	saved: 'saved here, waiting for a peer',
	pending: 'sent, waiting for a block',
	failed: 'failed'
};
