/**
 * The walking skeleton, end to end: real Chromium contexts (one per member)
 * syncing a signed chain over real WebRTC through the real signaling relay.
 */
import { test, expect } from '@playwright/test';
import { newMember, createCommunity, joinByInvite, post, seesConfirmed, height, peerCount, closeMembersAfterEach } from './members.js';

closeMembersAfterEach();

test('members create, join, post, survive a reload and catch up', async ({ browser }) => {
	// 2. A creates an identity and a community; an invite link is shown.
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	expect(invite).toContain('#join=');

	// 3. B opens the invite, creates an identity, joins, and gets the chain over WebRTC.
	const started = Date.now();
	const bob = await joinByInvite(browser, 'Bob', invite);
	test.info().annotations.push({ type: 'measure', description: `B joined and synced in ${Date.now() - started} ms` });
	await expect(bob.page.getByTestId('community-title')).toHaveText('Garden club');

	// 4. Posts are signed, sealed by the authority, and shown on both sides with their block.
	await post(bob, 'Hello from Bob');
	const bobBlock = await seesConfirmed(alice, 'Hello from Bob', 'Bob');
	expect(await seesConfirmed(bob, 'Hello from Bob', 'Bob')).toBe(bobBlock);
	await post(alice, 'Welcome, Bob');
	await seesConfirmed(bob, 'Welcome, Bob', 'Alice');

	// 5. With A closed, B reloads and still has the whole chain from IndexedDB.
	const chainHeight = await height(alice);
	await alice.page.close();
	await bob.page.reload();
	await expect(bob.page.getByTestId('community-title')).toHaveText('Garden club');
	await expect(bob.page.getByTestId('height')).toHaveText(`height ${chainHeight}`);
	await seesConfirmed(bob, 'Welcome, Bob', 'Alice');
	await expect.poll(() => peerCount(bob)).toBe(0);

	// A opens again: they reconnect and continue.
	alice.page = await alice.context.newPage();
	await alice.page.goto('/');
	await expect.poll(() => peerCount(alice)).toBeGreaterThan(0);
	await post(bob, 'Back online');
	await seesConfirmed(alice, 'Back online', 'Bob');

	// 6. A third member joining later catches up on every block.
	const carol = await joinByInvite(browser, 'Carol', invite);
	await expect.poll(async () => (await height(carol)) >= (await height(alice)) - 1).toBe(true);
	for (const [text, author] of [['Hello from Bob', 'Bob'], ['Welcome, Bob', 'Alice'], ['Back online', 'Bob']] as const) {
		await seesConfirmed(carol, text, author);
	}
	await expect.poll(() => height(carol)).toBe(await height(alice));
});
