/**
 * Consensus on chain: validators' votes, which finalize blocks under the
 * engines that count them (PoS, FBA; see consensus/votes.ts), and evidence
 * of equivocation, which records a validator that voted for two blocks at
 * one height and takes away its right to seal.
 *
 * A vote is an ordinary transaction whose own signature is the vote's: it
 * binds the chain, the voter, the height and the block. It counts only on a
 * branch that contains the block, and at most once per validator and height
 * on that branch. Two such transactions for different blocks at one height
 * (necessarily on different branches) are the evidence, so an honest
 * validator votes at most once per height, whatever reorganisations follow.
 */
import { equalBytes, toHex, type Bytes, type Hex } from '../bytes.js';
import { AgoraError, fail } from '../errors.js';
import { HASH_BYTES } from '../hash.js';
import * as s from '../schema.js';
import { ENGINE_KEY } from '../genesis.js';
import { engineFor, type ConsensusEngine } from '../consensus/index.js';
import type { VotingRules } from '../consensus/engine.js';
import { countVote, getVote, validatorsAt, recordValidators, votedFinality } from '../consensus/votes.js';
import { txFromTuple, txIdHex, txSignatureCheck, type Tx } from '../tx/tx.js';
import { defineKind, type BlockHook } from './kind.js';
import type { StateTree } from './tree.js';

export const VOTE_KIND = 'consensus.vote';
export const EVIDENCE_KIND = 'consensus.evidence';

export interface VoteBody {
	readonly height: number;
	/** The hash of the block voted for. */
	readonly block: Bytes;
}

export interface SignedVote {
	readonly tx: Tx;
	readonly vote: VoteBody;
}

export interface EvidenceBody {
	readonly a: SignedVote;
	readonly b: SignedVote;
}

export interface EvidenceRecord {
	readonly offender: Hex;
	readonly height: number;
	/** The ids of the two conflicting vote transactions. */
	readonly a: Hex;
	readonly b: Hex;
	/** The height of the block that recorded the evidence. */
	readonly recorded: number;
	/** False only when the offender was the last validator: removing it would stop the chain for good. */
	readonly penalized: boolean;
}

const evidenceKey = (offender: Hex, height: number): string => `c/evidence/${offender}/${height}`;

/** The engine in force, by the name genesis put in state. */
export function engineOf(state: StateTree): ConsensusEngine {
	return engineFor(state.get(ENGINE_KEY));
}

export function getEvidence(state: StateTree, offender: Hex, height: number): EvidenceRecord | undefined {
	return state.get(evidenceKey(offender, height)) as unknown as EvidenceRecord | undefined;
}

/** Every recorded equivocation. Linear in the state size: for queries, not for block application. */
export function listEvidence(state: StateTree): EvidenceRecord[] {
	return state.keys('c/evidence/').map((k) => state.get(k) as unknown as EvidenceRecord);
}

export function readVote(value: unknown, path = 'body'): VoteBody {
	const r = s.exactRecord(value, path, ['height', 'block']);
	return { height: s.int(r.height, `${path}.height`, 1), block: s.bytes(r.block, `${path}.block`, HASH_BYTES) };
}

function votingOf(state: StateTree, kind: string): VotingRules {
	const engine = engineOf(state);
	if (!engine.voting) throw new AgoraError('E_TX_NOT_ALLOWED', `the ${engine.name} engine takes finality from sealing and accepts no ${kind}`, 'kind', kind);
	return engine.voting;
}

export const vote = defineKind<VoteBody>({
	kind: VOTE_KIND,
	// Who may vote is the engine's question (a validator), not membership's.
	sender: 'anyone',
	body: (value) => readVote(value),
	apply: (ctx, body) => {
		const { state, sender, height: here } = ctx;
		const voting = votingOf(state, VOTE_KIND);
		const block = toHex(body.block);
		if (body.height >= here) fail('E_TX_NOT_ALLOWED', 'body.height', body.height, `must be below the height ${here} of the block recording the vote`);
		if (ctx.ancestor(body.height) !== block) fail('E_TX_NOT_ALLOWED', 'body.block', block, `is not the block at height ${body.height} on this branch`);
		if (!voting.isValidator(state, sender)) throw new AgoraError('E_TX_NOT_ALLOWED', `${sender.slice(0, 16)}… is not a validator`, 'from', sender);
		// A vote arriving after its height became final counts for nothing but is taken: a validator cannot
		// know in advance, and a refused vote would leave a gap in its nonces that stalls what it sends next.
		if (body.height <= votedFinality(state).height) return;
		const set = validatorsAt(state, body.height)!;
		if (!set.weights[sender]) throw new AgoraError('E_TX_NOT_ALLOWED', `${sender.slice(0, 16)}… was not a validator of height ${body.height}`, 'from', sender);
		if (getVote(state, body.height, sender) !== undefined) fail('E_TX_DUPLICATE', 'body.height', body.height, `already has a vote from ${sender.slice(0, 16)}… on this branch`);
		countVote(state, body.height, block, sender, set);
	}
});

function readSignedVote(value: unknown, path: string): SignedVote {
	const tx = txFromTuple(value, path);
	if (tx.kind !== VOTE_KIND) fail('E_TX_EVIDENCE', `${path}.kind`, tx.kind, `must be ${VOTE_KIND}`);
	return { tx, vote: readVote(tx.body, `${path}.body`) };
}

export const evidence = defineKind<EvidenceBody>({
	kind: EVIDENCE_KIND,
	// Anyone who saw both votes may prove the double vote; the proof, not the sender, is what counts.
	sender: 'anyone',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['a', 'b']);
		const a = readSignedVote(r.a, 'body.a');
		const b = readSignedVote(r.b, 'body.b');
		if (!equalBytes(a.tx.from, b.tx.from)) fail('E_TX_EVIDENCE', 'body.b.from', toHex(b.tx.from), `must be the voter of body.a (${toHex(a.tx.from).slice(0, 16)}…)`);
		if (a.vote.height !== b.vote.height) fail('E_TX_EVIDENCE', 'body.b.body.height', b.vote.height, `must be the height of body.a's vote (${a.vote.height})`);
		if (equalBytes(a.vote.block, b.vote.block)) fail('E_TX_EVIDENCE', 'body.b.body.block', toHex(b.vote.block), "must differ from body.a's block: two votes for one block are no double vote");
		return { a, b };
	},
	signatures: ({ a, b }) => [a.tx, b.tx].map(txSignatureCheck),
	apply: (ctx, { a, b }) => {
		const { state } = ctx;
		const voting = votingOf(state, EVIDENCE_KIND);
		if (!equalBytes(a.tx.chain, ctx.tx.chain)) fail('E_TX_CHAIN', 'body.a.chain', toHex(a.tx.chain), "is not this community's chain");
		if (!equalBytes(b.tx.chain, ctx.tx.chain)) fail('E_TX_CHAIN', 'body.b.chain', toHex(b.tx.chain), "is not this community's chain");
		const offender = toHex(a.tx.from);
		const height = a.vote.height;
		if (getEvidence(state, offender, height)) fail('E_TX_DUPLICATE', 'body', height, `repeats the recorded double vote of ${offender.slice(0, 16)}… at this height`);
		// Also what stops further proofs against an offender already removed.
		if (!voting.isValidator(state, offender)) fail('E_TX_EVIDENCE', 'body.a.from', offender, 'is not a validator');
		const penalized = voting.validators(state).length > 1;
		if (penalized) voting.penalize(state, offender);
		const record: EvidenceRecord = { offender, height, a: txIdHex(a.tx), b: txIdHex(b.tx), recorded: ctx.height, penalized };
		state.put(evidenceKey(offender, height), { ...record });
	}
});

/**
 * Snapshots the validator set at the end of every block in which it changed,
 * so votes are weighed by the set that judged their block (votes.ts). It
 * must run after every hook that changes validators: keep it last.
 */
export const validatorSnapshots: BlockHook = {
	name: 'consensus.validators',
	endBlock: (state, ctx) => {
		const voting = engineOf(state).voting;
		if (voting) recordValidators(state, ctx.height + 1, voting.validators(state));
	}
};
