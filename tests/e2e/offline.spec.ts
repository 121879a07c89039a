/**
 * Offline first: the service worker serves the app without a network, a post
 * written offline is saved in IndexedDB and goes out once a peer is
 * reachable; tabs of one profile share one node.
 */
import { test, expect } from '@playwright/test';
import { newMember, createCommunity, joinByInvite, post, seesConfirmed, peerCount, closeMembersAfterEach } from './members.js';

closeMembersAfterEach();

test('a member offline still has the app and the chain, and a post written offline goes out when back online', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', invite);
	// The service worker has taken control once it has precached the build.
	await expect.poll(() => bob.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

	await bob.page.close();
	await bob.context.setOffline(true);
	bob.page = await bob.context.newPage();
	await bob.page.goto('/');
	await expect(bob.page.getByTestId('community-title')).toHaveText('Garden club');
	await expect.poll(() => peerCount(bob)).toBe(0);
	await post(bob, 'Written offline');
	await expect(bob.page.getByTestId('post').filter({ hasText: 'Written offline' })).toHaveAttribute('data-status', 'saved');

	await bob.context.setOffline(false);
	// Signaling retries with backoff; once a peer is reachable the saved post goes out and is sealed.
	await expect(bob.page.getByTestId('post').filter({ hasText: 'Written offline' })).toHaveAttribute('data-status', 'confirmed', { timeout: 60_000 });
	await seesConfirmed(alice, 'Written offline', 'Bob');
});

test('tabs of one profile share one node', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', invite);
	const second = await bob.context.newPage();
	await second.goto('/');
	await expect(second.getByTestId('me')).toHaveText('Bob');
	await second.getByTestId('post-input').fill('From the second tab');
	await second.getByTestId('post-submit').click();
	await seesConfirmed(bob, 'From the second tab', 'Bob');
	await seesConfirmed(alice, 'From the second tab', 'Bob');
	// One tab holds the WebRTC connections: Alice sees Bob's node once, not once per tab.
	expect(await peerCount(alice)).toBe(1);
});
