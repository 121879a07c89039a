/**
 * Proposal drafts written together (Yjs over the members' WebRTC links): what
 * one member types appears in the other's browser as it is typed, both keep
 * what they typed at once, a draft becomes a proposal form's start, and a
 * member's browser keeps the draft with nobody else online.
 */
import { test, expect, type Page } from '@playwright/test';
import { newMember, createCommunity, joinByInvite, peerCount, closeMembersAfterEach } from './members.js';

closeMembersAfterEach();

async function openGovernance(page: Page): Promise<void> {
	await page.getByRole('link', { name: 'Governance' }).click();
	await expect(page.getByTestId('drafts')).toBeVisible();
}

test('two members write one draft together, one proposes from it, and it stays in a browser with nobody online', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', invite);
	for (const m of [alice, bob]) await openGovernance(m.page);

	await alice.page.getByTestId('draft-new').click();
	await alice.page.getByTestId('draft-title').pressSequentially('Plant an orchard');
	const bobsItem = bob.page.getByTestId('draft-item').filter({ hasText: 'Plant an orchard' });
	await expect(bobsItem).toContainText('started by Alice');
	await bobsItem.getByRole('button').click();
	await expect(bob.page.getByTestId('draft-title')).toHaveValue('Plant an orchard');

	// Both type into the text at once: each keeps what they typed, and both see the same text.
	await bob.page.getByTestId('draft-body').pressSequentially('Pears.');
	await expect(alice.page.getByTestId('draft-body')).toHaveValue('Pears.');
	await alice.page.getByTestId('draft-body').press('Home');
	await Promise.all([alice.page.getByTestId('draft-body').pressSequentially('Apples. '), bob.page.getByTestId('draft-body').pressSequentially(' Plums.')]);
	const both = 'Apples. Pears. Plums.';
	await expect(alice.page.getByTestId('draft-body')).toHaveValue(both);
	await expect(bob.page.getByTestId('draft-body')).toHaveValue(both);

	await bob.page.getByTestId('draft-use').click();
	const form = bob.page.getByTestId('proposal-form');
	await expect(form.getByLabel('Title')).toHaveValue('Plant an orchard');
	await expect(form.getByLabel('Why (plain text)')).toHaveValue(both);

	await alice.page.close();
	await expect.poll(() => peerCount(bob)).toBe(0);
	await bob.page.reload();
	await openGovernance(bob.page);
	await expect(bob.page.getByTestId('draft-item').filter({ hasText: 'Plant an orchard' })).toBeVisible();
});
