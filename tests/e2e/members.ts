/** Page helpers for end-to-end tests: each member is one browser context. */
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export interface Member {
	readonly name: string;
	readonly context: BrowserContext;
	page: Page;
	/** The page's console (node log lines and network changes), for failure reports. */
	readonly console: string[];
}

/** Every member the running test made. */
const members: Member[] = [];

/**
 * Call once at the top of a spec: after each test, attach every member's
 * console (node log and network changes) when it failed, and close them all.
 */
export function closeMembersAfterEach(): void {
	test.afterEach(async ({}, info) => {
		if (info.status !== info.expectedStatus) {
			for (const m of members) await info.attach(`${m.name}.console`, { body: m.console.join('\n') });
		}
		for (const m of members.splice(0)) await m.context.close();
	});
}

/** A new member in a context of its own (its own IndexedDB, its own SharedWorker node). */
export async function newMember(browser: Browser, name: string, url = '/'): Promise<Member> {
	const context = await browser.newContext();
	const member: Member = { name, context, page: await context.newPage(), console: [] };
	members.push(member);
	context.on('console', (m) => member.console.push(`${new Date().toISOString().slice(11, 23)} ${m.text()}`));
	await member.page.goto(url);
	await createIdentity(member.page, name);
	return member;
}

export async function createIdentity(page: Page, name: string): Promise<void> {
	await page.getByLabel('Your name').fill(name);
	await page.getByRole('button', { name: 'Create identity' }).click();
}

export async function createCommunity(m: Member, communityName: string): Promise<string> {
	await m.page.getByLabel('Community name').fill(communityName);
	await m.page.getByRole('button', { name: 'Create community' }).click();
	await expect(m.page.getByTestId('community-title')).toHaveText(communityName);
	return m.page.getByTestId('invite-link').inputValue();
}

/** Opens the invite link, makes an identity and joins; resolves once the member is admitted on chain. */
export async function joinByInvite(browser: Browser, name: string, invite: string): Promise<Member> {
	const m = await newMember(browser, name, invite);
	await m.page.getByRole('button', { name: `Join as ${name}` }).click();
	await expect(m.page.getByTestId('membership')).toHaveText('member');
	return m;
}

export async function post(m: Member, text: string): Promise<void> {
	await m.page.getByTestId('post-input').fill(text);
	await m.page.getByTestId('post-submit').click();
	await expect(m.page.getByTestId('post-input')).toHaveValue('');
}

/** Waits until `m` shows the post as confirmed in a block; returns the block height. */
export async function seesConfirmed(m: Member, text: string, author: string): Promise<number> {
	const post = m.page.getByTestId('post').filter({ hasText: text });
	await expect(post).toHaveAttribute('data-status', 'confirmed');
	await expect(post.getByTestId('post-author')).toHaveText(author);
	return Number((await post.getByTestId('post-block').textContent())!.replace('#', ''));
}

export async function height(m: Member): Promise<number> {
	return Number((await m.page.getByTestId('height').textContent())!.replace(/\D/g, ''));
}

export async function peerCount(m: Member): Promise<number> {
	return Number((await m.page.getByTestId('peer-count').textContent())!.replace(/\D/g, ''));
}

