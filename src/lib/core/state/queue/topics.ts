/**
 * Topics and subscriptions.
 *
 * A topic is declared once (`topic.create`) by its owner, as `clear`
 * (messages travel readable by anyone) or `encrypted` (messages must be
 * sealed with the topic key whose id the declaration names; the owner hands
 * the key to subscribers in direct messages, which only they can open, and
 * may rotate it with `topic.rekey`). Members subscribe with patterns
 * (`topic.subscribe`, `*` one segment, `#` zero or more); a topic message
 * fans out, when it is sent, to every member with a matching pattern.
 */
import { toHex, type Hex } from '../../bytes.js';
import { AgoraError, fail } from '../../errors.js';
import * as s from '../../schema.js';
import { KEY_ID_BYTES } from '../../crypto/envelope.js';
import { defineKind } from '../kind.js';
import { withItem, withoutItem } from '../../sorted.js';
import type { KV } from './kv.js';
import { queueKeys } from './keys.js';
import { readPattern, readTopicName } from './pattern.js';
import { isSubscribed, subscribe, unsubscribe } from './subscriptions.js';

export const TOPIC_MODES = ['clear', 'encrypted'] as const;
export type TopicMode = (typeof TOPIC_MODES)[number];

export interface TopicRecord {
	readonly owner: Hex;
	readonly mode: TopicMode;
	/** Id of the current topic key (encrypted topics), see crypto/topic.ts. */
	readonly keyId: Hex | null;
	readonly description: string;
	readonly created: number;
}

export const MAX_DESCRIPTION_BYTES = 512;
export const MAX_PATTERNS_PER_MEMBER = 64;

export function getTopic(kv: KV, name: string): TopicRecord | undefined {
	return kv.get(queueKeys.topic(name)) as TopicRecord | undefined;
}

/** The patterns a member subscribes with, sorted. */
export function patternsOf(kv: KV, member: Hex): readonly string[] {
	return (kv.get(queueKeys.memberPatterns(member)) as string[] | undefined) ?? [];
}

const readKeyId = (value: unknown, path: string): Hex => toHex(s.bytes(value, path, KEY_ID_BYTES));

export interface TopicDeclaration {
	readonly name: string;
	readonly mode: TopicMode;
	readonly keyId: Hex | null;
	readonly description: string;
}

export const topicCreate = defineKind<TopicDeclaration>({
	kind: 'topic.create',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['name', 'mode', 'keyId', 'description'], ['keyId', 'description']);
		const mode = s.oneOf(r.mode, 'body.mode', TOPIC_MODES);
		if (mode === 'encrypted' && r.keyId === undefined) fail('E_SCHEMA', 'body.keyId', r.keyId, 'is required for an encrypted topic');
		if (mode === 'clear' && r.keyId !== undefined) fail('E_SCHEMA', 'body.keyId', r.keyId, 'is not allowed for a clear topic');
		return {
			name: readTopicName(r.name, 'body.name'),
			mode,
			keyId: r.keyId === undefined ? null : readKeyId(r.keyId, 'body.keyId'),
			description: r.description === undefined ? '' : s.str(r.description, 'body.description', MAX_DESCRIPTION_BYTES)
		};
	},
	apply: (ctx, body) => {
		if (getTopic(ctx.state, body.name)) fail('E_TX_DUPLICATE', 'body.name', body.name, 'is already a topic');
		const record: TopicRecord = { owner: ctx.sender, mode: body.mode, keyId: body.keyId, description: body.description, created: ctx.height };
		ctx.state.put(queueKeys.topic(body.name), { ...record });
	}
});

export const topicRekey = defineKind<{ readonly name: string; readonly keyId: Hex }>({
	kind: 'topic.rekey',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['name', 'keyId']);
		return { name: readTopicName(r.name, 'body.name'), keyId: readKeyId(r.keyId, 'body.keyId') };
	},
	apply: (ctx, body) => {
		const topic = getTopic(ctx.state, body.name);
		if (!topic) fail('E_MSG_UNKNOWN', 'body.name', body.name, 'is not a topic');
		if (topic.owner !== ctx.sender) throw new AgoraError('E_TX_NOT_ALLOWED', `only the owner of ${body.name} may change its key`, 'from', ctx.sender);
		if (topic.mode !== 'encrypted') fail('E_TX_NOT_ALLOWED', 'body.name', body.name, 'is a clear topic, which has no key');
		ctx.state.put(queueKeys.topic(body.name), { ...topic, keyId: body.keyId });
	}
});

const readPatternBody = (value: unknown): { readonly pattern: string } => {
	const r = s.exactRecord(value, 'body', ['pattern']);
	return { pattern: readPattern(r.pattern, 'body.pattern') };
};

export const topicSubscribe = defineKind({
	kind: 'topic.subscribe',
	sender: 'member',
	body: readPatternBody,
	apply: (ctx, { pattern }) => {
		if (isSubscribed(ctx.state, pattern, ctx.sender)) fail('E_TX_DUPLICATE', 'body.pattern', pattern, 'is already a subscription of the sender');
		const mine = patternsOf(ctx.state, ctx.sender);
		if (mine.length >= MAX_PATTERNS_PER_MEMBER) fail('E_TX_NOT_ALLOWED', 'body.pattern', pattern, `would exceed ${MAX_PATTERNS_PER_MEMBER} subscriptions`);
		subscribe(ctx.state, pattern, ctx.sender);
		ctx.state.put(queueKeys.memberPatterns(ctx.sender), withItem(mine, pattern));
	}
});

export const topicUnsubscribe = defineKind({
	kind: 'topic.unsubscribe',
	sender: 'member',
	body: readPatternBody,
	apply: (ctx, { pattern }) => {
		if (!isSubscribed(ctx.state, pattern, ctx.sender)) fail('E_MSG_UNKNOWN', 'body.pattern', pattern, 'is not a subscription of the sender');
		unsubscribe(ctx.state, pattern, ctx.sender);
		const left = withoutItem(patternsOf(ctx.state, ctx.sender), pattern);
		ctx.state.put(queueKeys.memberPatterns(ctx.sender), left.length === 0 ? undefined : left);
	}
});
