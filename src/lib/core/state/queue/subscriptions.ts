/**
 * Subscriptions as a trie of pattern segments in state, as a topic exchange
 * keeps its bindings: the node of a pattern prefix lists its child segments,
 * and a set (set.ts) holds the members whose pattern ends there. Subscribing
 * touches O(segments) keys however many others share the pattern; finding a
 * topic's subscribers walks only the branches the topic can match (its own
 * segments, `*` and `#`), never the list of every subscription, and visits
 * each (node, depth) pair at most once, so several `#` cannot make it explode.
 */
import type { Hex } from '../../bytes.js';
import { withItem, withoutItem } from '../../sorted.js';
import type { KV } from './kv.js';
import { queueKeys } from './keys.js';
import { KvSet } from './set.js';

const join = (prefix: string, seg: string): string => (prefix === '' ? seg : `${prefix}.${seg}`);

/** The child segments of a pattern prefix, sorted. */
function children(kv: KV, prefix: string): readonly string[] {
	return (kv.get(queueKeys.pattern(prefix)) as string[] | undefined) ?? [];
}

function setChildren(kv: KV, prefix: string, c: readonly string[]): void {
	kv.put(queueKeys.pattern(prefix), c.length === 0 ? undefined : [...c]);
}

function members(kv: KV, pattern: string): KvSet {
	return new KvSet(kv, queueKeys.patternMembers(pattern));
}

export function isSubscribed(kv: KV, pattern: string, member: Hex): boolean {
	return members(kv, pattern).has(member);
}

export function subscribe(kv: KV, pattern: string, member: Hex): void {
	let prefix = '';
	for (const seg of pattern.split('.')) {
		const c = children(kv, prefix);
		if (!c.includes(seg)) setChildren(kv, prefix, withItem(c, seg));
		prefix = join(prefix, seg);
	}
	members(kv, pattern).add(member);
}

export function unsubscribe(kv: KV, pattern: string, member: Hex): void {
	members(kv, pattern).delete(member);
	// Prune the branch upwards while its nodes lead nowhere.
	const segs = pattern.split('.');
	for (let i = segs.length; i > 0; i--) {
		const prefix = segs.slice(0, i).join('.');
		if (children(kv, prefix).length > 0 || members(kv, prefix).size > 0) return;
		const parent = segs.slice(0, i - 1).join('.');
		setChildren(kv, parent, withoutItem(children(kv, parent), segs[i - 1]!));
	}
}

/** The members subscribed to a pattern that matches `topic`, sorted, each once. */
export function subscribersOf(kv: KV, topic: string): Hex[] {
	const segs = topic.split('.');
	const out = new Set<Hex>();
	const seen = new Set<string>();
	const walk = (prefix: string, i: number): void => {
		const key = `${i}|${prefix}`;
		if (seen.has(key)) return;
		seen.add(key);
		if (i === segs.length && prefix !== '') for (const m of members(kv, prefix).values()) out.add(m);
		const c = children(kv, prefix);
		if (c.includes('#')) for (let j = i; j <= segs.length; j++) walk(join(prefix, '#'), j);
		if (i === segs.length) return;
		if (c.includes(segs[i]!)) walk(join(prefix, segs[i]!), i + 1);
		if (c.includes('*')) walk(join(prefix, '*'), i + 1);
	};
	walk('', 0);
	return [...out].sort();
}
