/**
 * Community posts: short public text on the ledger. They change no state
 * beyond the sender's nonce and fee; the chain itself is the feed.
 */
import * as s from '../schema.js';
import { defineKind } from './kind.js';

export const MAX_POST_BYTES = 2000;

export const post = defineKind({
	kind: 'post',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['text']);
		return { text: s.str(r.text, 'body.text', MAX_POST_BYTES, 1) };
	},
	apply: () => {}
});
