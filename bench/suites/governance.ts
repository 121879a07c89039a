/**
 * DAO governance (issue 4). First one large vote at the state-machine level:
 * 11,000 members, 1,000 of whom delegate (half of them to another
 * delegator, so chains are resolved too), one proposal, 10,000 ballots; then
 * what counting it costs (countVotes: every ballot read, delegations
 * resolved against the snapshot, the tally rule), what closing it at the end
 * of its block costs (the count, the outcome and deposit written, the state
 * root), and what casting the ballots cost.
 *
 * Then a chain of 1,000 governance blocks (bench/governance.ts), replayed
 * from genesis as an export or a new peer replays it: decoded, every
 * signature verified by the worker pool, every block applied and its state
 * root checked. Applying alone on one thread is compared with applying as
 * many blocks of plain transfers, measured in the same run.
 */
import { fromHex, toHex, type Hex } from '../../src/lib/core/bytes.js';
import { Chain, verifyBlock, type VerifiedBlock } from '../../src/lib/core/chain.js';
import { addBlocks } from '../../src/lib/core/bulk.js';
import { decodeBlock } from '../../src/lib/core/block/block.js';
import { countVotes } from '../../src/lib/core/state/dao/lifecycle.js';
import { endBlock } from '../../src/lib/core/state/machine.js';
import { getProgress, getProposal, proposalIdAt } from '../../src/lib/core/state/dao/records.js';
import { VerifierPool } from '../../src/lib/crypto/pool.js';
import { median, type Suite, type SuiteContext } from '../harness.js';
import { chainFixture, signer, type ChainFixture } from '../fixtures.js';
import { governanceFixture } from '../governance.js';
import { Machine, memberId } from '../machine.js';

const VOTERS = 10_000;
const DELEGATORS = 1_000;
const PER_BLOCK = 1_000;
const VOTING_MS = 60_000;
const REPLAY_BLOCKS = 1000;

/** A community of the founder, VOTERS voters and DELEGATORS delegators, with one proposal open for voting. */
function largeVote(): { machine: Machine; proposal: Hex } {
	const m = new Machine({ allocations: [{ key: signer(0).keys.publicKey, amount: 1_000_000 }], dao: { votingDelayMs: 0, votingPeriodMs: VOTING_MS, proposalDeposit: 100 } });
	const everyone = VOTERS + DELEGATORS;
	for (let n = 1; n <= everyone; n++) {
		m.apply(memberId(n), 'member.join', { name: `member ${n}` });
		if (n % PER_BLOCK === 0) m.endBlock();
	}
	// The first half of the delegators delegate to a voter, the second half to one of the first half.
	for (let d = 0; d < DELEGATORS; d++) {
		const to = d < DELEGATORS / 2 ? memberId(1 + ((d * 7919) % VOTERS)) : memberId(VOTERS + 1 + (d % (DELEGATORS / 2)));
		m.apply(memberId(VOTERS + 1 + d), 'dao.delegate', { to });
	}
	m.apply(m.founder, 'dao.propose', { title: 'A large vote', body: 'Ten thousand ballots.', action: { type: 'text' } });
	m.endBlock();
	return { machine: m, proposal: proposalIdAt(m.state, 1)! };
}

/** Voter n's ballot: six in ten for, three against, one abstains. */
const choiceOf = (n: number): string => (n % 10 < 6 ? 'for' : n % 10 < 9 ? 'against' : 'abstain');

function castBallots(m: Machine, proposal: Hex): void {
	const id = fromHex(proposal);
	for (let n = 1; n <= VOTERS; n++) {
		m.apply(memberId(n), 'dao.vote', { proposal: id, choice: choiceOf(n) });
		if (n % PER_BLOCK === 0) m.endBlock();
	}
}

async function tallies(ctx: SuiteContext): Promise<void> {
	ctx.log(`a community of ${(VOTERS + DELEGATORS + 1).toLocaleString('en-US')} members, ${DELEGATORS.toLocaleString('en-US')} delegating…`);
	// Casting the ballots, each sample in a community of its own.
	let vote = largeVote();
	const castTimes: number[] = [];
	for (let s = 0; s < 3; s++) {
		if (s > 0) vote = largeVote();
		if (getProgress(vote.machine.state, vote.proposal)!.status !== 'active') throw new Error('the vote did not open');
		const start = performance.now();
		castBallots(vote.machine, vote.proposal);
		castTimes.push((performance.now() - start) / 1000);
	}
	const castRates = castTimes.map((t) => VOTERS / t);
	ctx.record({ id: 'cast', label: `cast ${VOTERS.toLocaleString('en-US')} ballots (state machine, blocks of ${PER_BLOCK.toLocaleString('en-US')} with their state roots)`, value: median(castRates), samples: castRates, unit: 'ballot/s', better: 'higher' });

	const { machine: m, proposal } = vote;
	const record = getProposal(m.state, proposal)!;
	const outcome = countVotes(m.state, record);
	if (outcome.rule !== 'binary' || outcome.delegated !== DELEGATORS || !outcome.passed) throw new Error(`unexpected tally: ${JSON.stringify(outcome)}`);
	const rate = await ctx.rate(() => countVotes(m.state, record), { minMs: 500 });
	const ms = rate.samples.map((r) => 1000 / r);
	ctx.record({ id: 'tally', label: `tally one proposal: ${VOTERS.toLocaleString('en-US')} ballots, ${DELEGATORS.toLocaleString('en-US')} delegations (countVotes)`, value: median(ms), samples: ms, unit: 'ms', better: 'lower' });
	ctx.record({ id: 'tally.ballots', label: 'the same, as ballots counted', value: VOTERS * rate.value, samples: rate.samples.map((r) => VOTERS * r), unit: 'ballot/s', better: 'higher' });

	// Closing the vote: the end of the first block whose time reaches the end of voting, measured and then undone.
	while (m.time + 1000 < record.terms.votingEnds) m.endBlock();
	m.endBlock();
	const block = m.block;
	const closeMs: number[] = [];
	for (let s = 0; s < 5; s++) {
		const checkpoint = m.state.checkpoint();
		const start = performance.now();
		endBlock(m.state, block);
		m.state.root();
		closeMs.push(performance.now() - start);
		if (getProgress(m.state, proposal)!.status !== 'succeeded') throw new Error('the vote did not close');
		m.state.revert(checkpoint);
	}
	ctx.record({ id: 'close', label: 'close that vote at the end of its block (tally, outcome, deposit, state root)', value: median(closeMs), samples: closeMs, unit: 'ms', better: 'lower' });
}

/** Seconds to apply every block of a fixture on one thread, signatures taken as checked. */
function applySeconds(fixture: ChainFixture): number {
	const blocks = fixture.encoded.map((bytes) => decodeBlock(bytes));
	const start = performance.now();
	const chain = Chain.open({ block: blocks[0]! } as VerifiedBlock);
	for (const block of blocks.slice(1)) chain.add({ block } as VerifiedBlock, fixture.now);
	return (performance.now() - start) / 1000;
}

async function replay(ctx: SuiteContext): Promise<void> {
	ctx.log(`building ${REPLAY_BLOCKS.toLocaleString('en-US')} governance blocks…`);
	const fixture = governanceFixture(REPLAY_BLOCKS);
	const kinds = Object.entries(fixture.kinds)
		.map(([k, n]) => `${n} ${k}`)
		.join(', ');
	ctx.log(`${fixture.transactions} transactions: ${kinds}`);
	const head = fixture.community.chain.state;
	const pool = new VerifierPool();
	try {
		const validate = async (): Promise<void> => {
			const blocks = fixture.encoded.map((bytes) => decodeBlock(bytes));
			const chain = Chain.open(await verifyBlock(blocks[0]!, pool.verify));
			await addBlocks(chain, blocks.slice(1), pool.verify, fixture.now);
			if (chain.height !== REPLAY_BLOCKS || toHex(chain.state.root()) !== toHex(head.root())) throw new Error('the replay did not reach the same state');
		};
		await validate();
		const replayed = await ctx.seconds(validate);
		ctx.record({ id: 'replay', label: `replay ${REPLAY_BLOCKS.toLocaleString('en-US')} governance blocks (decode, verify on ${pool.threads} threads, apply)`, ...replayed, unit: 's', better: 'lower', note: kinds });
		const txRates = replayed.samples.map((t) => fixture.transactions / t);
		ctx.record({ id: 'replay.txs', label: `the same, as transactions (${fixture.transactions.toLocaleString('en-US')})`, value: median(txRates), samples: txRates, unit: 'tx/s', better: 'higher' });
	} finally {
		await pool.close();
	}
	// Interleaved, so that both see the same machine.
	const transferFixture = chainFixture(REPLAY_BLOCKS, 10);
	const governance: number[] = [];
	const transfers: number[] = [];
	for (let s = 0; s < 5; s++) {
		governance.push(applySeconds(fixture));
		transfers.push(applySeconds(transferFixture));
	}
	const applied = ctx.record({ id: 'replay.apply', label: 'one thread: apply the governance blocks (state, roots, engine)', value: median(governance), samples: governance, unit: 's', better: 'lower' });
	const plain = ctx.record({ id: 'transfers.apply', label: 'one thread: apply 1,000 blocks × 10 transfers (the chain suite\'s chain)', value: median(transfers), samples: transfers, unit: 's', better: 'lower' });
	ctx.record({
		id: 'replay.apply/transfers',
		label: `a governance block's cost ÷ a block of 10 transfers (per transaction: ${(fixture.transactions / REPLAY_BLOCKS).toFixed(1)} vs 10 a block)`,
		value: applied.value / plain.value,
		unit: '×',
		better: 'lower',
		of: [applied.id, plain.id]
	});
}

const suite: Suite = {
	name: 'governance',
	title: 'DAO governance: one vote of 10,000 ballots and 1,000 delegations; replaying 1,000 governance blocks',
	order: 60,
	async run(ctx) {
		await tallies(ctx);
		await replay(ctx);
	}
};

export default suite;
