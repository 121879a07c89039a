/**
 * Skipping a nonce. A member's transactions apply in nonce order, so one
 * that can never apply (it expired, or what it acted on is gone) would hold
 * up every later one. Its sender fills the gap with a skip: it does nothing
 * but use the nonce (and pay its fee). This is safer than renumbering the
 * later transactions, whose old signed copies may still be in peers' pools.
 */
import * as s from '../schema.js';
import { defineKind } from './kind.js';

export const skip = defineKind({
	kind: 'nonce.skip',
	sender: 'anyone',
	body: (value) => {
		s.exactRecord(value, 'body', []);
		return {};
	},
	apply: () => {}
});
