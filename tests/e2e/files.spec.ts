/**
 * Files a member carries out of the app: an identity backup restored in
 * another browser, and the chain as an export file that `agora verify`
 * accepts and that lets a newcomer with no peer in reach catch up.
 */
import { test, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { newMember, createCommunity, post, seesConfirmed, height, closeMembersAfterEach } from './members.js';

closeMembersAfterEach();

async function download(page: Page, click: () => Promise<void>): Promise<string> {
	const [file] = await Promise.all([page.waitForEvent('download'), click()]);
	const path = test.info().outputPath(file.suggestedFilename());
	await file.saveAs(path);
	return path;
}

test('an identity backup restores the same member in another browser, and only with its passphrase', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	await createCommunity(alice, 'Garden club');
	await alice.page.getByRole('link', { name: 'Settings' }).click();
	// Read once the settings page shows it (the page before may still be on screen right after the click).
	const publicKey = (await alice.page.getByTestId('identity-key').textContent())!.trim();
	expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
	await alice.page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
	await alice.page.getByLabel('The passphrase again').fill('correct horse battery');
	const backup = await download(alice.page, () => alice.page.getByRole('button', { name: 'Download backup' }).click());
	expect(backup).toMatch(/Alice\.agorakey$/);

	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		await page.goto('/');
		await page.getByText('Restore an identity from a backup').click();
		await page.getByLabel('Backup file').setInputFiles(backup);
		await page.getByLabel('Passphrase').fill('wrong horse');
		await page.getByRole('button', { name: 'Restore identity' }).click();
		await expect(page.getByTestId('error')).toContainText('passphrase');
		await page.getByLabel('Passphrase').fill('correct horse battery');
		await page.getByRole('button', { name: 'Restore identity' }).click();
		// Restored: the community choice appears for Alice, and the settings page shows her key.
		await expect(page.getByTestId('create-community')).toBeVisible();
		await page.getByRole('link', { name: 'Settings' }).click();
		await expect(page.getByTestId('identity-key')).toHaveText(publicKey);
	} finally {
		await context.close();
	}
});

test('the chain downloads as an export that agora verify accepts, and a newcomer with no peer catches up from it', async ({ browser }) => {
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	await post(alice, 'First post');
	await post(alice, 'Second post');
	await seesConfirmed(alice, 'Second post', 'Alice');
	const chainHeight = await height(alice);
	await alice.page.getByRole('link', { name: 'Settings' }).click();
	const file = await download(alice.page, () => alice.page.getByTestId('export-chain').click());
	const verify = spawnSync(process.execPath, ['bin/agora.js', 'verify', file, '--json'], { encoding: 'utf8' });
	expect(verify.status, verify.stderr).toBe(0);
	expect(JSON.parse(verify.stdout)).toMatchObject({ chain: { name: 'Garden club' }, file: { blocks: chainHeight + 1 } });

	// Alice goes away; Bob joins with the invite but no peer is there to send the chain.
	await alice.page.close();
	const bob = await newMember(browser, 'Bob', invite);
	await bob.page.getByRole('button', { name: 'Join as Bob' }).click();
	await expect(bob.page.getByTestId('membership')).toHaveText('looking for peers…');
	await bob.page.getByRole('link', { name: 'Settings' }).click();
	await bob.page.getByTestId('import-chain').setInputFiles(file);
	await expect(bob.page.getByRole('status')).toHaveText(`Imported ${chainHeight + 1} new blocks.`);
	await bob.page.getByRole('link', { name: 'Community' }).click();
	await expect(bob.page.getByTestId('community-title')).toHaveText('Garden club');
	await seesConfirmed(bob, 'First post', 'Alice');
	await expect(bob.page.getByTestId('height')).toHaveText(`height ${chainHeight}`);
});
