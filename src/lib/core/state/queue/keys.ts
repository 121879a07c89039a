/**
 * Every state key the queue writes, in one place, under `q/`. Members and
 * senders are hex keys; topics are names without `/`; a stream is one
 * sender's ordered messages to one recipient or topic.
 */
import type { Hex } from '../../bytes.js';

export const queueKeys = {
	message: (id: Hex) => `q/m/${id}`,
	/** The recipients a topic message fanned out to (direct messages name theirs in the record). */
	recipients: (id: Hex) => `q/mr/${id}`,
	delivery: (id: Hex, recipient: Hex) => `q/d/${id}/${recipient}`,
	/** Per recipient: in-flight count; its scheduler; logs of messages received and dispatched. */
	inbox: (recipient: Hex) => `q/in/${recipient}`,
	scheduler: (recipient: Hex) => `q/s/${recipient}`,
	received: (recipient: Hex) => `q/rl/${recipient}`,
	dispatched: (recipient: Hex) => `q/dp/${recipient}`,
	sent: (sender: Hex) => `q/sl/${sender}`,
	/** Dead letters a member can see, as sender or recipient: a log of [message, recipient]. */
	deadLetters: (member: Hex) => `q/dl/${member}`,
	quota: (sender: Hex) => `q/qt/${sender}`,
	idempotency: (sender: Hex, key: Hex) => `q/k/${sender}/${key}`,
	stream: (stream: string) => `q/st/${stream}`,
	heldAt: (stream: string, seq: number) => `q/sh/${stream}/${seq}`,
	laneBusy: (recipient: Hex, stream: string) => `q/lb/${recipient}/${stream}`,
	laneWaiting: (recipient: Hex, stream: string) => `q/lw/${recipient}/${stream}`,
	topic: (name: string) => `q/t/${name}`,
	/** The subscription trie: a pattern prefix's child segments ('' is the root), and the members of a pattern. */
	pattern: (prefix: string) => `q/tp/${prefix}`,
	patternMembers: (pattern: string) => `q/tm/${pattern}`,
	memberPatterns: (member: Hex) => `q/ms/${member}`,
	wheel: 'q/w',
	wheelSlot: (slot: number) => `q/w/${slot}`,
	/** Timers per 64^level seconds, for skipping empty stretches (wheel.ts). */
	wheelCount: (level: number, index: number) => `q/wc/${level}/${index}`,
	metrics: (scope: string) => `q/x/${scope}`,
	metricsArchive: (scope: string, slot: number) => `q/xa/${scope}/${slot}`
} as const;

/** The stream of one sender's ordered messages to one member (`@`) or topic (`#`). */
export function streamOf(sender: Hex, to: Hex | null, topic: string | null): string {
	return to !== null ? `${sender}@${to}` : `${sender}#${topic}`;
}
