/**
 * Messaging end to end, one browser context per member over real WebRTC: a
 * direct message only its recipient can read (another member holds it on
 * chain, sealed), and one to a recipient whose page is closed, delivered
 * when they come back, with a delivery proof that `agora verify-proof`
 * accepts; an encrypted topic read only by the subscriber its owner gives
 * the key.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newMember, createCommunity, joinByInvite, peerCount, closeMembersAfterEach, type Member } from './members.js';

closeMembersAfterEach();

async function openMessages(page: Page): Promise<void> {
	await page.getByRole('link', { name: 'Messages' }).click();
	await expect(page.getByRole('heading', { name: 'Messages', exact: true })).toBeVisible();
}

async function sendDirect(m: Member, to: string, text: string): Promise<void> {
	await m.page.getByTestId('message-to').selectOption({ label: to });
	await m.page.getByTestId('message-text').fill(text);
	// The fee is shown before sending.
	await expect(m.page.getByTestId('message-fee')).toContainText(/Fee \d+ \(your balance \d+\)/);
	await m.page.getByTestId('message-send').click();
	await expect(m.page.getByTestId('message-text')).toHaveValue('');
}

const sentItem = (m: Member, text: string) => m.page.getByTestId('outbox-item').filter({ hasText: text });
const inboxItem = (m: Member, text: string) => m.page.getByTestId('inbox-item').filter({ hasText: text });

test('a direct message only its recipient can read; another member sees it on chain, sealed', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', invite);
	const carol = await joinByInvite(browser, 'Carol', invite);
	for (const m of [alice, bob, carol]) await openMessages(m.page);

	const secret = 'The key is under the third flowerpot';
	await sendDirect(alice, 'Bob', secret);
	await expect(inboxItem(bob, secret).getByTestId('inbox-text')).toHaveText(secret);
	await expect(inboxItem(bob, secret).getByTestId('inbox-from')).toHaveText('Alice');
	await expect(sentItem(alice, secret)).toHaveAttribute('data-status', 'delivered');

	// Carol's node holds the message in a block, sealed for Bob: she sees that it was sent, not what it says.
	const onChain = carol.page.getByTestId('on-chain-item').filter({ hasText: 'Alice' }).filter({ hasText: 'Bob' });
	await expect(onChain).toHaveAttribute('data-readable', 'false');
	await expect(onChain).toContainText('sealed for its recipient');
	await expect(carol.page.getByTestId('inbox')).toContainText('No messages for you yet.');
	await expect(carol.page.locator('body')).not.toContainText(secret);
});

test('a message to a recipient whose page is closed is delivered when they come back, with a proof that verifies', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', invite);
	await openMessages(alice.page);

	await bob.page.close();
	await expect.poll(() => peerCount(alice)).toBe(0);
	const text = 'Seeds arrived while you were away';
	await sendDirect(alice, 'Bob', text);
	// Sealed into a block by Alice's node; nobody has acknowledged it yet.
	await expect(sentItem(alice, text)).toHaveAttribute('data-status', /inBlock|dead/);

	bob.page = await bob.context.newPage();
	await bob.page.goto('/');
	await openMessages(bob.page);
	await expect(inboxItem(bob, text).getByTestId('inbox-text')).toHaveText(text, { timeout: 60_000 });
	await expect(sentItem(alice, text)).toHaveAttribute('data-status', 'delivered', { timeout: 60_000 });
	await expect(sentItem(alice, text).getByTestId('outbox-recipient')).toContainText('receipt');

	// The delivery proof, one click away: the message and Bob's receipt, each checked against its block header.
	await sentItem(alice, text).getByTestId('proof-toggle').click();
	const proof = sentItem(alice, text).getByTestId('delivery-proof');
	await expect(proof.getByTestId('proof-message')).toHaveText('verifies');
	await expect(proof.getByTestId('proof-receipt-status')).toHaveText('verifies');
	await expect(proof.getByTestId('proof-receipt')).toContainText("Bob's acknowledgement");

	// Saved from the app, both proofs are accepted by the command line.
	const dir = mkdtempSync(join(tmpdir(), 'agora-proof-'));
	for (const link of ['download-message-proof', 'download-receipt-proof']) {
		const [download] = await Promise.all([alice.page.waitForEvent('download'), proof.getByTestId(link).click()]);
		const file = join(dir, download.suggestedFilename());
		await download.saveAs(file);
		const out = execFileSync('node', ['bin/agora.js', 'verify-proof', file], { encoding: 'utf8' });
		expect(out).toContain(link === 'download-message-proof' ? '(msg.send from' : '(msg.ack from');
	}
});

test('an encrypted topic is read only by the subscribers its owner gives the key', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', invite);
	const carol = await joinByInvite(browser, 'Carol', invite);
	for (const m of [alice, bob, carol]) await openMessages(m.page);

	await alice.page.getByTestId('topic-name').fill('garden.committee');
	await alice.page.getByTestId('topic-encrypted').check();
	await alice.page.getByRole('button', { name: 'Create topic' }).click();
	for (const m of [bob, carol]) {
		const topic = m.page.locator('[data-testid="topic-item"][data-topic="garden.committee"]');
		await expect(topic).toHaveAttribute('data-has-key', 'false');
		await m.page.getByTestId('topic-pattern').fill('garden.committee');
		await m.page.getByRole('button', { name: 'Subscribe' }).click();
		await expect(m.page.getByTestId('subscriptions')).toContainText('garden.committee');
	}

	// Alice's page lists both subscribers as waiting for the key; she gives it to Bob only.
	const waiting = alice.page.getByTestId('awaiting-key');
	await expect(waiting).toHaveCount(2);
	await waiting.filter({ hasText: 'Bob' }).getByRole('button', { name: 'Give the key' }).click();
	await expect(waiting).toHaveCount(1);
	await expect(bob.page.locator('[data-testid="topic-item"][data-topic="garden.committee"]')).toHaveAttribute('data-has-key', 'true');

	const text = 'The budget vote is on Thursday';
	await alice.page.getByLabel('a topic').check();
	await alice.page.getByTestId('message-topic').selectOption('garden.committee');
	await alice.page.getByTestId('message-text').fill(text);
	await expect(alice.page.getByTestId('message-fee')).toContainText("sealed under the topic's key");
	await alice.page.getByTestId('message-send').click();

	await expect(inboxItem(bob, text).getByTestId('inbox-text')).toHaveText(text);
	// Carol subscribes, so the message is delivered to her, but it waits for a key she was never given.
	const forCarol = carol.page.getByTestId('inbox-item').filter({ hasText: 'garden.committee' }).filter({ hasText: 'Alice' });
	await expect(forCarol.getByTestId('inbox-text-missing')).toContainText('it opens once a holder of its key gives it to you');
	await expect(carol.page.locator('body')).not.toContainText(text);
});
