/**
 * The node's side of messaging, between the chain-backed queue
 * (core/state/queue) and the member.
 *
 * Sending: a direct message is sealed for its recipient (and the sender's
 * own copy) with the member's key and the node's randomness; a topic message
 * goes in clear, or sealed under the topic's key when the topic is
 * encrypted. It pays the fee the policy in force quotes (after the
 * member's messages still waiting for a block), is dry-run against the head
 * state, saved to the outbox and gossiped, like every transaction of the
 * member's: an online recipient's node has it before any block does, and
 * shows it (`InboxItem.inBlock` false).
 *
 * Receiving: after every change of head the node reads what state says it
 * must answer (deliveries in flight to the member, and dead letters it can
 * still acknowledge late), opens each, hands it to the member (an
 * exactly-once message only once, however often it is delivered again), and
 * answers with signed msg.acks (MAX_ACKS ids each) for everything that
 * opened (the delivery receipt) and a msg.nack, with the reason, for each that did not. A
 * delivery the state makes due again (its window ended unacknowledged) is
 * processed again and, by the sender's node, announced again to the peers.
 *
 * Encrypted topics: creating one draws its key, kept in the store before
 * the chain names it. The key reaches a subscriber only when a holder gives
 * it (a direct message of its own content type, which only the subscriber
 * opens); the receiving node checks it against the key id on chain and
 * keeps it before acknowledging. A topic message that waits for its key is
 * left unanswered rather than rejected, so it is still read, late, once the
 * key comes.
 *
 * Statuses and proofs are read from state and the outbox on demand; a
 * delivery proof is the inclusion proof of the message and of each receipt,
 * in the JSON `agora verify-proof` reads, checked here against the headers.
 */
import { fromHex, fromUtf8, toHex, utf8, type Bytes, type Hex } from '../lib/core/bytes.js';
import type { Chain } from '../lib/core/chain.js';
import type { Encodable } from '../lib/core/codec.js';
import { openDirect, sealDirect } from '../lib/core/crypto/direct.js';
import { readTopicEnvelope } from '../lib/core/crypto/envelope.js';
import { encodeTopicKeyShare, newTopicKey, openTopic, readTopicKeyShare, sealTopic, TOPIC_KEY_CONTENT_TYPE, topicKeyId } from '../lib/core/crypto/topic.js';
import { fail } from '../lib/core/errors.js';
import { checkTxProof, txProof, txProofToJson } from '../lib/core/export/proof.js';
import type { KeyPair } from '../lib/core/keys.js';
import { getAccount } from '../lib/core/state/accounts.js';
import { getMember, memberName } from '../lib/core/state/members.js';
import type { Guarantee, Priority } from '../lib/core/state/policy.js';
import { queueKeys, streamOf } from '../lib/core/state/queue/keys.js';
import { getStream } from '../lib/core/state/queue/ordering.js';
import { deadLetters, inFlight, messageTxIds, quoteRedrive, quoteFee, received, sent, type DeliveryView, type MessageView } from '../lib/core/state/queue/queries.js';
import { MAX_ACKS, MAX_REASON_BYTES } from '../lib/core/state/queue/receipts.js';
import { getMessage } from '../lib/core/state/queue/records.js';
import { KvList } from '../lib/core/state/queue/list.js';
import { readSendBody, type SendBody } from '../lib/core/state/queue/send.js';
import { subscribersOf } from '../lib/core/state/queue/subscriptions.js';
import { getTopic, patternsOf, type TopicRecord } from '../lib/core/state/queue/topics.js';
import type { DeliveryRecord } from '../lib/core/state/queue/types.js';
import { txIdHex, type Tx } from '../lib/core/tx/tx.js';
import type { StoredTopicKey } from '../lib/store/types.js';
import type {
	ChainMessageItem,
	CheckedProof,
	DeadLetterItem,
	DeliveryProof,
	InboxItem,
	MessageDraft,
	MessageQuote,
	MessagesView,
	MessageStatus,
	MessagingApi,
	OutboxItem,
	RecipientStatus,
	TopicItem
} from './messaging-types.js';
import type { OwnTx } from './node.js';

export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
/** The longest text the page lets a member send (the transaction size limit bounds it anyway). */
export const MAX_TEXT_BYTES = 4000;
const VIEW_LIMIT = 50;
/** How far back the list of messages on chain looks. */
const ON_CHAIN_BLOCKS = 100;
const IDEMPOTENCY_KEY_BYTES = 16;

/** What messaging needs of the node that owns it. */
export interface MessagingHost {
	chain(): Chain | null;
	keys(): KeyPair | null;
	now(): number;
	randomBytes(n: number): Uint8Array;
	/** Signs, dry-runs against the head state, saves to the outbox and sends (AgoraNode.submit). */
	submit(kind: string, body: Encodable, fee: number): Promise<Hex>;
	/** The member's own transactions not in a block yet, with their status. */
	ownTxs(): readonly OwnTx[];
	/** Transactions waiting in this node's pool, from anyone. */
	pendingTxs(): readonly Tx[];
	/** One transaction waiting in this node's pool. */
	pendingTx(id: Hex): Tx | undefined;
	/** Gossips transactions to the peers again. */
	announce(txs: readonly Tx[]): void;
	/** Resolves once the key is durable. */
	saveTopicKey(key: StoredTopicKey): Promise<void>;
	log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** A delivery this node must answer: acknowledge if it opens, reject if not. */
interface Due {
	readonly id: Hex;
	readonly delivery: DeliveryRecord;
	readonly text: string | null;
}

export class Messaging {
	/** Opened payloads by message id (null: does not open for this member). */
	private readonly opened = new Map<Hex, string | null>();
	/** How many times each message was handed to the member, and the last attempt that was. */
	private readonly processed = new Map<Hex, { count: number; attempt: number }>();
	/** Redeliveries of the member's messages already announced again: `id/recipient/attempt`. */
	private readonly reannounced = new Set<string>();
	private topicCache: { readonly head: Hex; readonly items: readonly TopicRow[] } | null = null;
	/** The topic keys this member holds, by key id. */
	private readonly topicKeys = new Map<Hex, StoredTopicKey>();
	/** Messages looked through for topic keys (recoverKeys). */
	private readonly searchedForKeys = new Set<Hex>();
	/** Keys that arrived and are being saved: their receipts wait for them. */
	private saving: Promise<void>[] = [];
	/** Answering runs one at a time: each reads what the ones before saved to the outbox. */
	private work: Promise<void> = Promise.resolve();

	constructor(private readonly host: MessagingHost) {}

	/** The topic keys kept in the store, once at start. */
	loadTopicKeys(keys: readonly StoredTopicKey[]): void {
		for (const k of keys) this.topicKeys.set(k.keyId, k);
	}

	// ---- sending ----

	quote(draft: MessageDraft): MessageQuote {
		const { chain, me } = this.ready();
		const body = this.compose(chain, me, draft);
		return { fee: this.feeFor(chain, me.hex, body), balance: getAccount(chain.state, me.hex).balance, bytes: body.payload.length };
	}

	async send(draft: MessageDraft): Promise<Hex> {
		const { chain, me } = this.ready();
		const body = this.compose(chain, me, draft);
		return this.host.submit('msg.send', encodeSendBody(body), this.feeFor(chain, me.hex, body));
	}

	async redrive(id: Hex, recipient: Hex): Promise<Hex> {
		const { chain, me } = this.ready();
		const m = getMessage(chain.state, id);
		if (!m) fail('E_MSG_UNKNOWN', 'id', id, 'is not a message in a block');
		return this.host.submit('msg.redrive', { id: fromHex(id, 'id', 32), recipient: fromHex(recipient, 'recipient', 32) }, quoteRedrive(chain.state, me.hex, m, this.blockTime(chain), this.waitingSends().length));
	}

	/**
	 * An encrypted topic's key is drawn here and saved before the topic is
	 * declared, so its owner never lacks it (should the chain refuse the
	 * topic, an unused key stays behind, named by an id nothing declares).
	 */
	async createTopic(name: string, description: string, encrypted: boolean): Promise<Hex> {
		const topic = name.trim();
		const body: Record<string, Encodable> = { name: topic, mode: encrypted ? 'encrypted' : 'clear' };
		if (description.trim()) body.description = description.trim();
		if (encrypted) {
			const key = newTopicKey((n) => this.host.randomBytes(n));
			const keyId = topicKeyId(key);
			await this.keep({ keyId: toHex(keyId), topic, key, sharedWith: [] });
			body.keyId = keyId;
		}
		return this.host.submit('topic.create', body, 0);
	}

	/**
	 * Replaces an encrypted topic's key (its owner only): what is sent after
	 * is read only by those given the new key, while every reader keeps the
	 * keys they had for what came before.
	 */
	async rekeyTopic(topic: string): Promise<Hex> {
		const { chain, me } = this.ready();
		const t = getTopic(chain.state, topic);
		if (t?.mode !== 'encrypted' || t.owner !== me.hex) fail('E_KEY', 'topic', topic, 'is not an encrypted topic you own');
		const key = newTopicKey((n) => this.host.randomBytes(n));
		const keyId = topicKeyId(key);
		await this.keep({ keyId: toHex(keyId), topic, key, sharedWith: [] });
		return this.host.submit('topic.rekey', { name: topic, keyId }, 0);
	}

	/** Gives a member the current key of an encrypted topic this member holds: a direct message only they can open. */
	async shareTopicKey(topic: string, member: Hex): Promise<Hex> {
		const { chain, me } = this.ready();
		const held = this.currentKey(chain, topic);
		if (!held) fail('E_KEY', 'topic', topic, 'is not an encrypted topic whose key you hold');
		const body = this.body(chain, me, {
			to: member,
			topic: null,
			priority: 'high',
			guarantee: 'atLeastOnce',
			type: 'topic-key',
			contentType: TOPIC_KEY_CONTENT_TYPE,
			plaintext: encodeTopicKeyShare({ topic, key: held.key })
		});
		const id = await this.host.submit('msg.send', encodeSendBody(body), this.feeFor(chain, me.hex, body));
		if (!held.sharedWith.includes(member)) await this.keep({ ...held, sharedWith: [...held.sharedWith, member] });
		return id;
	}

	subscribe(pattern: string): Promise<Hex> {
		return this.host.submit('topic.subscribe', { pattern: pattern.trim() }, 0);
	}

	unsubscribe(pattern: string): Promise<Hex> {
		return this.host.submit('topic.unsubscribe', { pattern: pattern.trim() }, 0);
	}

	/** The body a draft makes. */
	private compose(chain: Chain, me: { hex: Hex; keys: KeyPair }, draft: MessageDraft): SendBody {
		const text = draft.text.trim();
		if (!text) fail('E_SCHEMA', 'text', draft.text, 'is empty');
		if (utf8(text).length > MAX_TEXT_BYTES) fail('E_SCHEMA', 'text', utf8(text).length, `must be at most ${MAX_TEXT_BYTES} bytes`);
		const topic = draft.topic === null ? null : draft.topic.trim();
		return this.body(chain, me, { to: draft.to, topic, priority: draft.priority ?? 'normal', guarantee: draft.guarantee ?? 'atLeastOnce', type: 'text', contentType: TEXT_CONTENT_TYPE, plaintext: utf8(text) });
	}

	/**
	 * A message's body, its payload sealed as its address asks: checked by the
	 * same reader the chain uses, so a bad draft fails here, naming the field.
	 */
	private body(chain: Chain, me: { hex: Hex; keys: KeyPair }, m: Outgoing): SendBody {
		const { to, topic, guarantee } = m;
		const random = (n: number): Uint8Array => this.host.randomBytes(n);
		let payload = m.plaintext;
		if (to !== null) payload = sealDirect({ plaintext: m.plaintext, sender: me.keys, recipient: fromHex(to, 'to', 32), random });
		else if (topic !== null && getTopic(chain.state, topic)?.mode === 'encrypted') {
			const held = this.currentKey(chain, topic);
			if (!held) fail('E_KEY', 'topic', topic, 'is encrypted and its key has not reached you yet: ask its owner to give it to you');
			payload = sealTopic({ plaintext: m.plaintext, topic, key: held.key, sender: me.keys.publicKey, random });
		}
		return readSendBody(
			encodeSendBody({
				to,
				topic,
				priority: m.priority,
				guarantee,
				category: 'social',
				type: m.type,
				contentType: m.contentType,
				correlation: null,
				parent: null,
				idempotencyKey: guarantee === 'exactlyOnce' ? toHex(this.host.randomBytes(IDEMPOTENCY_KEY_BYTES)) : null,
				expires: null,
				maxDeliveries: null,
				seq: guarantee === 'ordered' ? this.nextSeq(chain, streamOf(me.hex, to, topic)) : null,
				hub: null,
				payload
			})
		);
	}

	/** The fee the policy asks of this message in the next block, after the member's messages that go before it. */
	private feeFor(chain: Chain, me: Hex, body: SendBody): number {
		return quoteFee(chain.state, me, body, this.blockTime(chain), this.waitingSends().length);
	}

	/** The next sequence number of an ordered stream: after the chain's and after the member's waiting messages. */
	private nextSeq(chain: Chain, stream: string): number {
		let next = getStream({ state: chain.state }, stream).next;
		for (const tx of this.waitingSends()) {
			const b = readSendBody(tx.body);
			if (b.seq !== null && streamOf(toHex(tx.from), b.to, b.topic) === stream) next = Math.max(next, b.seq + 1);
		}
		return next;
	}

	private waitingSends(): Tx[] {
		return this.host.ownTxs().flatMap((o) => (o.status !== 'failed' && o.tx.kind === 'msg.send' ? [o.tx] : []));
	}

	// ---- receiving ----

	/** Call after every change of head (and once the chain is loaded): answers what state says is due. */
	headChanged(): void {
		this.work = this.work.then(() => this.answer()).catch((e) => this.host.log('error', `messaging: ${(e as Error).message}`));
	}

	private async answer(): Promise<void> {
		const chain = this.host.chain();
		const keys = this.host.keys();
		if (!chain || !keys) return;
		const me = toHex(keys.publicKey);
		if (!getMember(chain.state, me)) return;
		this.reannounce(chain, me);
		this.recoverKeys(chain, me);
		const answering = this.answering();
		let all = this.due(chain, me);
		if (this.saving.length > 0) {
			// A key came in one of these: it is kept before any receipt says it was read, and opens the messages that waited for it.
			await this.keysSaved();
			all = this.due(chain, me);
		}
		for (const d of all) this.process(chain, d, answering.has(d.id));
		const due = all.filter((d) => !answering.has(d.id));
		const opened = due.filter((d) => d.text !== null).map((d) => d.id);
		for (let i = 0; i < opened.length; i += MAX_ACKS) {
			const ids = opened.slice(i, i + MAX_ACKS);
			await this.host.submit('msg.ack', { ids: ids.map((id) => fromHex(id)) }, 0);
			this.host.log('info', `acknowledged ${ids.length} message(s)`);
		}
		for (const d of due) {
			if (d.text !== null || d.delivery.status !== 'inflight') continue;
			const why = this.whyUnopened(chain, d.id);
			if (why === WAITING_FOR_KEY) continue;
			const reason = `cannot open: ${why}`.slice(0, MAX_REASON_BYTES);
			await this.host.submit('msg.nack', { id: fromHex(d.id), reason, requeue: false }, 0);
			this.host.log('warn', `rejected message ${d.id.slice(0, 16)}…: ${reason}`);
		}
	}

	/** Deliveries to the member that want an answer: in flight, or dead letters a late receipt still settles. */
	private due(chain: Chain, me: Hex): Due[] {
		const time = chain.head.header.time;
		const views = [...inFlight(chain.state, me), ...deadLetters(chain.state, me).filter((d) => d.recipient === me && getMessage(chain.state, d.id)!.expires > time)];
		return views.map((d) => ({ id: d.id, delivery: d, text: this.open(chain, d.id) }));
	}

	/**
	 * Hands a delivery to the member once per attempt; an exactly-once message
	 * only the first time ever (`answered`: this member's receipt for it is
	 * already waiting for a block, so it was handed over before, maybe before a reload).
	 */
	private process(chain: Chain, d: Due, answered: boolean): void {
		if (d.text === null) return;
		const seen = this.processed.get(d.id);
		if (seen && seen.attempt >= d.delivery.attempts) return;
		const again = getMessage(chain.state, d.id)!.guarantee !== 'exactlyOnce' || !(seen || answered);
		this.processed.set(d.id, { count: (seen?.count ?? 0) + (again ? 1 : 0), attempt: d.delivery.attempts });
	}

	/** Message ids the member's waiting receipts (acks and nacks not yet in a block) already answer. */
	private answering(): Set<Hex> {
		const out = new Set<Hex>();
		for (const { tx, status } of this.host.ownTxs()) {
			if (status === 'failed') continue;
			if (tx.kind === 'msg.ack') for (const id of (tx.body as { ids: Bytes[] }).ids) out.add(toHex(id));
			if (tx.kind === 'msg.nack') out.add(toHex((tx.body as { id: Bytes }).id));
		}
		return out;
	}

	/** The member's messages the state delivers again: announced again, once per attempt, for peers that missed them. */
	private reannounce(chain: Chain, me: Hex): void {
		const again: Tx[] = [];
		for (const m of sent(chain.state, me, VIEW_LIMIT)) {
			for (const d of m.deliveries) {
				const key = `${m.id}/${d.recipient}/${d.attempts}`;
				if (d.status !== 'inflight' || d.attempts < 2 || this.reannounced.has(key)) continue;
				this.reannounced.add(key);
				const at = chain.findTx(m.id);
				if (at && !again.includes(at.tx)) again.push(at.tx);
			}
		}
		if (again.length > 0) this.host.announce(again);
	}

	/** The text of a message for this member (its recipient, or its sender's own copy); null if it does not open. `tx`: the message, when the caller holds it. */
	private open(chain: Chain, id: Hex, tx: Tx | undefined = chain.findTx(id)?.tx ?? this.host.pendingTx(id)): string | null {
		if (this.opened.has(id)) return this.opened.get(id)!;
		if (!tx) return null;
		const text = this.openTx(chain, tx);
		// A message not in a block yet may name a topic this node's state does not have yet: it is tried again.
		if (text !== null || getMessage(chain.state, id)) this.opened.set(id, text);
		return text;
	}

	private openTx(chain: Chain, tx: Tx): string | null {
		const keys = this.host.keys()!;
		let body: SendBody;
		try {
			body = readSendBody(tx.body);
		} catch {
			return null;
		}
		if (body.to === null) {
			const topic = getTopic(chain.state, body.topic!);
			if (body.contentType !== TEXT_CONTENT_TYPE || !topic) return null;
			if (topic.mode === 'clear') return decodeText(body.payload);
			const held = this.topicKeys.get(envelopeKeyId(body.payload) ?? '');
			const plain = held ? openTopic(body.payload, held.key, body.topic!, tx.from) : null;
			return plain && decodeText(plain);
		}
		const plain = openDirect(body.payload, keys, tx.from, fromHex(body.to));
		if (plain && body.contentType === TOPIC_KEY_CONTENT_TYPE) return this.receiveKey(chain, plain, toHex(tx.from), body.to);
		return plain && decodeText(plain);
	}

	/**
	 * A topic key handed over (or this member's own copy of one it handed
	 * over to `to`): kept if it is the key the topic declares, or any key of
	 * the topic from its owner (an earlier one opens earlier messages);
	 * returns what the member reads in its place.
	 */
	private receiveKey(chain: Chain, plaintext: Bytes, from: Hex, to: Hex): string | null {
		const share = readTopicKeyShare(plaintext);
		const topic = share && getTopic(chain.state, share.topic);
		if (!share || topic?.mode !== 'encrypted') return null;
		const keyId = toHex(topicKeyId(share.key));
		if (topic.keyId !== keyId && from !== topic.owner) return null;
		const held = this.topicKeys.get(keyId);
		// The owner's own copies say whom it gave the key to: a restored owner knows again who still waits for it.
		const givenTo = from === toHex(this.host.keys()!.publicKey) ? [to] : [];
		if (!held || givenTo.some((m) => !held.sharedWith.includes(m))) {
			const kept = this.keep({ keyId, topic: share.topic, key: share.key, sharedWith: [...new Set([...(held?.sharedWith ?? []), ...givenTo])] });
			// Its failure is reported where the receipts wait for it (answer), not as an unhandled rejection.
			kept.catch(() => {});
			this.saving.push(kept);
			// Messages that waited for this key open now.
			if (!held) for (const [id, text] of this.opened) if (text === null) this.opened.delete(id);
		}
		return `The key to the encrypted topic ${share.topic}`;
	}

	/**
	 * Keys come back from the chain: the key shares this member received, and
	 * its own copies of those it gave, open with its key alone. Looked for
	 * only while an encrypted topic it owns or subscribes to lacks its key (an
	 * identity restored in another browser, say), each message once.
	 */
	private recoverKeys(chain: Chain, me: Hex): void {
		const lacking = this.topicRows(chain).some((t) => t.mode === 'encrypted' && !this.currentKey(chain, t.name) && (t.owner === me || t.subscribers.includes(me)));
		if (!lacking) return;
		for (const list of [queueKeys.received(me), queueKeys.sent(me)]) {
			const log = new KvList<Hex>(chain.state, list);
			for (let i = log.end - 1; i >= log.first; i--) {
				const id = log.at(i)!;
				if (this.searchedForKeys.has(id)) continue;
				this.searchedForKeys.add(id);
				if (getMessage(chain.state, id)?.contentType !== TOPIC_KEY_CONTENT_TYPE) continue;
				this.opened.delete(id);
				this.open(chain, id);
			}
		}
	}

	private whyUnopened(chain: Chain, id: Hex): string {
		const m = getMessage(chain.state, id)!;
		if (m.to !== null) return m.contentType === TOPIC_KEY_CONTENT_TYPE ? 'it is not sealed for this member or not the key its topic declares' : 'its envelope is not sealed for this member\'s key';
		const topic = getTopic(chain.state, m.topic!);
		if (m.contentType !== TEXT_CONTENT_TYPE) return `content type ${m.contentType} is not text`;
		if (topic?.mode !== 'encrypted') return 'it is not well-formed text';
		const tx = chain.findTx(id)?.tx;
		const kid = tx ? envelopeKeyId(readSendBody(tx.body).payload) : null;
		if (kid !== null && this.topicKeys.has(kid)) return `it does not open under the key of topic ${m.topic}`;
		// The current key may still come; a key the topic has replaced will not.
		return kid !== null && kid === topic.keyId ? WAITING_FOR_KEY : `no key for the encrypted topic ${m.topic}`;
	}

	// ---- topic keys ----

	/** Keeps a topic key (durably, then here); on failure the key is forgotten, so it is taken again when it is delivered again. */
	private async keep(record: StoredTopicKey): Promise<void> {
		this.topicKeys.set(record.keyId, record);
		try {
			await this.host.saveTopicKey(record);
		} catch (e) {
			this.topicKeys.delete(record.keyId);
			this.opened.clear();
			throw e;
		}
	}

	private async keysSaved(): Promise<void> {
		const saving = this.saving;
		this.saving = [];
		await Promise.all(saving);
	}

	/** The key an encrypted topic declares now, if this member holds it. */
	private currentKey(chain: Chain, topic: string): StoredTopicKey | undefined {
		const t = getTopic(chain.state, topic);
		return t?.mode === 'encrypted' && t.keyId !== null ? this.topicKeys.get(t.keyId) : undefined;
	}

	// ---- views ----

	view(): MessagesView {
		const chain = this.host.chain();
		const keys = this.host.keys();
		if (!chain || !keys) return { me: keys ? toHex(keys.publicKey) : null, balance: 0, outbox: [], inbox: [], deadLetters: [], onChain: [], topics: [], subscriptions: [] };
		const me = toHex(keys.publicKey);
		return {
			me,
			balance: getAccount(chain.state, me).balance,
			outbox: this.outbox(chain, me),
			inbox: this.inbox(chain, me),
			deadLetters: this.deadLetters(chain, me),
			onChain: this.onChain(chain),
			topics: this.topics(chain, me),
			subscriptions: patternsOf(chain.state, me)
		};
	}

	private outbox(chain: Chain, me: Hex): OutboxItem[] {
		const waiting = this.host.ownTxs().flatMap(({ tx, status, error }): OutboxItem[] => {
			if (tx.kind !== 'msg.send') return [];
			const body = readSendBody(tx.body);
			const id = txIdHex(tx);
			return [{
				id,
				to: body.to,
				toName: body.to && memberName(chain.state, body.to),
				topic: body.topic,
				text: this.open(chain, id, tx),
				created: tx.created,
				priority: body.priority,
				guarantee: body.guarantee,
				fee: tx.fee,
				status: status === 'saved' ? 'saved' : status === 'pending' ? 'sent' : 'failed',
				reason: error ?? null,
				height: null,
				recipients: []
			}];
		});
		const recorded = sent(chain.state, me, VIEW_LIMIT).map((m) => this.recordedItem(chain, m));
		return [...waiting, ...recorded];
	}

	private recordedItem(chain: Chain, v: MessageView): OutboxItem {
		const m = v.message;
		const recipients = v.deliveries.map((d) => this.recipientStatus(chain, d));
		const [status, reason] = overall(recipients);
		return {
			id: v.id,
			to: m.to,
			toName: m.to && memberName(chain.state, m.to),
			topic: m.topic,
			text: this.open(chain, v.id),
			created: chain.findTx(v.id)?.tx.created ?? m.sent,
			priority: m.priority,
			guarantee: m.guarantee,
			fee: m.fee,
			status,
			reason,
			height: m.height,
			recipients
		};
	}

	private recipientStatus(chain: Chain, d: DeliveryView): RecipientStatus {
		const detail = d.history.at(-1)?.[2];
		const reason = d.status === 'dead' || d.status === 'expired' ? (typeof detail === 'string' ? detail : d.status === 'expired' ? 'its expiry passed before it was acknowledged' : d.deadReason) : d.lastNack;
		return { recipient: d.recipient, name: memberName(chain.state, d.recipient), status: d.status, attempts: d.attempts, ack: d.ack, reason };
	}

	private inbox(chain: Chain, me: Hex): InboxItem[] {
		const recorded = received(chain.state, me, VIEW_LIMIT).map((d): InboxItem => {
			const m = getMessage(chain.state, d.id)!;
			const text = this.open(chain, d.id);
			const why = text === null ? this.whyUnopened(chain, d.id) : null;
			return {
				id: d.id,
				from: m.from,
				fromName: memberName(chain.state, m.from),
				topic: m.topic,
				text,
				unopened: why === WAITING_FOR_KEY ? `encrypted for the topic ${m.topic}: it opens once a holder of its key gives it to you` : why,
				created: chain.findTx(d.id)?.tx.created ?? m.sent,
				inBlock: true,
				status: d.status,
				guarantee: m.guarantee,
				processed: this.processed.get(d.id)?.count ?? (d.status === 'acked' ? 1 : 0)
			};
		});
		// Arrived peer to peer, not in a block yet: shown at once.
		const arriving = this.host.pendingTxs().flatMap((tx): InboxItem[] => {
			if (tx.kind !== 'msg.send' || toHex(tx.from) === me) return [];
			const id = txIdHex(tx);
			if (getMessage(chain.state, id)) return [];
			let body: SendBody;
			try {
				body = readSendBody(tx.body);
			} catch {
				return [];
			}
			if (body.to !== me && !(body.topic !== null && subscribersOf(chain.state, body.topic).includes(me))) return [];
			const from = toHex(tx.from);
			const text = this.open(chain, id, tx);
			const unopened = text === null ? 'it does not open for you (yet): see it again once it is in a block' : null;
			return [{ id, from, fromName: memberName(chain.state, from), topic: body.topic, text, unopened, created: tx.created, inBlock: false, status: null, guarantee: body.guarantee, processed: 0 }];
		});
		return [...arriving, ...recorded];
	}

	private deadLetters(chain: Chain, me: Hex): DeadLetterItem[] {
		const time = this.blockTime(chain);
		return deadLetters(chain.state, me, VIEW_LIMIT).map((d) => {
			const m = getMessage(chain.state, d.id)!;
			const redrivable = m.guarantee !== 'ordered' && m.guarantee !== 'atMostOnce' && m.expires > time;
			return {
				id: d.id,
				from: m.from,
				fromName: memberName(chain.state, m.from),
				recipient: d.recipient,
				recipientName: memberName(chain.state, d.recipient),
				topic: m.topic,
				reason: this.recipientStatus(chain, d).reason,
				redriveFee: redrivable ? quoteRedrive(chain.state, me, m, time, this.waitingSends().length) : null
			};
		});
	}

	/**
	 * Every topic, with what this member holds of its key (which changes
	 * between heads).
	 */
	private topics(chain: Chain, me: Hex): TopicItem[] {
		return this.topicRows(chain).map(({ subscribers, ...t }) => {
			const held = this.currentKey(chain, t.name);
			// The owner hands the key out; the subscribers who do not have it from this node are who wait for it.
			const waiting = held && t.owner === me ? subscribers.filter((s) => s !== me && !held.sharedWith.includes(s)) : [];
			return { ...t, hasKey: t.mode === 'clear' || held !== undefined, awaitingKey: waiting.map((publicKey) => ({ publicKey, name: memberName(chain.state, publicKey) })) };
		});
	}

	/** Every topic and its subscribers; state has no index of topics, so they are read once per head. */
	private topicRows(chain: Chain): readonly TopicRow[] {
		if (this.topicCache?.head !== chain.head.hash) {
			const prefix = queueKeys.topic('');
			const items = chain.state.keys(prefix).map((key): TopicRow => {
				const name = key.slice(prefix.length);
				const t = getTopic(chain.state, name) as TopicRecord;
				return { name, owner: t.owner, ownerName: memberName(chain.state, t.owner), mode: t.mode, description: t.description, subscribers: subscribersOf(chain.state, name) };
			});
			this.topicCache = { head: chain.head.hash, items };
		}
		return this.topicCache.items;
	}

	private onChain(chain: Chain): ChainMessageItem[] {
		const out: ChainMessageItem[] = [];
		for (let h = chain.height; h > Math.max(0, chain.height - ON_CHAIN_BLOCKS) && out.length < VIEW_LIMIT; h--) {
			for (const tx of chain.blockAt(h)!.block.txs) {
				const id = txIdHex(tx);
				const m = tx.kind === 'msg.send' ? getMessage(chain.state, id) : undefined;
				if (!m) continue;
				out.push({ id, from: m.from, fromName: memberName(chain.state, m.from), to: m.to, toName: m.to && memberName(chain.state, m.to), topic: m.topic, bytes: m.bytes, height: h, readable: this.open(chain, id) !== null });
			}
		}
		return out;
	}

	// ---- proofs ----

	/** Inclusion proofs of a message and of its receipts, checked against their headers; null before it is in a block. */
	proof(id: Hex): DeliveryProof | null {
		const chain = this.host.chain();
		const ids = chain && messageTxIds(chain.state, id);
		const message = ids && checkedProof(chain, id);
		if (!chain || !ids || !message) return null;
		const receipts = ids.receipts.flatMap(({ recipient, ack }) => {
			const p = ack === null ? null : checkedProof(chain, ack);
			if (!p) return [];
			const tx = chain.findTx(ack!)!.tx;
			const names = tx.kind === 'msg.ack' && toHex(tx.from) === recipient && (tx.body as { ids: Bytes[] }).ids.some((x) => toHex(x) === id);
			return [{ ...p, recipient, name: memberName(chain.state, recipient), names }];
		});
		return { id, message, receipts };
	}

	// ---- plumbing ----

	private ready(): { chain: Chain; me: { hex: Hex; keys: KeyPair } } {
		const keys = this.host.keys();
		if (!keys) fail('E_KEY', 'identity', null, 'is missing: create an identity first');
		const chain = this.host.chain();
		if (!chain) fail('E_GENESIS', 'community', null, 'is not synced yet: wait for a peer');
		return { chain, me: { hex: toHex(keys.publicKey), keys } };
	}

	/** The time the next block will have, at the earliest. */
	private blockTime(chain: Chain): number {
		return Math.max(this.host.now(), chain.head.header.time + 1);
	}
}

/** What a message to send is, before its payload is sealed. */
interface Outgoing {
	readonly to: Hex | null;
	readonly topic: string | null;
	readonly priority: Priority;
	readonly guarantee: Guarantee;
	readonly type: string;
	readonly contentType: string;
	readonly plaintext: Bytes;
}

/** A topic as listed once per head, with its subscribers. */
type TopicRow = Omit<TopicItem, 'hasKey' | 'awaitingKey'> & { readonly subscribers: readonly Hex[] };

/** Why a topic message is left unanswered for now: its key may still come. */
const WAITING_FOR_KEY = 'waiting for the topic key';

/** The key id a topic envelope names; null if it is not one. */
function envelopeKeyId(payload: Bytes): Hex | null {
	try {
		return toHex(readTopicEnvelope(payload).kid);
	} catch {
		return null;
	}
}

/** A message's status from its deliveries: a dead letter or an open delivery shows first, then expiry, then delivery. */
function overall(recipients: readonly RecipientStatus[]): [MessageStatus, string | null] {
	if (recipients.length === 0) return ['inBlock', 'no member subscribes to this topic'];
	const dead = recipients.find((r) => r.status === 'dead');
	if (dead) return ['dead', dead.reason];
	if (recipients.some((r) => !['acked', 'delivered', 'expired'].includes(r.status))) return ['inBlock', null];
	const expired = recipients.find((r) => r.status === 'expired');
	if (expired && recipients.every((r) => r.status === 'expired')) return ['expired', expired.reason];
	return ['delivered', expired ? `${recipients.filter((r) => r.status === 'expired').length} recipient(s) let it expire` : null];
}

function checkedProof(chain: Chain, txid: Hex): CheckedProof | null {
	const at = chain.findTx(txid);
	if (!at) return null;
	const proof = txProof(at.block.block, at.index);
	const check = checkTxProof(proof);
	return { json: txProofToJson(proof), height: at.block.height, valid: check.valid, reason: check.valid ? null : check.reason };
}

function decodeText(bytes: Bytes): string | null {
	try {
		return fromUtf8(bytes);
	} catch {
		return null;
	}
}

/** A send body as the transaction carries it: keys as bytes, absent fields left out. */
function encodeSendBody(b: SendBody): Encodable {
	const out: Record<string, Encodable> = { priority: b.priority, guarantee: b.guarantee, category: b.category, type: b.type, contentType: b.contentType, payload: b.payload };
	if (b.to !== null) out.to = fromHex(b.to, 'to', 32);
	if (b.topic !== null) out.topic = b.topic;
	if (b.correlation !== null) out.correlation = fromHex(b.correlation);
	if (b.parent !== null) out.parent = fromHex(b.parent, 'parent', 32);
	if (b.idempotencyKey !== null) out.idempotencyKey = fromHex(b.idempotencyKey);
	if (b.expires !== null) out.expires = b.expires;
	if (b.maxDeliveries !== null) out.maxDeliveries = b.maxDeliveries;
	if (b.seq !== null) out.seq = b.seq;
	if (b.hub !== null) out.hub = b.hub;
	return out;
}

/** The MessagingApi methods of the worker, served by the node's messaging. */
export function messagingApi(node: Promise<{ readonly messaging: Messaging }>): MessagingApi {
	const m = async (): Promise<Messaging> => (await node).messaging;
	return {
		messages: async () => (await m()).view(),
		quoteMessage: async (draft) => (await m()).quote(draft),
		sendMessage: async (draft) => (await m()).send(draft),
		redriveMessage: async (id, recipient) => (await m()).redrive(id, recipient),
		createTopic: async (name, description, encrypted) => (await m()).createTopic(name, description, encrypted),
		shareTopicKey: async (topic, member) => (await m()).shareTopicKey(topic, member),
		rekeyTopic: async (topic) => (await m()).rekeyTopic(topic),
		subscribeTopic: async (pattern) => (await m()).subscribe(pattern),
		unsubscribeTopic: async (pattern) => (await m()).unsubscribe(pattern),
		deliveryProof: async (id) => (await m()).proof(id)
	};
}
