/**
 * Messaging between in-process nodes: direct messages only their recipient
 * reads, delivered peer to peer before a block and acknowledged on chain;
 * statuses from saved to delivered; redelivery, dead letters and re-drive on
 * a quiet chain (the sealer seals at the queue's deadlines); rejection of
 * what does not open; topics; delivery proofs that verify against headers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webcrypto } from 'node:crypto';
import { fromHex, toHex, utf8 } from '../../../src/lib/core/bytes.js';
import { openDirect, sealDirect } from '../../../src/lib/core/crypto/direct.js';
import { encodeTopicKeyShare, TOPIC_KEY_CONTENT_TYPE } from '../../../src/lib/core/crypto/topic.js';
import { checkTxProof, txProofFromJson } from '../../../src/lib/core/export/proof.js';
import { keyPairFromSeed } from '../../../src/lib/core/keys.js';
import { AgoraError } from '../../../src/lib/core/errors.js';
import { MemoryStore } from '../../../src/lib/store/memory.js';
import { getAccount } from '../../../src/lib/core/state/accounts.js';
import { getMessage } from '../../../src/lib/core/state/queue/records.js';
import { DEFAULT_POLICIES } from '../../../src/lib/core/state/policy.js';
import { decodeFrame } from '../../../src/lib/net/wire.js';
import { parseInvite } from '../../../src/lib/net/invite.js';
import { VirtualClock } from '../../../src/lib/sim/clock.js';
import { APP_MEMBER_GRANT, type AgoraNode } from '../../../src/worker/node.js';
import type { MessageDraft, OutboxItem } from '../../../src/worker/messaging-types.js';
import { key } from '../../helpers/community.js';
import { connect, openNode, until } from '../../helpers/nodes.js';
import { closeAll, community, FOUNDER, link, MEMBER, open, T } from './virtual.js';

const THIRD = key(2);
const hex = (k: { publicKey: Uint8Array }): string => toHex(k.publicKey);
const random = (n: number): Uint8Array => webcrypto.getRandomValues(new Uint8Array(n));
const dm = (to: { publicKey: Uint8Array }, text: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({ to: hex(to), topic: null, text, ...extra });
const outboxItem = (n: AgoraNode, id: string): OutboxItem | undefined => n.messaging.view().outbox.find((m) => m.id === id);
const inboxItem = (n: AgoraNode, id: string) => n.messaging.view().inbox.find((m) => m.id === id);

const live: AgoraNode[] = [];
afterEach(() => {
	for (const n of live.splice(0)) n.close();
	closeAll();
});

describe('direct messages between app communities (real time)', () => {
	it('only the recipient reads it; it is acknowledged, and its delivery proof verifies', async () => {
		const aliceStore = new MemoryStore();
		const alice = await openNode(aliceStore);
		live.push(alice);
		await alice.createIdentity('Alice');
		const invite = parseInvite(await alice.createCommunity('Garden club', []))!;
		const [bob, carol] = [await openNode(), await openNode()];
		live.push(bob, carol);
		for (const [n, name] of [[bob, 'Bob'], [carol, 'Carol']] as const) {
			await n.createIdentity(name);
			await n.joinCommunity(invite);
		}
		connect(alice, 'A', bob, 'B');
		connect(alice, 'A', carol, 'C');
		connect(bob, 'B', carol, 'C');
		await until('everyone is a member everywhere', () => [alice, bob, carol].every((n) => n.view().members.length === 3 && n.view().community!.member));

		// Out of the box, every member can pay for messages.
		expect(bob.messaging.view().balance).toBe(APP_MEMBER_GRANT);
		const draft: MessageDraft = { to: carol.publicKey!, topic: null, text: 'meet at the gate, 6pm' };
		const quote = bob.messaging.quote(draft);
		expect(quote.fee).toBeGreaterThan(0);
		const id = await bob.messaging.send(draft);

		await until('Carol has read it and Bob sees it delivered', () => outboxItem(bob, id)?.status === 'delivered', 15_000);
		expect(inboxItem(carol, id)).toMatchObject({ text: 'meet at the gate, 6pm', fromName: 'Bob', inBlock: true, status: 'acked', processed: 1 });
		const sent = outboxItem(bob, id)!;
		expect(sent).toMatchObject({ text: 'meet at the gate, 6pm', toName: 'Carol', fee: quote.fee });
		expect(sent.recipients[0]!.ack).not.toBeNull();
		expect(bob.messaging.view().balance).toBe(APP_MEMBER_GRANT - quote.fee);

		// Alice, a member and the sealer, holds the ciphertext on chain but cannot open it.
		const onChain = alice.chain!.findTx(id)!.tx;
		const payload = (onChain.body as { payload: Uint8Array }).payload;
		expect(new TextDecoder().decode(payload)).not.toContain('gate');
		const aliceKeys = keyPairFromSeed((await aliceStore.getIdentity())!.secretKey);
		expect(openDirect(payload, aliceKeys, onChain.from, fromHex(carol.publicKey!))).toBeNull();
		expect(alice.messaging.view().inbox).toEqual([]);

		// The proof of delivery: the message and its receipt, each against its block header alone, in the CLI's JSON.
		const proof = alice.messaging.proof(id)!;
		expect(proof.message.valid).toBe(true);
		expect(proof.receipts).toHaveLength(1);
		expect(proof.receipts[0]).toMatchObject({ valid: true, names: true, name: 'Carol' });
		for (const p of [proof.message, proof.receipts[0]!]) expect(checkTxProof(txProofFromJson(JSON.parse(JSON.stringify(p.json)))).valid).toBe(true);
		const forged = { ...proof.receipts[0]!.json, index: proof.receipts[0]!.json.index + 1 };
		expect(checkTxProof(txProofFromJson(forged)).valid).toBe(false);
	});
});

/** Three members on a virtual clock: the founder seals; every member starts with a grant. */
async function trio(clock: VirtualClock) {
	const genesis = community({ members: [FOUNDER, MEMBER, THIRD].map((k, i) => ({ key: k.publicKey, name: ['Alice', 'Bob', 'Carol'][i]! })), memberGrant: 1000 });
	const alice = await open(clock, FOUNDER, genesis, { randomBytes: random });
	const bob = await open(clock, MEMBER, genesis, { randomBytes: random });
	link(clock, alice, bob);
	const carol = async (drop: (bytes: Uint8Array) => boolean = () => false): Promise<AgoraNode> => {
		const c = await open(clock, THIRD, genesis, { randomBytes: random });
		link(clock, alice, c, (bytes, from) => from === c && drop(bytes), ['A', 'C']);
		return c;
	};
	return { genesis, alice, bob, carol };
}

const statusOf = (n: AgoraNode, id: string) => outboxItem(n, id)?.status;
const topicOf = (n: AgoraNode) => n.messaging.view().topics.find((t) => t.name === 'garden.plans');

/** The trio, with Carol online, and Alice's encrypted topic garden.plans followed by whom `follow` names, under their pattern. */
async function encryptedTopic(clock: VirtualClock, follow: { bob?: string; carol?: string }) {
	const { genesis, alice, bob, carol } = await trio(clock);
	const c = await carol();
	await alice.messaging.createTopic('garden.plans', '', true);
	await clock.run(T + 1_000, () => topicOf(bob) !== undefined && topicOf(c) !== undefined);
	if (follow.bob) await bob.messaging.subscribe(follow.bob);
	if (follow.carol) await c.messaging.subscribe(follow.carol);
	const followers = Object.keys(follow).length;
	await clock.run(T + 2_000, () => topicOf(alice)!.awaitingKey.length === followers);
	return { genesis, alice, bob, c };
}

describe('statuses, redelivery and dead letters (virtual time)', () => {
	it('saved, sent, in a block, then delivered once the offline recipient comes back', async () => {
		const clock = new VirtualClock(T);
		const genesis = community({ members: [FOUNDER, MEMBER, THIRD].map((k, i) => ({ key: k.publicKey, name: `m${i}` })), memberGrant: 1000 });
		const alice = await open(clock, FOUNDER, genesis, { randomBytes: random });
		const bob = await open(clock, MEMBER, genesis, { randomBytes: random });
		const id = await bob.messaging.send(dm(THIRD, 'written before any peer'));
		expect(statusOf(bob, id)).toBe('saved');
		link(clock, alice, bob);
		await clock.run(T + 1_000, () => statusOf(bob, id) === 'sent');
		expect(statusOf(bob, id)).toBe('sent');
		await clock.run(T + 1_000, () => statusOf(bob, id) === 'inBlock');
		expect(outboxItem(bob, id)).toMatchObject({ status: 'inBlock', recipients: [{ status: 'inflight', attempts: 1 }] });

		const carol = await open(clock, THIRD, genesis, { randomBytes: random });
		link(clock, alice, carol, undefined, ['A', 'C']);
		await clock.run(T + 10_000, () => statusOf(bob, id) === 'delivered');
		expect(outboxItem(bob, id)!.recipients[0]!.status).toBe('acked');
		expect(inboxItem(carol, id)!.text).toBe('written before any peer');
	});

	it('a visibility timeout passing with no traffic leads to redelivery, then a dead letter; a re-drive delivers it', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, carol } = await trio(clock);
		const id = await bob.messaging.send(dm(THIRD, 'are you there?'));
		await clock.run(T + 1_000, () => statusOf(bob, id) === 'inBlock');
		const sentAt = alice.chain!.head.header.time;
		const { visibilityTimeoutMs } = DEFAULT_POLICIES.delivery;
		// Nobody sends anything: the sealer seals at the deadline all the same.
		await clock.run(T + 10 * 60_000, () => outboxItem(bob, id)?.recipients[0]?.attempts === 2);
		expect(alice.chain!.head.header.time).toBe(sentAt + visibilityTimeoutMs);
		expect(alice.chain!.head.block.txs).toHaveLength(0);
		await clock.run(T + 10 * 60_000, () => statusOf(bob, id) === 'dead');
		expect(outboxItem(bob, id)).toMatchObject({ status: 'dead', reason: 'maxDeliveries: 3 deliveries unacknowledged' });
		// 30 s, then 60 s, then 120 s windows.
		expect(alice.chain!.head.header.time).toBe(sentAt + 7 * visibilityTimeoutMs);
		const dead = bob.messaging.view().deadLetters;
		expect(dead).toEqual([expect.objectContaining({ id, recipient: hex(THIRD), redriveFee: 1 })]);

		await bob.messaging.redrive(id, hex(THIRD));
		await clock.run(clock.now() + 1_000, () => statusOf(bob, id) === 'inBlock');
		expect(outboxItem(bob, id)!.recipients[0]).toMatchObject({ status: 'inflight', attempts: 1 });
		const c = await carol();
		await clock.run(clock.now() + 10_000, () => statusOf(bob, id) === 'delivered');
		expect(inboxItem(c, id)!.text).toBe('are you there?');
		expect(bob.messaging.view().deadLetters).toEqual([]);
	});

	it('an online recipient has it peer to peer, readable, before any block holds it', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, carol } = await trio(clock);
		const c = await carol();
		await clock.run(T + 1_000, () => c.view().peers.length === 1);
		const height = alice.chain!.height;
		const id = await bob.messaging.send(dm(THIRD, 'straight to you'));
		await clock.run(T + 2_000, () => inboxItem(c, id) !== undefined);
		expect(inboxItem(c, id)).toMatchObject({ text: 'straight to you', inBlock: false, status: null, fromName: 'Bob' });
		expect(c.chain!.height).toBe(height);
		await clock.run(T + 5_000, () => statusOf(bob, id) === 'delivered' && inboxItem(c, id)!.status === 'acked');
		expect(inboxItem(c, id)).toMatchObject({ inBlock: true, status: 'acked', processed: 1 });
	});

	it('a dead letter is still acknowledged late when its recipient comes back before it expires', async () => {
		const clock = new VirtualClock(T);
		const { bob, carol } = await trio(clock);
		const id = await bob.messaging.send(dm(THIRD, 'late is fine'));
		await clock.run(T + 10 * 60_000, () => statusOf(bob, id) === 'dead');
		expect(statusOf(bob, id)).toBe('dead');
		await carol();
		await clock.run(clock.now() + 10_000, () => statusOf(bob, id) === 'delivered');
		expect(statusOf(bob, id)).toBe('delivered');
	});

	it('a redelivered message is processed again under at least once, and once only under exactly once', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, carol } = await trio(clock);
		// Carol's receipts are lost until she is let through.
		let losing = true;
		const c = await carol((bytes) => losing && decodeFrame(bytes).type === 'txs');
		const atLeast = await bob.messaging.send(dm(THIRD, 'at least once'));
		const exactly = await bob.messaging.send(dm(THIRD, 'exactly once', { guarantee: 'exactlyOnce' }));
		await clock.run(T + 5_000, () => [atLeast, exactly].every((id) => inboxItem(c, id)?.processed === 1));
		await clock.run(T + 5 * 60_000, () => [atLeast, exactly].every((id) => outboxItem(bob, id)?.recipients[0]?.attempts === 2));
		await clock.run(clock.now() + 1_000, () => inboxItem(c, atLeast)!.processed === 2);
		expect(inboxItem(c, atLeast)!.processed).toBe(2);
		expect(inboxItem(c, exactly)!.processed).toBe(1);
		losing = false;
		await clock.run(clock.now() + 60_000, () => [atLeast, exactly].every((id) => statusOf(bob, id) === 'delivered'));
		expect(inboxItem(c, exactly)!.processed).toBe(1);
		// The waiting receipt answered the redelivery too: none was signed twice.
		const acked = Array.from({ length: alice.chain!.height }, (_, h) => alice.chain!.blockAt(h + 1)!.block.txs)
			.flat()
			.filter((tx) => tx.kind === 'msg.ack')
			.flatMap((tx) => (tx.body as { ids: Uint8Array[] }).ids.map(toHex));
		expect(acked.sort()).toEqual([atLeast, exactly].sort());
	});

	it('the sender\'s node announces a redelivered message again', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob } = await trio(clock);
		const announced: string[] = [];
		const id = await bob.messaging.send(dm(THIRD, 'again'));
		await clock.run(T + 1_000, () => statusOf(bob, id) === 'inBlock');
		const peer = await open(clock, key(3), (alice.chain!.genesis.block), { randomBytes: random });
		link(clock, bob, peer, (bytes, from) => {
			const frame = decodeFrame(bytes);
			if (from === bob && frame.type === 'txs') announced.push(...frame.txs.map((tx) => toHex(tx.from)));
			return false;
		}, ['B', 'D']);
		await clock.run(T + 5 * 60_000, () => outboxItem(bob, id)?.recipients[0]?.attempts === 2 && announced.includes(hex(MEMBER)));
		expect(announced).toContain(hex(MEMBER));
	});

	it('rejects with a reason what it cannot open: the message is dead-lettered as rejected', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, carol } = await trio(clock);
		const c = await carol();
		// Addressed to Carol, sealed for Alice's key.
		const payload = sealDirect({ plaintext: utf8('misaddressed'), sender: MEMBER, recipient: FOUNDER.publicKey, random });
		const body = { to: THIRD.publicKey, priority: 'normal', guarantee: 'atLeastOnce', category: 'social', type: 'text', contentType: 'text/plain; charset=utf-8', payload };
		const id = await bob.submit('msg.send', body, { fee: 1, preflight: true });
		await clock.run(T + 10_000, () => statusOf(bob, id) === 'dead' && inboxItem(c, id)?.status === 'dead');
		expect(outboxItem(bob, id)!.reason).toBe("rejected: cannot open: its envelope is not sealed for this member's key");
		expect(inboxItem(c, id)).toMatchObject({ text: null, status: 'dead', unopened: "its envelope is not sealed for this member's key" });
		expect(getMessage(alice.chain!.state, id)).toBeDefined();
	});

	it('topics: created, subscribed with a pattern, and a message fans out to the subscriber', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, carol } = await trio(clock);
		const c = await carol();
		await alice.messaging.createTopic('garden.news', 'what grows', false);
		await clock.run(T + 1_000, () => bob.messaging.view().topics.length === 1);
		await c.messaging.subscribe('garden.*');
		await clock.run(T + 2_000, () => c.messaging.view().subscriptions.includes('garden.*'));
		const id = await bob.messaging.send({ to: null, topic: 'garden.news', text: 'tomatoes are in' });
		await clock.run(T + 10_000, () => statusOf(bob, id) === 'delivered');
		expect(inboxItem(c, id)).toMatchObject({ text: 'tomatoes are in', topic: 'garden.news', fromName: 'Bob' });
		expect(inboxItem(alice, id)).toBeUndefined();
		expect(bob.messaging.view().topics[0]).toMatchObject({ name: 'garden.news', ownerName: 'Alice', mode: 'clear' });
	});

	it('encrypted topics: read only by members given the key; a message waits for its key rather than being rejected', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, carol } = await trio(clock);
		const c = await carol();
		link(clock, bob, c, undefined, ['B', 'C']);
		await alice.messaging.createTopic('garden.plans', 'only for the committee', true);
		await clock.run(T + 1_000, () => topicOf(bob) !== undefined && topicOf(c) !== undefined);
		expect(topicOf(alice)).toMatchObject({ mode: 'encrypted', hasKey: true, awaitingKey: [] });
		expect(topicOf(bob)).toMatchObject({ mode: 'encrypted', hasKey: false });

		await bob.messaging.subscribe('garden.plans');
		await c.messaging.subscribe('garden.#');
		await clock.run(T + 2_000, () => topicOf(alice)!.awaitingKey.length === 2);
		expect(topicOf(alice)!.awaitingKey.map((s) => s.name).sort()).toEqual(['Bob', 'Carol']);
		// Without the key a member cannot write to it either: the node says so before saving anything.
		await expect(bob.messaging.send({ to: null, topic: 'garden.plans', text: 'may I?' })).rejects.toMatchObject({ code: 'E_KEY', field: 'topic', value: 'garden.plans' });

		const share = await alice.messaging.shareTopicKey('garden.plans', hex(THIRD));
		await clock.run(T + 5_000, () => topicOf(c)!.hasKey && statusOf(alice, share) === 'delivered');
		expect(inboxItem(c, share)!.text).toBe('The key to the encrypted topic garden.plans');
		expect(topicOf(alice)!.awaitingKey.map((s) => s.name)).toEqual(['Bob']);

		const secret = 'we plant the orchard on Saturday';
		const id = await alice.messaging.send({ to: null, topic: 'garden.plans', text: secret });
		await clock.run(T + 10_000, () => inboxItem(c, id)?.status === 'acked');
		expect(inboxItem(c, id)!.text).toBe(secret);
		const payload = (alice.chain!.findTx(id)!.tx.body as { payload: Uint8Array }).payload;
		expect(new TextDecoder().decode(payload)).not.toContain('orchard');
		// Bob subscribes but has no key: his node neither reads nor rejects it; it waits in flight.
		expect(inboxItem(bob, id)).toMatchObject({ text: null, status: 'inflight', unopened: 'encrypted for the topic garden.plans: it opens once a holder of its key gives it to you' });
		expect(outboxItem(alice, id)!.recipients.find((r) => r.name === 'Bob')).toMatchObject({ status: 'inflight', reason: null });

		await alice.messaging.shareTopicKey('garden.plans', hex(MEMBER));
		await clock.run(T + 20_000, () => statusOf(alice, id) === 'delivered' && inboxItem(bob, id)?.status === 'acked');
		expect(inboxItem(bob, id)).toMatchObject({ text: secret, status: 'acked' });
		expect(topicOf(alice)!.awaitingKey).toEqual([]);
		expect(topicOf(bob)!.hasKey).toBe(true);
	});

	it('replacing a topic key: later messages are read only by those given the new key; earlier ones stay readable', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, c } = await encryptedTopic(clock, { bob: 'garden.plans', carol: 'garden.plans' });
		await alice.messaging.shareTopicKey('garden.plans', hex(MEMBER));
		await alice.messaging.shareTopicKey('garden.plans', hex(THIRD));
		await clock.run(T + 5_000, () => topicOf(bob)!.hasKey && topicOf(c)!.hasKey);
		const before = await alice.messaging.send({ to: null, topic: 'garden.plans', text: 'before the change' });
		await clock.run(T + 10_000, () => statusOf(alice, before) === 'delivered');

		// Only the owner may replace the key.
		await expect(bob.messaging.rekeyTopic('garden.plans')).rejects.toMatchObject({ code: 'E_KEY', field: 'topic' });
		await alice.messaging.rekeyTopic('garden.plans');
		await clock.run(T + 12_000, () => !topicOf(bob)!.hasKey && !topicOf(c)!.hasKey);
		expect(topicOf(alice)!.awaitingKey.map((s) => s.name).sort()).toEqual(['Bob', 'Carol']);
		await alice.messaging.shareTopicKey('garden.plans', hex(THIRD));
		await clock.run(T + 15_000, () => topicOf(c)!.hasKey);

		const after = await alice.messaging.send({ to: null, topic: 'garden.plans', text: 'after the change' });
		await clock.run(T + 20_000, () => inboxItem(c, after)?.status === 'acked');
		expect(inboxItem(c, after)!.text).toBe('after the change');
		expect(inboxItem(bob, after)).toMatchObject({ text: null, status: 'inflight' });
		expect(inboxItem(bob, before)!.text).toBe('before the change');
		expect(topicOf(alice)!.awaitingKey.map((s) => s.name)).toEqual(['Bob']);
	});

	it('an identity restored in a fresh browser gets its topic keys back from the chain, owner and subscriber alike', async () => {
		const clock = new VirtualClock(T);
		const { genesis, alice, bob, c } = await encryptedTopic(clock, { bob: 'garden.plans', carol: 'garden.plans' });
		await alice.messaging.shareTopicKey('garden.plans', hex(THIRD));
		await clock.run(T + 5_000, () => topicOf(c)!.hasKey);
		const id = await alice.messaging.send({ to: null, topic: 'garden.plans', text: 'read me later' });
		await clock.run(T + 10_000, () => inboxItem(c, id)?.status === 'acked');

		// Carol and Alice each open a fresh node with only their identity (as a restored backup gives), and sync from Bob.
		alice.close();
		const carolAgain = await open(clock, THIRD, genesis, { randomBytes: random });
		const aliceAgain = await open(clock, FOUNDER, genesis, { randomBytes: random });
		link(clock, bob, carolAgain, undefined, ['B', 'C2']);
		link(clock, bob, aliceAgain, undefined, ['B', 'A2']);
		await clock.run(T + 20_000, () => inboxItem(carolAgain, id)?.text === 'read me later' && topicOf(aliceAgain)?.hasKey === true);
		expect(topicOf(carolAgain)!.hasKey).toBe(true);
		// The restored owner knows again whom it gave the key to: only Bob still waits for it.
		expect(topicOf(aliceAgain)!.awaitingKey.map((s) => s.name)).toEqual(['Bob']);
		expect(outboxItem(aliceAgain, id)!.text).toBe('read me later');
	});

	it('a key the disk cannot keep is not acknowledged; it is taken again and acknowledged once kept', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, c } = await encryptedTopic(clock, { carol: 'garden.plans' });
		const full = new AgoraError('E_STORE', 'storage is full: could not save the topic key; free some space and try again', 'store', 'QuotaExceededError');
		// Carol's node is the one that keeps a key nobody has shared from it yet; only its first try fails.
		const original = MemoryStore.prototype.putTopicKey;
		let tries = 0;
		const save = vi.spyOn(MemoryStore.prototype, 'putTopicKey').mockImplementation(function (this: MemoryStore, k) {
			return k.sharedWith.length === 0 && tries++ === 0 ? Promise.reject(full) : original.call(this, k);
		});
		const share = await alice.messaging.shareTopicKey('garden.plans', hex(THIRD));
		await clock.run(T + 5_000, () => c.view().log.some((l) => l.message.includes('storage is full')));
		expect(inboxItem(c, share)!.status).toBe('inflight');
		// The key is taken again the next time the message is opened, and the next block (any) makes the node answer again.
		await bob.messaging.send(dm(FOUNDER, 'a block, please'));
		await clock.run(T + 10_000, () => inboxItem(c, share)?.status === 'acked');
		expect(topicOf(c)!.hasKey).toBe(true);
		expect(tries).toBe(2);
		save.mockRestore();
	});

	it('a key that is not the one its topic declares is rejected, and keeps nothing', async () => {
		const clock = new VirtualClock(T);
		const { alice, bob, carol } = await trio(clock);
		const c = await carol();
		await alice.messaging.createTopic('garden.plans', '', true);
		await clock.run(T + 1_000, () => c.messaging.view().topics.length === 1);
		// Bob hands Carol a key of his own making for Alice's topic.
		const payload = sealDirect({ plaintext: encodeTopicKeyShare({ topic: 'garden.plans', key: new Uint8Array(32).fill(9) }), sender: MEMBER, recipient: THIRD.publicKey, random });
		const body = { to: THIRD.publicKey, priority: 'normal', guarantee: 'atLeastOnce', category: 'social', type: 'topic-key', contentType: TOPIC_KEY_CONTENT_TYPE, payload };
		const id = await bob.submit('msg.send', body, { fee: 10, preflight: true });
		await clock.run(T + 10_000, () => statusOf(bob, id) === 'dead');
		expect(outboxItem(bob, id)!.reason).toBe('rejected: cannot open: it is not sealed for this member or not the key its topic declares');
		expect(c.messaging.view().topics[0]!.hasKey).toBe(false);
	});

	it('refuses what the state would refuse, before saving: a fee above the balance, a recipient who is not a member', async () => {
		const clock = new VirtualClock(T);
		const unfunded = await open(clock, MEMBER, community(), { randomBytes: random });
		expect(getAccount(unfunded.chain!.state, hex(MEMBER)).balance).toBe(0);
		await expect(unfunded.messaging.send(dm(FOUNDER, 'no funds'))).rejects.toMatchObject({ code: 'E_TX_BALANCE', field: 'fee' });
		const funded = await open(clock, MEMBER, community({ memberGrant: 10 }), { randomBytes: random });
		await expect(funded.messaging.send(dm(key(7), 'stranger'))).rejects.toMatchObject({ code: 'E_MSG_UNKNOWN', field: 'body.to' });
		for (const n of [unfunded, funded]) expect(n.messaging.view().outbox).toEqual([]);
	});
});
