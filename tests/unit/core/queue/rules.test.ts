/**
 * One test per rejection rule of the queue's transactions, each with its
 * error code and field, and each checking the transaction left state as it
 * was.
 */
import { describe, expect, it } from 'vitest';
import type { Encodable } from '../../../../src/lib/core/codec.js';

import { admit } from '../../../../src/lib/core/state/members.js';
import { encodeTopicEnvelope } from '../../../../src/lib/core/crypto/envelope.js';
import { topicKeyId } from '../../../../src/lib/core/crypto/topic.js';
import { subscribe } from '../../../../src/lib/core/state/queue/subscriptions.js';
import { MAX_FANOUT } from '../../../../src/lib/core/state/queue/send.js';
import { MAX_AHEAD } from '../../../../src/lib/core/state/queue/ordering.js';
import { MAX_PATTERNS_PER_MEMBER } from '../../../../src/lib/core/state/queue/topics.js';
import { messageView } from '../../../../src/lib/core/state/queue/queries.js';
import { key } from '../../../helpers/community.js';
import { START, World, direct, hexBytes, topical } from './world.js';

const topicKey = new Uint8Array(32).fill(7);
const kid = topicKeyId(topicKey);
const topicEnvelope = (k: Uint8Array): Uint8Array => encodeTopicEnvelope({ v: 1, kid: k, nonce: new Uint8Array(24), ct: new Uint8Array(20) });

function fresh(): { w: World; a: ReturnType<typeof key>; b: ReturnType<typeof key>; c: ReturnType<typeof key> } {
	const w = new World({ members: 3 });
	const [a, b, c] = w.members as [ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>];
	return { w, a, b, c };
}

describe('msg.send: the body alone', () => {
	const b = key(1);
	const cases: Array<[string, Record<string, Encodable>, string]> = [
		['neither a recipient nor a topic', (() => { const { to: _, ...rest } = direct(b); return rest; })(), 'body.to'],
		['both a recipient and a topic', direct(b, { topic: 'news' }), 'body.to'],
		['an unknown priority', direct(b, { priority: 'urgent' }), 'body.priority'],
		['an unknown guarantee', direct(b, { guarantee: 'twice' }), 'body.guarantee'],
		['an unknown category', direct(b, { category: 'gossip' }), 'body.category'],
		['an empty type', direct(b, { type: '' }), 'body.type'],
		['a content type over 128 bytes', direct(b, { contentType: 'x'.repeat(129) }), 'body.contentType'],
		['exactly once without an idempotency key', direct(b, { guarantee: 'exactlyOnce' }), 'body.idempotencyKey'],
		['an empty idempotency key', direct(b, { idempotencyKey: new Uint8Array(0) }), 'body.idempotencyKey'],
		['an idempotency key over 64 bytes', direct(b, { idempotencyKey: new Uint8Array(65) }), 'body.idempotencyKey'],
		['ordered without a sequence number', direct(b, { guarantee: 'ordered' }), 'body.seq'],
		['a sequence number on an unordered message', direct(b, { seq: 0 }), 'body.seq'],
		['at most once with more than one delivery', direct(b, { guarantee: 'atMostOnce', maxDeliveries: 2 }), 'body.maxDeliveries'],
		['zero deliveries', direct(b, { maxDeliveries: 0 }), 'body.maxDeliveries'],
		['a direct payload that is not an encrypted envelope', direct(b, { payload: new Uint8Array([1, 2, 3]) }), 'body.payload'],
		['a recipient key of the wrong length', direct(b, { to: new Uint8Array(31) }), 'body.to'],
		['a parent id of the wrong length', direct(b, { parent: new Uint8Array(31) }), 'body.parent'],
		['an empty correlation id', direct(b, { correlation: new Uint8Array(0) }), 'body.correlation'],
		['a negative expiry', direct(b, { expires: -1 }), 'body.expires'],
		['a hub that is not a label', direct(b, { hub: 'no spaces' }), 'body.hub'],
		['a topic name with a wildcard', topical('news.*'), 'body.topic'],
		['an unknown field', direct(b, { urgency: 1 }), 'body.urgency']
	];
	for (const [name, body, field] of cases) {
		it(`rejects ${name} (E_SCHEMA ${field})`, () => {
			const { w, a } = fresh();
			w.reject(a, 'msg.send', body, 'E_SCHEMA', field, 100);
		});
	}
});

describe('msg.send: against state and policy', () => {
	it('rejects a recipient who is not a member (E_MSG_UNKNOWN body.to)', () => {
		const { w, a } = fresh();
		w.reject(a, 'msg.send', direct(key(50)), 'E_MSG_UNKNOWN', 'body.to', 100);
	});

	it('rejects a topic nobody declared (E_MSG_UNKNOWN body.topic)', () => {
		const { w, a } = fresh();
		w.reject(a, 'msg.send', topical('news'), 'E_MSG_UNKNOWN', 'body.topic', 100);
	});

	it('rejects a clear payload to an encrypted topic (E_SCHEMA body.payload)', () => {
		const { w, a } = fresh();
		w.apply(a, 'topic.create', { name: 'secret', mode: 'encrypted', keyId: kid });
		w.reject(a, 'msg.send', topical('secret'), 'E_SCHEMA', 'body.payload', 100);
	});

	it('rejects a message sealed with a key the encrypted topic does not name (E_SCHEMA body.payload.kid)', () => {
		const { w, a } = fresh();
		w.apply(a, 'topic.create', { name: 'secret', mode: 'encrypted', keyId: kid });
		w.reject(a, 'msg.send', topical('secret', { payload: topicEnvelope(new Uint8Array(32)) }), 'E_SCHEMA', 'body.payload.kid', 100);
		w.apply(a, 'msg.send', topical('secret', { payload: topicEnvelope(kid) }), 100);
	});

	it('rejects an expiry that has passed (E_TX_EXPIRED body.expires)', () => {
		const { w, a, b } = fresh();
		w.reject(a, 'msg.send', direct(b, { expires: w.time }), 'E_TX_EXPIRED', 'body.expires', 100);
	});

	it('rejects an expiry beyond the delivery policy\'s maxTtlMs (E_TX_LIFETIME body.expires)', () => {
		const { w, a, b } = fresh();
		w.reject(a, 'msg.send', direct(b, { expires: w.time + 31 * 24 * 3_600_000 }), 'E_TX_LIFETIME', 'body.expires', 100);
	});

	it('rejects more deliveries than the delivery policy\'s limit (E_SCHEMA body.maxDeliveries)', () => {
		const { w, a, b } = fresh();
		w.reject(a, 'msg.send', direct(b, { maxDeliveries: 21 }), 'E_SCHEMA', 'body.maxDeliveries', 100);
	});

	it('rejects a sender over its quota for the window, and accepts it again in the next window (E_MSG_QUOTA from)', () => {
		const w = new World({ members: 2, policies: { priority: { senderQuota: 3, quotaWindowMs: 60_000 } } });
		const [a, b] = w.members as [ReturnType<typeof key>, ReturnType<typeof key>];
		w.time = Math.ceil(w.time / 60_000) * 60_000;
		for (let i = 0; i < 3; i++) w.send(a, direct(b));
		w.reject(a, 'msg.send', direct(b), 'E_MSG_QUOTA', 'from', 100);
		w.next(60_000);
		w.send(a, direct(b));
	});

	it('rejects an idempotency key reused within the dedup window, naming the first message (E_TX_DUPLICATE body.idempotencyKey)', () => {
		const { w, a, b } = fresh();
		const first = w.send(a, direct(b, { idempotencyKey: new Uint8Array([1]) }));
		const e = w.reject(a, 'msg.send', direct(b, { idempotencyKey: new Uint8Array([1]), type: 'other' }), 'E_TX_DUPLICATE', 'body.idempotencyKey', 100);
		expect(e.message).toContain(first.slice(0, 16));
		// Another sender may use the same key.
		w.send(b, direct(a, { idempotencyKey: new Uint8Array([1]) }));
	});

	it('rejects an ordered message whose sequence number was used (E_MSG_SEQUENCE body.seq)', () => {
		const { w, a, b } = fresh();
		w.send(a, direct(b, { guarantee: 'ordered', seq: 0 }));
		w.reject(a, 'msg.send', direct(b, { guarantee: 'ordered', seq: 0 }), 'E_MSG_SEQUENCE', 'body.seq', 100);
	});

	it('rejects an ordered message whose number another held message has (E_MSG_SEQUENCE body.seq)', () => {
		const { w, a, b } = fresh();
		w.send(a, direct(b, { guarantee: 'ordered', seq: 2 }));
		w.reject(a, 'msg.send', direct(b, { guarantee: 'ordered', seq: 2 }), 'E_MSG_SEQUENCE', 'body.seq', 100);
	});

	it(`rejects an ordered message more than ${MAX_AHEAD} ahead of the stream (E_MSG_SEQUENCE body.seq)`, () => {
		const { w, a, b } = fresh();
		w.reject(a, 'msg.send', direct(b, { guarantee: 'ordered', seq: MAX_AHEAD + 1 }), 'E_MSG_SEQUENCE', 'body.seq', 100);
		w.send(a, direct(b, { guarantee: 'ordered', seq: MAX_AHEAD }));
	});

	it('rejects a fee below the policy\'s, naming the amount required (E_TX_FEE fee)', () => {
		const { w, a } = fresh();
		w.apply(a, 'topic.create', { name: 'news', mode: 'clear' });
		const msg = topical('news', { priority: 'emergency', guarantee: 'exactlyOnce', idempotencyKey: new Uint8Array([1]), payload: new Uint8Array(4096) });
		// 4 KiB × base 1 × emergency 5 × scale 2 × exactly once 2
		const required = w.fee(a, msg);
		expect(required).toBe(80);
		const e = w.reject(a, 'msg.send', msg, 'E_TX_FEE', 'fee', required - 1);
		expect(e.message).toContain(`the ${required} the fee policy requires`);
		expect(e.value).toBe(required - 1);
	});

	it('rejects a sender who is not a member (E_TX_NOT_ALLOWED from)', () => {
		const { w, b } = fresh();
		w.reject(key(50), 'msg.send', direct(b), 'E_TX_NOT_ALLOWED', 'from', 100);
	});

	it(`rejects a topic message that would reach more than ${MAX_FANOUT} members (E_TX_NOT_ALLOWED body.topic)`, () => {
		const { w, a } = fresh();
		w.apply(a, 'topic.create', { name: 'crowd', mode: 'clear' });
		for (let i = 0; i <= MAX_FANOUT; i++) {
			const m = `${i}`.padStart(64, '0');
			admit(w.state, m, `m${i}`, 0);
			subscribe(w.state, 'crowd', m);
		}
		w.reject(a, 'msg.send', topical('crowd'), 'E_TX_NOT_ALLOWED', 'body.topic', 1_000_000);
	});
});

describe('msg.ack', () => {
	function sent(): { w: World; a: ReturnType<typeof key>; b: ReturnType<typeof key>; c: ReturnType<typeof key>; id: string } {
		const f = fresh();
		return { ...f, id: f.w.send(f.a, direct(f.b)) };
	}
	const ack = (ids: Encodable[]): Encodable => ({ ids });

	it('rejects an empty list (E_SCHEMA body.ids)', () => {
		const { w, b } = sent();
		w.reject(b, 'msg.ack', ack([]), 'E_SCHEMA', 'body.ids');
	});

	it('rejects more than 64 ids (E_SCHEMA body.ids)', () => {
		const { w, b } = sent();
		w.reject(b, 'msg.ack', ack(Array.from({ length: 65 }, (_, i) => new Uint8Array(32).fill(i))), 'E_SCHEMA', 'body.ids');
	});

	it('rejects an id listed twice (E_TX_DUPLICATE body.ids[1])', () => {
		const { w, b, id } = sent();
		w.reject(b, 'msg.ack', ack([hexBytes(id), hexBytes(id)]), 'E_TX_DUPLICATE', 'body.ids[1]');
	});

	it('rejects an unknown message (E_MSG_UNKNOWN body.ids[0])', () => {
		const { w, b } = sent();
		w.reject(b, 'msg.ack', ack([new Uint8Array(32)]), 'E_MSG_UNKNOWN', 'body.ids[0]');
	});

	it('rejects a receipt from someone the message was not for (E_MSG_UNKNOWN body.ids[0])', () => {
		const { w, c, id } = sent();
		w.reject(c, 'msg.ack', ack([hexBytes(id)]), 'E_MSG_UNKNOWN', 'body.ids[0]');
	});

	it('rejects a second receipt for the same message (E_TX_DUPLICATE body.ids[0])', () => {
		const { w, b, id } = sent();
		w.ack(b, id);
		w.reject(b, 'msg.ack', ack([hexBytes(id)]), 'E_TX_DUPLICATE', 'body.ids[0]');
	});

	it('rejects a receipt for an expired message (E_MSG_STATE body.ids[0])', () => {
		const { w, a, b } = fresh();
		const id = w.send(a, direct(b, { expires: w.time + 5000 }));
		w.wait(6000);
		w.reject(b, 'msg.ack', ack([hexBytes(id)]), 'E_MSG_STATE', 'body.ids[0]');
	});

	it('rejects a late receipt for a dead letter whose message has expired (E_MSG_STATE body.ids[0])', () => {
		const { w, a, b } = fresh();
		const id = w.send(a, direct(b, { expires: w.time + 5000 }));
		w.nack(b, id, 'no', false);
		w.wait(6000);
		w.reject(b, 'msg.ack', ack([hexBytes(id)]), 'E_MSG_STATE', 'body.ids[0]');
	});

	it('rejects a receipt for an ordered message still held back (E_MSG_STATE body.ids[0])', () => {
		const { w, a, b } = fresh();
		const id = w.send(a, direct(b, { guarantee: 'ordered', seq: 1 }));
		w.reject(b, 'msg.ack', ack([hexBytes(id)]), 'E_MSG_STATE', 'body.ids[0]');
	});
});

describe('msg.nack', () => {
	it('rejects an unknown message (E_MSG_UNKNOWN body.id)', () => {
		const { w, b } = fresh();
		w.reject(b, 'msg.nack', { id: new Uint8Array(32), reason: 'no', requeue: true }, 'E_MSG_UNKNOWN', 'body.id');
	});

	it('rejects a message that is not in flight (E_MSG_STATE body.id)', () => {
		const w = new World({ members: 2, policies: { delivery: { maxInFlight: 1 } } });
		const [a, b] = w.members as [ReturnType<typeof key>, ReturnType<typeof key>];
		w.send(a, direct(b));
		const waiting = w.send(a, direct(b));
		expect(messageView(w.state, waiting)!.deliveries[0]!.status).toBe('pending');
		w.reject(b, 'msg.nack', { id: hexBytes(waiting), reason: 'no', requeue: true }, 'E_MSG_STATE', 'body.id');
	});

	it('rejects a rejection at or after the message\'s expiry, before its timer has run (E_MSG_STATE body.id)', () => {
		const { w, a, b } = fresh();
		const id = w.send(a, direct(b, { expires: w.time + 1000 }));
		w.time += 1000;
		w.reject(b, 'msg.nack', { id: hexBytes(id), reason: 'late', requeue: true }, 'E_MSG_STATE', 'body.id');
	});

	it('rejects a reason over 256 bytes (E_SCHEMA body.reason)', () => {
		const { w, a, b } = fresh();
		const id = w.send(a, direct(b));
		w.reject(b, 'msg.nack', { id: hexBytes(id), reason: 'x'.repeat(257), requeue: true }, 'E_SCHEMA', 'body.reason');
	});
});

describe('msg.redrive', () => {
	/** A message to b dead-lettered after b rejected it. */
	function dead(over: Record<string, Encodable> = {}) {
		const f = fresh();
		const id = f.w.send(f.a, direct(f.b, over));
		f.w.nack(f.b, id, 'cannot parse', false);
		return { ...f, id, body: { id: hexBytes(id), recipient: f.b.publicKey } };
	}
	const FEE = 1000;

	it('rejects an unknown message (E_MSG_UNKNOWN body.id)', () => {
		const { w, a, b } = dead();
		w.reject(a, 'msg.redrive', { id: new Uint8Array(32), recipient: b.publicKey }, 'E_MSG_UNKNOWN', 'body.id', FEE);
	});

	it('rejects anyone but the sender and the recipient (E_TX_NOT_ALLOWED from)', () => {
		const { w, c, body } = dead();
		w.reject(c, 'msg.redrive', body, 'E_TX_NOT_ALLOWED', 'from', FEE);
	});

	it('rejects a fee below what the message would cost now (E_TX_FEE fee)', () => {
		const { w, a, body } = dead({ priority: 'emergency' });
		w.reject(a, 'msg.redrive', body, 'E_TX_FEE', 'fee', 0);
	});

	it('rejects a delivery that is not dead (E_MSG_STATE body.id)', () => {
		const { w, a, b } = fresh();
		const id = w.send(a, direct(b));
		w.reject(a, 'msg.redrive', { id: hexBytes(id), recipient: b.publicKey }, 'E_MSG_STATE', 'body.id', FEE);
	});

	it('rejects an ordered message, which would come after later ones (E_MSG_STATE body.id)', () => {
		const { w, a, body } = dead({ guarantee: 'ordered', seq: 0 });
		w.reject(a, 'msg.redrive', body, 'E_MSG_STATE', 'body.id', FEE);
	});

	it('rejects an at-most-once message, which is never delivered twice (E_MSG_STATE body.id)', () => {
		const { w, a, body } = dead({ guarantee: 'atMostOnce' });
		w.reject(a, 'msg.redrive', body, 'E_MSG_STATE', 'body.id', FEE);
	});

	it('rejects a message past its expiry (E_TX_EXPIRED body.id)', () => {
		const { w, a, body } = dead({ expires: START + 5000 });
		w.wait(10_000);
		w.reject(a, 'msg.redrive', body, 'E_TX_EXPIRED', 'body.id', FEE);
	});
});

describe('topics', () => {
	it('rejects a second declaration of a name (E_TX_DUPLICATE body.name)', () => {
		const { w, a, b } = fresh();
		w.apply(a, 'topic.create', { name: 'news', mode: 'clear' });
		w.reject(b, 'topic.create', { name: 'news', mode: 'clear' }, 'E_TX_DUPLICATE', 'body.name');
	});

	const bad: Array<[string, Record<string, Encodable>, string]> = [
		['an encrypted topic without a key id', { name: 'x', mode: 'encrypted' }, 'body.keyId'],
		['a clear topic with a key id', { name: 'x', mode: 'clear', keyId: kid }, 'body.keyId'],
		['a name with a wildcard', { name: 'x.#', mode: 'clear' }, 'body.name'],
		['a name with an empty segment', { name: 'x..y', mode: 'clear' }, 'body.name'],
		['an unknown mode', { name: 'x', mode: 'secret' }, 'body.mode'],
		['a key id of the wrong length', { name: 'x', mode: 'encrypted', keyId: new Uint8Array(31) }, 'body.keyId']
	];
	for (const [name, body, field] of bad) it(`rejects ${name} (E_SCHEMA ${field})`, () => void fresh().w.reject(key(0), 'topic.create', body, 'E_SCHEMA', field));

	it('rejects a new key for an unknown topic (E_MSG_UNKNOWN body.name)', () => {
		const { w, a } = fresh();
		w.reject(a, 'topic.rekey', { name: 'nope', keyId: kid }, 'E_MSG_UNKNOWN', 'body.name');
	});

	it('rejects a new key from anyone but the owner (E_TX_NOT_ALLOWED from)', () => {
		const { w, a, b } = fresh();
		w.apply(a, 'topic.create', { name: 'secret', mode: 'encrypted', keyId: kid });
		w.reject(b, 'topic.rekey', { name: 'secret', keyId: new Uint8Array(32) }, 'E_TX_NOT_ALLOWED', 'from');
	});

	it('rejects a key for a clear topic (E_TX_NOT_ALLOWED body.name)', () => {
		const { w, a } = fresh();
		w.apply(a, 'topic.create', { name: 'news', mode: 'clear' });
		w.reject(a, 'topic.rekey', { name: 'news', keyId: kid }, 'E_TX_NOT_ALLOWED', 'body.name');
	});

	it('rejects a pattern that is not one (E_SCHEMA body.pattern)', () => {
		const { w, a } = fresh();
		w.reject(a, 'topic.subscribe', { pattern: 'news.**' }, 'E_SCHEMA', 'body.pattern');
	});

	it('rejects subscribing twice with one pattern (E_TX_DUPLICATE body.pattern)', () => {
		const { w, a } = fresh();
		w.apply(a, 'topic.subscribe', { pattern: 'news.#' });
		w.reject(a, 'topic.subscribe', { pattern: 'news.#' }, 'E_TX_DUPLICATE', 'body.pattern');
	});

	it(`rejects more than ${MAX_PATTERNS_PER_MEMBER} subscriptions (E_TX_NOT_ALLOWED body.pattern)`, () => {
		const { w, a } = fresh();
		for (let i = 0; i < MAX_PATTERNS_PER_MEMBER; i++) w.apply(a, 'topic.subscribe', { pattern: `t${i}` });
		w.reject(a, 'topic.subscribe', { pattern: 'one-more' }, 'E_TX_NOT_ALLOWED', 'body.pattern');
	});

	it('rejects unsubscribing a pattern one does not hold (E_MSG_UNKNOWN body.pattern)', () => {
		const { w, a } = fresh();
		w.reject(a, 'topic.unsubscribe', { pattern: 'news' }, 'E_MSG_UNKNOWN', 'body.pattern');
	});
});

