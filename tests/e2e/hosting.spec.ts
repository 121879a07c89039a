/**
 * Static hosting under a sub-path: the same build, served below /agora/ with
 * its relay at /agora/signal, works as it does at the root.
 */
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { newMember, createCommunity, joinByInvite, post, seesConfirmed, closeMembersAfterEach } from './members.js';

closeMembersAfterEach();

let server: ChildProcess | null = null;
test.afterEach(() => {
	server?.kill('SIGTERM');
	server = null;
});

/** Starts `agora serve --base /agora` on a free port and returns its URL. */
async function serveUnder(base: string): Promise<string> {
	server = spawn(process.execPath, ['bin/agora.js', 'serve', '--port', '0', '--base', base], { stdio: ['ignore', 'pipe', 'inherit'] });
	return new Promise((resolve, reject) => {
		let out = '';
		server!.stdout!.on('data', (chunk) => {
			out += String(chunk);
			const url = /running at (\S+)/.exec(out)?.[1];
			if (url) resolve(url);
		});
		server!.once('exit', (code) => reject(new Error(`agora serve exited with ${code}: ${out}`)));
	});
}

test('the app works under a sub-path, relay included', async ({ browser }) => {
	const url = await serveUnder('/agora');
	expect(url).toMatch(/\/agora\/$/);
	const alice = await newMember(browser, 'Alice', url);
	const invite = await createCommunity(alice, 'Sub-path club');
	expect(invite.startsWith(url)).toBe(true);
	await alice.page.getByRole('link', { name: 'Explorer' }).click();
	await expect(alice.page).toHaveURL(`${url}explorer/`);
	await expect(alice.page.getByTestId('block-row')).toHaveCount(1);
	await alice.page.getByRole('link', { name: 'Community' }).click();

	const bob = await joinByInvite(browser, 'Bob', invite);
	await post(bob, 'Hello under /agora');
	await seesConfirmed(alice, 'Hello under /agora', 'Bob');
});
