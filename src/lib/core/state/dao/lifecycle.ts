/**
 * A proposal's life. Transactions make, vote on, cancel and execute
 * proposals; everything else happens at the end of blocks, when block time
 * passes a proposal's next deadline (deadlines.ts):
 *
 *   made ─► pending ─(votingStarts)─► active ─(votingEnds)─► defeated
 *                                                          └► succeeded ─► queued ─(expires)─► expired
 *                                                                           └─ dao.execute in [eta, expires) ─► executed
 *   pending, or active with no ballot ─ dao.cancel by the proposer ─► cancelled
 *
 * Voting opens at the end of the first block whose time reaches
 * `votingStarts` (the weight snapshot is the state then) and a ballot counts
 * if its block's time is before `votingEnds`; the vote closes at the end of
 * the first block whose time reaches it. A passed proposal's timelock runs
 * from `votingEnds`: executable from `eta = votingEnds + delay` until
 * `expires = eta + grace`. Each transition happens once; none can be undone
 * except by a reorganisation, which replays blocks.
 *
 * The deposit is held in the `dao:deposits` account while the vote runs; it
 * goes back to the proposer when the vote reaches quorum or the proposer
 * cancels, and to the treasury when the vote misses quorum.
 */
import type { Hex } from '../../bytes.js';
import { AgoraError } from '../../errors.js';
import { invalidChoice, resolveDelegations, tally, type Choice } from '../../tally/index.js';
import { txIdHex } from '../../tx/tx.js';
import { moveBalance, TREASURY } from '../accounts.js';
import type { BlockContext, BlockHook, TxContext } from '../kind.js';
import { meetsMembership } from '../members.js';
import type { StateTree } from '../tree.js';
import { checkAction, executeAction, isConstitutional, isExecutable } from './actions.js';
import { getDaoConfig } from './config.js';
import { earliestDeadline, scheduleDeadline, takeDue } from './deadlines.js';
import { actionsOf, decidedAction, optionCount, type ProposalContent } from './proposal.js';
import {
	addProposal,
	advanceTo,
	getProgress,
	getProposal,
	listBallots,
	proposalCount,
	putBallot,
	putRecentProposals,
	recentProposals,
	type Outcome,
	type Progress,
	type Proposal,
	type Stamp
} from './records.js';
import { activateSettings } from './settings.js';
import { getSnapshot, putSnapshot, takeSnapshot, weightNow } from './weights.js';

/** The account that holds proposal deposits while their votes run. */
export const DEPOSITS = 'dao:deposits';

const winnerOf = (outcome: Outcome): number | null => (outcome.rule === 'binary' ? null : outcome.winner);
const stamp = (ctx: TxContext): Stamp => ({ height: ctx.height, time: ctx.time, tx: txIdHex(ctx.tx) });
const short = (who: Hex): string => `${who.slice(0, 16)}…`;

/** The proposal a transaction names, or E_DAO_PROPOSAL. */
function find(state: StateTree, id: Hex): { proposal: Proposal; progress: Progress } {
	const proposal = getProposal(state, id);
	if (!proposal) throw new AgoraError('E_DAO_PROPOSAL', `there is no proposal ${short(id)}`, 'body.proposal', id);
	return { proposal, progress: getProgress(state, id)! };
}

export function propose(ctx: TxContext, content: ProposalContent): void {
	const { state, sender } = ctx;
	const config = getDaoConfig(state);
	if (!meetsMembership(state, sender, config)) {
		throw new AgoraError('E_TX_NOT_ALLOWED', `${short(sender)} holds less than the membership minimum ${config.membershipMinimum} and cannot propose`, 'from', sender);
	}
	const weight = weightNow(state, sender, config);
	if (weight < config.minProposerWeight) {
		throw new AgoraError('E_TX_NOT_ALLOWED', `proposing needs a weight of at least ${config.minProposerWeight} (${short(sender)} has ${weight})`, 'from', sender);
	}
	const recent = recentProposals(state, sender).filter((t) => t > ctx.time - config.proposalWindowMs);
	if (recent.length >= config.proposalLimit) {
		throw new AgoraError('E_TX_NOT_ALLOWED', `${short(sender)} already made ${recent.length} proposals in the last ${config.proposalWindowMs} ms (the limit is ${config.proposalLimit})`, 'from', sender);
	}
	const actions = actionsOf(content);
	for (const { action, path } of actions) checkAction(state, action, path);
	moveBalance(state, sender, DEPOSITS, config.proposalDeposit, 'deposit');
	putRecentProposals(state, sender, [...recent, ctx.time]);
	const base = actions.some(({ action }) => isConstitutional(action)) ? config.constitutionalThresholdPpm : config.approvalThresholdPpm;
	const votingStarts = ctx.time + config.votingDelayMs;
	const proposal: Proposal = {
		...content,
		id: txIdHex(ctx.tx),
		number: proposalCount(state) + 1,
		proposer: sender,
		created: stamp(ctx),
		deposit: config.proposalDeposit,
		terms: {
			votingStarts,
			votingEnds: votingStarts + (content.emergency ? config.emergencyVotingPeriodMs : config.votingPeriodMs),
			executionDelayMs: content.emergency ? config.emergencyExecutionDelayMs : config.executionDelayMs,
			gracePeriodMs: config.gracePeriodMs,
			quorumPpm: config.quorumPpm,
			thresholdPpm: content.emergency ? Math.max(base, config.emergencyThresholdPpm) : base
		}
	};
	addProposal(state, proposal, { status: 'pending', ballots: 0, history: [{ status: 'pending', height: ctx.height, time: ctx.time }] });
	scheduleDeadline(state, votingStarts, proposal.id);
}

/** Records the sender's ballot; a later ballot from the same voter replaces it. */
export function castVote(ctx: TxContext, id: Hex, choice: Choice): void {
	const { state, sender } = ctx;
	const { proposal, progress } = find(state, id);
	const { votingStarts, votingEnds } = proposal.terms;
	if (progress.status === 'pending') {
		throw new AgoraError('E_DAO_STATUS', `voting on proposal #${proposal.number} has not opened (it opens with the first block at or after ${votingStarts})`, 'body.proposal', id);
	}
	if (progress.status !== 'active' || ctx.time >= votingEnds) {
		throw new AgoraError('E_DAO_STATUS', `voting on proposal #${proposal.number} closed at ${votingEnds} (block time ${ctx.time}, status ${progress.status})`, 'body.proposal', id);
	}
	const why = invalidChoice(proposal.rule, choice, optionCount(proposal));
	if (why) throw new AgoraError('E_DAO_BALLOT', `a ballot on proposal #${proposal.number} (${proposal.rule}) ${why}`, 'body.choice', choice);
	const weights = getSnapshot(state, id)!.weights;
	if (!Object.hasOwn(weights, sender)) {
		throw new AgoraError('E_DAO_BALLOT', `${short(sender)} was not an eligible member when voting on proposal #${proposal.number} opened`, 'from', sender);
	}
	putBallot(state, id, { voter: sender, choice, weight: weights[sender]!, cast: stamp(ctx) });
}

export function cancel(ctx: TxContext, id: Hex): void {
	const { state, sender } = ctx;
	const { proposal, progress } = find(state, id);
	if (sender !== proposal.proposer) throw new AgoraError('E_TX_NOT_ALLOWED', `only the proposer may cancel proposal #${proposal.number}`, 'from', sender);
	if (progress.status !== 'pending' && progress.status !== 'active') {
		throw new AgoraError('E_DAO_STATUS', `proposal #${proposal.number} is ${progress.status} and can no longer be cancelled`, 'body.proposal', id);
	}
	if (progress.ballots > 0) throw new AgoraError('E_DAO_STATUS', `proposal #${proposal.number} already has ${progress.ballots} ballots and can no longer be cancelled`, 'body.proposal', id);
	moveBalance(state, DEPOSITS, proposal.proposer, proposal.deposit, 'deposit');
	putSnapshot(state, id, undefined);
	advanceTo(state, id, 'cancelled', ctx);
}

export function execute(ctx: TxContext, id: Hex): void {
	const { state } = ctx;
	const { proposal, progress } = find(state, id);
	const n = proposal.number;
	switch (progress.status) {
		case 'queued':
			break;
		case 'executed':
			throw new AgoraError('E_DAO_STATUS', `proposal #${n} was already executed at height ${progress.executed!.height}`, 'body.proposal', id);
		case 'succeeded':
			throw new AgoraError('E_DAO_STATUS', `proposal #${n} passed but has nothing to execute`, 'body.proposal', id);
		case 'pending':
		case 'active':
			throw new AgoraError('E_DAO_STATUS', `voting on proposal #${n} has not closed`, 'body.proposal', id);
		default:
			throw new AgoraError('E_DAO_STATUS', `proposal #${n} was ${progress.status} and cannot be executed`, 'body.proposal', id);
	}
	if (ctx.time < progress.eta!) throw new AgoraError('E_DAO_TIMELOCK', `proposal #${n} is timelocked until ${progress.eta} (block time ${ctx.time})`, 'body.proposal', id);
	if (ctx.time >= progress.expires!) throw new AgoraError('E_DAO_STATUS', `proposal #${n} expired at ${progress.expires} (block time ${ctx.time})`, 'body.proposal', id);
	executeAction(state, decidedAction(proposal, winnerOf(progress.outcome!))!, { proposal: id, height: ctx.height });
	advanceTo(state, id, 'executed', ctx, { executed: stamp(ctx) });
}

function openVoting(state: StateTree, proposal: Proposal, ctx: BlockContext): void {
	const snapshot = takeSnapshot(state, getDaoConfig(state), ctx.height);
	putSnapshot(state, proposal.id, snapshot);
	advanceTo(state, proposal.id, 'active', ctx, { snapshot: { height: snapshot.height, total: snapshot.total } });
	scheduleDeadline(state, proposal.terms.votingEnds, proposal.id);
}

/**
 * The tally of an open vote as it stands: every ballot, delegations resolved
 * against the snapshot. Linear in the ballots and delegations; the close
 * runs it once, and a page can run it to show a live tally.
 */
export function countVotes(state: StateTree, proposal: Proposal): Outcome {
	const { id, terms } = proposal;
	const snapshot = getSnapshot(state, id)!;
	const resolved = resolveDelegations(snapshot, new Map(listBallots(state, id).map((b) => [b.voter, b.choice])));
	const result = tally(proposal.rule, resolved.ballots, optionCount(proposal), { total: snapshot.total, quorumPpm: terms.quorumPpm, thresholdPpm: terms.thresholdPpm });
	return { ...result, delegated: resolved.delegated };
}

function closeVoting(state: StateTree, proposal: Proposal, ctx: BlockContext): void {
	const { id, terms } = proposal;
	const outcome = countVotes(state, proposal);
	moveBalance(state, DEPOSITS, outcome.quorumReached ? proposal.proposer : TREASURY, proposal.deposit, 'deposit');
	putSnapshot(state, id, undefined);
	if (!outcome.passed) {
		advanceTo(state, id, 'defeated', ctx, { outcome });
		return;
	}
	advanceTo(state, id, 'succeeded', ctx, { outcome });
	const action = decidedAction(proposal, winnerOf(outcome));
	if (!action || !isExecutable(action)) return;
	const eta = terms.votingEnds + terms.executionDelayMs;
	const expires = eta + terms.gracePeriodMs;
	advanceTo(state, id, 'queued', ctx, { eta, expires });
	scheduleDeadline(state, expires, id);
}

/** Whatever is due for this proposal now that its deadline has come. */
function advance(state: StateTree, id: Hex, ctx: BlockContext): void {
	const proposal = getProposal(state, id)!;
	const status = getProgress(state, id)!.status;
	if (status === 'pending') openVoting(state, proposal, ctx);
	else if (status === 'active') closeVoting(state, proposal, ctx);
	else if (status === 'queued') advanceTo(state, id, 'expired', ctx);
	// Anything else (cancelled, executed) left a deadline behind that no longer matters.
}

/**
 * End of block: the deadlines that block time has reached, earliest first
 * (one may schedule the next, which may be due too after a long gap), then
 * settings scheduled for the next block come into force. The next deadline
 * (voting opens or closes, a passed proposal expires) is the heap's top, so a
 * sealer can seal a block for it when no transaction would bring one.
 */
export const daoHook: BlockHook = {
	name: 'dao',
	endBlock(state, ctx) {
		for (let id = takeDue(state, ctx.time); id !== undefined; id = takeDue(state, ctx.time)) advance(state, id, ctx);
		activateSettings(state, ctx.height);
	},
	nextDeadline: earliestDeadline
};
