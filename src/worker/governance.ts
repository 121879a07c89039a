/**
 * The node's governance: the member's actions (propose, vote, cancel,
 * execute, delegate, invite), each a signed transaction that the node saves
 * to its outbox before sending (so a ballot cast offline counts if it reaches
 * a block before the close), and the governance page's view, read from the
 * head state through the core's queries (state/dao/queries.ts).
 *
 * Every action is dry-run on the head state first (preflight.ts): one that
 * cannot apply is refused at once with the state machine's reason. A ballot
 * expires when its vote closes and an execution when its proposal does, so
 * one that misses its moment leaves the outbox instead of waiting there.
 */
import { fromHex, type Hex } from '../lib/core/bytes.js';
import type { Chain } from '../lib/core/chain.js';
import type { Encodable } from '../lib/core/codec.js';
import { getAccount, TREASURY } from '../lib/core/state/accounts.js';
import { ACTION_TYPES, getUpgrade, PATCHABLE, type Action } from '../lib/core/state/dao/actions.js';
import { getDaoConfig, MEMBERSHIP_KINDS, WEIGHT_MODES } from '../lib/core/state/dao/config.js';
import { ballotOf, ballotsOf, delegationOf, listProposals, producedBy, proposalView, settingOrigin, tallyOf, type ProposalView } from '../lib/core/state/dao/queries.js';
import type { Ballot } from '../lib/core/state/dao/records.js';
import { authoritySet, SETTING_NAMES } from '../lib/core/state/dao/settings.js';
import { ALL_CONTRACTS } from '../lib/core/state/contracts/builtins.js';
import { isMember, memberName } from '../lib/core/state/members.js';
import { SCHEDULERS } from '../lib/core/state/policy.js';
import { kindOf } from '../lib/core/state/registry.js';
import type { StateTree } from '../lib/core/state/tree.js';
import { OPTION_RULES, type Choice } from '../lib/core/tally/types.js';
import { txIdHex } from '../lib/core/tx/tx.js';
import type {
	BallotItem,
	DelegationItem,
	GovernanceApi,
	GovernanceCatalog,
	GovernanceView,
	ProducedItem,
	ProposalDraft,
	ProposalItem,
	SettingItem,
	WaitingItem
} from './governance-types.js';
import type { OwnTx, SubmitOptions } from './node.js';

/** What governance needs of the node (AgoraNode is one). */
export interface GovernanceHost {
	readonly chain: Chain | null;
	readonly publicKey: Hex | null;
	now(): number;
	submit(kind: string, body: Encodable, opts?: SubmitOptions): Promise<Hex>;
	ownTxs(): readonly OwnTx[];
}

/** The transaction kinds the governance page follows while they wait for a block. */
export const GOVERNANCE_KINDS: ReadonlySet<string> = new Set(['dao.propose', 'dao.vote', 'dao.cancel', 'dao.execute', 'dao.delegate', 'member.invite']);

const CATALOG: Omit<GovernanceCatalog, 'authorities'> = {
	actionTypes: ACTION_TYPES,
	settings: PATCHABLE,
	optionRules: OPTION_RULES,
	choices: { algorithm: SCHEDULERS, membership: MEMBERSHIP_KINDS, weight: WEIGHT_MODES },
	contracts: ALL_CONTRACTS
};

const key = (hex: unknown, path: string): Uint8Array => fromHex(hex as string, path, 32);
const keys = (list: readonly Hex[] | undefined, path: string): Uint8Array[] => (list ?? []).map((k, i) => key(k, `${path}[${i}]`));
const optional = <K extends string>(name: K, value: Encodable | undefined): Partial<Record<K, Encodable>> => (value === undefined ? {} : ({ [name]: value } as Record<K, Encodable>));

/** An action as a transaction body carries it: keys and digests as bytes. Anything malformed is left for the kind's reader to name. */
export function actionBody(action: Action, path = 'action'): Encodable {
	switch (action?.type) {
		case 'text':
			return { type: 'text' };
		case 'change':
			return { type: 'change', setting: action.setting, changes: action.changes, ...optional('afterBlocks', action.afterBlocks) };
		case 'authorities':
			return { type: 'authorities', add: keys(action.add, `${path}.add`), remove: keys(action.remove, `${path}.remove`), ...optional('afterBlocks', action.afterBlocks) };
		case 'admit':
			return { type: 'admit', key: key(action.key, `${path}.key`), name: action.name };
		case 'remove':
			return { type: 'remove', key: key(action.key, `${path}.key`) };
		case 'treasury':
			return { type: 'treasury', payments: (action.payments ?? []).map((p, i) => ({ to: key(p.to, `${path}.payments[${i}].to`), amount: p.amount })) };
		case 'upgrade':
			return { type: 'upgrade', version: action.version, ...optional('digest', action.digest ? fromHex(action.digest, `${path}.digest`, 32) : undefined) };
		default:
			return action as unknown as Encodable;
	}
}

/** A `dao.propose` body from a draft. */
export function proposalBody(draft: ProposalDraft): Encodable {
	const common = { title: draft.title, body: draft.body, ...(draft.emergency ? { emergency: true } : {}) };
	if (draft.rule === 'binary') return { ...common, action: actionBody(draft.action) };
	return { ...common, rule: draft.rule, options: (draft.options ?? []).map((o, i) => ({ label: o.label, action: actionBody(o.action, `options[${i}].action`) })) };
}

export class Governance implements Omit<GovernanceApi, 'governance'> {
	constructor(private readonly host: GovernanceHost) {}

	propose(draft: ProposalDraft): Promise<Hex> {
		return this.host.submit('dao.propose', proposalBody(draft), { preflight: true });
	}

	vote(proposal: Hex, choice: Choice): Promise<Hex> {
		return this.host.submit('dao.vote', { proposal: key(proposal, 'proposal'), choice: choice as Encodable }, this.until(this.find(proposal)?.terms.votingEnds));
	}

	cancelProposal(proposal: Hex): Promise<Hex> {
		return this.host.submit('dao.cancel', { proposal: key(proposal, 'proposal') }, this.until(this.find(proposal)?.terms.votingEnds));
	}

	executeProposal(proposal: Hex): Promise<Hex> {
		return this.host.submit('dao.execute', { proposal: key(proposal, 'proposal') }, this.until(this.find(proposal)?.expires));
	}

	delegate(to: Hex | null): Promise<Hex> {
		return this.host.submit('dao.delegate', { to: to === null ? null : key(to, 'to') }, { preflight: true });
	}

	inviteMember(invitee: Hex): Promise<Hex> {
		return this.host.submit('member.invite', { key: key(invitee, 'key') }, { preflight: true });
	}

	view(): GovernanceView | null {
		const { chain, publicKey: me } = this.host;
		if (!chain || !me) return null;
		const state = chain.state;
		const waiting = this.waiting();
		const authorities = authoritySet(state) !== undefined;
		return {
			me,
			member: isMember(state, me),
			height: chain.height,
			headTime: chain.head.header.time,
			config: getDaoConfig(state),
			balance: getAccount(state, me).balance,
			treasury: getAccount(state, TREASURY).balance,
			proposals: listProposals(state).map((p) => proposalItem(state, p, me, waiting)),
			settings: SETTING_NAMES.filter((n) => n !== 'authorities' || authorities).map((n) => settingItem(state, n)),
			delegation: delegationItem(state, me),
			waiting,
			upgrade: getUpgrade(state) ?? null,
			catalog: { ...CATALOG, actionTypes: CATALOG.actionTypes.filter((t) => t !== 'authorities' || authorities), authorities }
		};
	}

	/** The member's governance transactions not in a block yet, oldest first. */
	private waiting(): WaitingItem[] {
		return this.host
			.ownTxs()
			.filter((own) => GOVERNANCE_KINDS.has(own.tx.kind))
			.sort((a, b) => a.tx.created - b.tx.created || a.tx.nonce - b.tx.nonce)
			.map(({ tx, status, error }) => ({ id: txIdHex(tx), kind: tx.kind, status, created: tx.created, ...(error ? { error } : {}), ...describeBody(tx.kind, tx.body) }));
	}

	private find(id: Hex): ProposalView | undefined {
		return this.host.chain ? proposalView(this.host.chain.state, id) : undefined;
	}

	/**
	 * Dry-run, and valid until `deadline` (within the longest lifetime the chain allows). A deadline the next
	 * block could not meet is left to the dry run to explain (a vote closed, a proposal expired), not to expiry.
	 */
	private until(deadline: number | undefined): SubmitOptions {
		const chain = this.host.chain;
		if (deadline === undefined || !chain) return { preflight: true };
		const now = this.host.now();
		if (deadline <= Math.max(now, chain.head.header.time + 1)) return { preflight: true };
		return { preflight: true, expires: Math.min(deadline, now + chain.params.maxTxLifetimeMs) };
	}
}

/** The fields of a waiting transaction's body the page shows; the body was checked when it was signed. */
function describeBody(kind: string, body: unknown): Partial<WaitingItem> {
	let read: Record<string, unknown>;
	try {
		read = kindOf(kind).body(body) as Record<string, unknown>;
	} catch {
		return {};
	}
	switch (kind) {
		case 'dao.vote':
			return { proposal: read.proposal as Hex, choice: read.choice as Choice };
		case 'dao.cancel':
		case 'dao.execute':
			return { proposal: read.proposal as Hex };
		case 'dao.propose':
			return { title: read.title as string };
		case 'dao.delegate':
			return { to: read.to as Hex | null };
		case 'member.invite':
			return { key: read.key as Hex };
		default:
			return {};
	}
}

function ballotItem(state: StateTree, b: Ballot): BallotItem {
	return { voter: b.voter, voterName: memberName(state, b.voter), choice: b.choice, weight: b.weight, cast: b.cast };
}

function proposalItem(state: StateTree, p: ProposalView, me: Hex, waiting: readonly WaitingItem[]): ProposalItem {
	const mine = ballotOf(state, p.id, me);
	const produced: ProducedItem[] =
		p.status === 'executed'
			? producedBy(state, p.id).map((v) =>
					v.pending?.proposal === p.id
						? { name: v.name, value: v.pending.value, effectiveFrom: v.pending.effectiveFrom, inForce: false }
						: { name: v.name, value: v.value, effectiveFrom: v.origin.effectiveFrom, inForce: true }
				)
			: [];
	return {
		...p,
		proposerName: memberName(state, p.proposer),
		tally: tallyOf(state, p.id) ?? null,
		votes: ballotsOf(state, p.id).map((b) => ballotItem(state, b)),
		myBallot: mine ? ballotItem(state, mine) : null,
		myWaitingBallot: latestBallot(waiting, p.id, mine),
		produced
	};
}

/** The member's latest ballot on `proposal` not in a block; a failed one only while no later ballot counts. */
function latestBallot(waiting: readonly WaitingItem[], proposal: Hex, counted: Ballot | undefined): WaitingItem | null {
	const latest = waiting.findLast((w) => w.kind === 'dao.vote' && w.proposal === proposal);
	return !latest || (latest.status === 'failed' && counted && counted.cast.time >= latest.created) ? null : latest;
}

function settingItem(state: StateTree, name: (typeof SETTING_NAMES)[number]): SettingItem {
	const { setting, proposal, ballots } = settingOrigin(state, name);
	const pending = setting.pending;
	return {
		name,
		value: setting.value,
		effectiveFrom: setting.origin.effectiveFrom,
		origin: proposal && { proposal: proposal.id, number: proposal.number, title: proposal.title, executed: proposal.executed ?? null, ballots: ballots.map((b) => ballotItem(state, b)) },
		pending: pending && { value: pending.value, proposal: pending.proposal, number: proposalView(state, pending.proposal)?.number ?? null, effectiveFrom: pending.effectiveFrom }
	};
}

function delegationItem(state: StateTree, me: Hex): DelegationItem {
	const d = delegationOf(state, me);
	const named = (k: Hex) => ({ key: k, name: memberName(state, k) });
	return { to: d.to, toName: d.to && memberName(state, d.to), live: d.live, chain: d.chain.map(named), delegators: d.delegators.map(named) };
}

/** The API's governance methods, each on the node once it has opened. */
export function governanceApi(node: Promise<GovernanceHost>): GovernanceApi {
	const governance = node.then((host) => new Governance(host));
	return {
		governance: async () => (await governance).view(),
		propose: async (draft) => (await governance).propose(draft),
		vote: async (proposal, choice) => (await governance).vote(proposal, choice),
		cancelProposal: async (proposal) => (await governance).cancelProposal(proposal),
		executeProposal: async (proposal) => (await governance).executeProposal(proposal),
		delegate: async (to) => (await governance).delegate(to),
		inviteMember: async (invitee) => (await governance).inviteMember(invitee)
	};
}
