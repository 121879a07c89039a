/**
 * Governance in the browser, end to end: three members in three browser
 * contexts run a fee-policy proposal from creation to execution (one voter
 * changes their ballot, every browser's tally follows the ballots of the
 * others, the proposal waits out its timelock, is executed, and every browser
 * shows the execution and the new fee policy in force), and a second
 * proposal is defeated. The community is founded with short governance
 * periods, chosen on the creation form.
 */
import { test, expect, type Locator } from '@playwright/test';
import { closeMembersAfterEach, joinByInvite, newMember, type Member } from './members.js';

closeMembersAfterEach();

const VOTING_S = 45;
const TIMELOCK_S = 10;

/** Creates a community from the demo preset with this voting period and timelock; returns the invite link. */
async function createCommunity(m: Member, name: string): Promise<string> {
	await m.page.getByLabel('Community name').fill(name);
	await m.page.getByText(/^Governance:/).click();
	await m.page.getByRole('radio', { name: /Demo:/ }).check();
	await m.page.getByLabel('Voting period (seconds)').fill(String(VOTING_S));
	await m.page.getByLabel('Timelock after a vote passes (seconds)').fill(String(TIMELOCK_S));
	await m.page.getByRole('button', { name: 'Create community' }).click();
	await expect(m.page.getByTestId('community-title')).toHaveText(name);
	return m.page.getByTestId('invite-link').inputValue();
}

async function openGovernance(m: Member): Promise<void> {
	await m.page.getByRole('link', { name: 'Governance' }).click();
	await expect(m.page.getByRole('heading', { name: 'Governance', level: 1 })).toBeVisible();
	await expect(m.page.getByTestId('governance-terms')).toContainText(`Votes run ${VOTING_S} s, then a timelock of ${TIMELOCK_S} s`);
}

const card = (m: Member, n: number): Locator => m.page.locator(`[data-testid="proposal"][data-number="${n}"]`);

/** Fills the proposal form (`action` sets the action up) and proposes; resolves once the form has been saved and cleared. */
async function propose(m: Member, title: string, body: string, action: (form: Locator) => Promise<void> = async () => {}): Promise<void> {
	const form = m.page.getByTestId('proposal-form');
	await form.getByLabel('Title').fill(title);
	await form.getByLabel('Why (plain text)').fill(body);
	await action(form);
	await form.getByRole('button', { name: 'Propose' }).click();
	await expect(form.getByLabel('Title')).toHaveValue('');
}

async function vote(m: Member, n: number, choice: 'For' | 'Against' | 'Abstain'): Promise<void> {
	await card(m, n).getByRole('button', { name: choice, exact: true }).click();
}

/** Every member's page shows this count on proposal `n`. */
async function everyoneCounts(members: readonly Member[], n: number, counts: { for: number; against: number; abstain: number }): Promise<void> {
	for (const m of members) {
		const c = card(m, n);
		await expect(c.getByTestId('tally-for')).toHaveText(String(counts.for));
		await expect(c.getByTestId('tally-against')).toHaveText(String(counts.against));
		await expect(c.getByTestId('tally-abstain')).toHaveText(String(counts.abstain));
	}
}

test('a fee-policy proposal runs from creation to execution in three browsers, and another is defeated', async ({ browser }) => {
	test.setTimeout(300_000);
	const alice = await newMember(browser, 'Alice');
	const invite = await createCommunity(alice, 'Garden club');
	const bob = await joinByInvite(browser, 'Bob', invite);
	const carol = await joinByInvite(browser, 'Carol', invite);
	const everyone = [alice, bob, carol];
	for (const m of everyone) await openGovernance(m);

	// Bob proposes a message fee floor of 3, and a signal that will fail.
	await propose(bob, 'Fee floor of 3', 'Messages should cost <b>at least</b> 3.', async (form) => {
		await form.getByLabel('Action', { exact: true }).selectOption('change');
		await form.getByLabel('Setting', { exact: true }).selectOption('policy.fee');
		await form.getByLabel('minimum fee', { exact: true }).fill('3');
	});
	await propose(bob, 'Rename the club', 'To "Allotment society".');
	for (const m of everyone) {
		await expect(card(m, 1)).toHaveAttribute('data-status', 'active');
		await expect(card(m, 2)).toHaveAttribute('data-status', 'active');
		await expect(card(m, 1).getByTestId('proposal-action')).toHaveText('Fee policy: minimum fee → 3');
		// Untrusted text, shown as text.
		await expect(card(m, 1).getByTestId('proposal-body')).toHaveText('Messages should cost <b>at least</b> 3.');
		await expect(card(m, 1).getByTestId('time-left')).toContainText('voting closes in');
	}

	// Ballots, one changed; every browser's tally follows.
	await vote(alice, 1, 'For');
	await everyoneCounts(everyone, 1, { for: 1, against: 0, abstain: 0 });
	await vote(carol, 1, 'Against');
	await everyoneCounts(everyone, 1, { for: 1, against: 1, abstain: 0 });
	await vote(carol, 1, 'For');
	await everyoneCounts(everyone, 1, { for: 2, against: 0, abstain: 0 });
	await expect(card(carol, 1).getByTestId('my-ballot')).toContainText('Your ballot: for');
	await vote(bob, 2, 'For');
	await vote(alice, 2, 'Against');
	await vote(carol, 2, 'Against');
	await everyoneCounts(everyone, 2, { for: 1, against: 2, abstain: 0 });

	// The votes close with no transaction waiting: the authority seals a block at the deadline.
	for (const m of everyone) {
		await expect(card(m, 1)).toHaveAttribute('data-status', 'queued', { timeout: (VOTING_S + 30) * 1000 });
		await expect(card(m, 2)).toHaveAttribute('data-status', 'defeated');
		await expect(card(m, 2).getByTestId('tally-result')).toHaveText('Defeated');
		await expect(card(m, 1).getByTestId('tally-result')).toHaveText('Passed');
	}
	await expect(card(bob, 1).getByTestId('time-left')).toContainText('executable');

	// Executed once its timelock is over.
	const execute = card(bob, 1).getByRole('button', { name: 'Execute' });
	await expect(execute).toBeEnabled({ timeout: (TIMELOCK_S + 30) * 1000 });
	await execute.click();
	for (const m of everyone) {
		await expect(card(m, 1)).toHaveAttribute('data-status', 'executed');
		await expect(card(m, 1).getByTestId('executed')).toContainText('Executed in block');
		await expect(card(m, 1).getByTestId('produced')).toContainText('Fee policy in force from block');
		await expect(card(m, 1).getByTestId('produced')).toContainText('minimum fee 3');
		const fee = m.page.locator('[data-testid="setting"][data-name="policy.fee"]');
		await expect(fee.getByTestId('setting-origin')).toContainText('set by proposal #1 “Fee floor of 3”, executed in block');
		await expect(fee.getByTestId('setting-origin')).toContainText('ballots: Alice for, Carol for');
		await fee.getByText('Values').click();
		await expect(fee.getByTestId('setting-values').getByRole('row', { name: /^minimum fee/ })).toHaveText(/^minimum fee\s*3$/);
	}
});
