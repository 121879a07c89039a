/** The DAO's transaction kinds: propose, vote, cancel, execute, delegate. Rules: lifecycle.ts and delegation.ts. */
import { toHex, type Hex } from '../../bytes.js';
import { HASH_BYTES } from '../../hash.js';
import * as s from '../../schema.js';
import { BINARY_CHOICES, type Choice } from '../../tally/types.js';
import { readAccountKey } from '../accounts.js';
import { defineKind } from '../kind.js';
import { delegate } from './delegation.js';
import { cancel, castVote, execute, propose } from './lifecycle.js';
import { MAX_OPTIONS, readProposalContent, type ProposalContent } from './proposal.js';

export interface ProposalRef {
	readonly proposal: Hex;
}

export interface VoteBody extends ProposalRef {
	readonly choice: Choice;
}

export interface DelegateBody {
	/** The delegate, or null to revoke. */
	readonly to: Hex | null;
}

const readProposalId = (value: unknown, path: string): Hex => toHex(s.bytes(value, path, HASH_BYTES));

function readRef(value: unknown): ProposalRef {
	const r = s.exactRecord(value, 'body', ['proposal']);
	return { proposal: readProposalId(r.proposal, 'body.proposal') };
}

/** 'for', 'against', 'abstain', or a list of option numbers (whether it fits the proposal is checked when applied). */
function readChoice(value: unknown, path: string): Choice {
	if (typeof value === 'string') return s.oneOf(value, path, BINARY_CHOICES);
	return s.array(value, path, MAX_OPTIONS).map((i, k) => s.int(i, `${path}[${k}]`, 0, MAX_OPTIONS - 1));
}

export const proposeKind = defineKind<ProposalContent>({
	kind: 'dao.propose',
	sender: 'member',
	body: (value) => readProposalContent(value),
	apply: (ctx, body) => propose(ctx, body)
});

export const voteKind = defineKind<VoteBody>({
	kind: 'dao.vote',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['proposal', 'choice']);
		return { proposal: readProposalId(r.proposal, 'body.proposal'), choice: readChoice(r.choice, 'body.choice') };
	},
	apply: (ctx, body) => castVote(ctx, body.proposal, body.choice)
});

export const cancelKind = defineKind<ProposalRef>({
	kind: 'dao.cancel',
	sender: 'member',
	body: readRef,
	apply: (ctx, body) => cancel(ctx, body.proposal)
});

export const executeKind = defineKind<ProposalRef>({
	kind: 'dao.execute',
	sender: 'member',
	body: readRef,
	apply: (ctx, body) => execute(ctx, body.proposal)
});

export const delegateKind = defineKind<DelegateBody>({
	kind: 'dao.delegate',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['to']);
		return { to: r.to === null ? null : readAccountKey(r.to, 'body.to') };
	},
	apply: (ctx, body) => delegate(ctx.state, ctx.sender, body.to)
});

export const DAO_KINDS = [proposeKind, voteKind, cancelKind, executeKind, delegateKind] as const;
