/**
 * Governance as the app sees it, across the worker boundary: what the
 * governance page shows (plain, structured-clone data; keys and ids as hex)
 * and the actions a member takes. The node side is governance.ts.
 */
import type { Hex } from '../lib/core/bytes.js';
import type { Encodable } from '../lib/core/codec.js';
import type { Action, ActionType, Upgrade } from '../lib/core/state/dao/actions.js';
import type { DaoConfig } from '../lib/core/state/dao/config.js';
import type { ProposalContent } from '../lib/core/state/dao/proposal.js';
import type { ProposalView } from '../lib/core/state/dao/queries.js';
import type { Stamp, Status } from '../lib/core/state/dao/records.js';
import type { SettingName } from '../lib/core/state/dao/settings.js';
import type { Choice, OptionRule, Tally } from '../lib/core/tally/types.js';
import type { TxStatus } from './types.js';

export type { Action, ActionType, Choice, DaoConfig, OptionRule, SettingName, Status, Tally };

/** What a member fills in to propose: the `dao.propose` body, with keys and digests as hex. */
export type ProposalDraft = ProposalContent;

export interface BallotItem {
	readonly voter: Hex;
	readonly voterName: string;
	readonly choice: Choice;
	/** The voter's own snapshot weight (delegated weight shows in the tally). */
	readonly weight: number;
	readonly cast: Stamp;
}

/** A governance transaction of the member's that is not in a block yet (saved, sent, or failed with why). */
export interface WaitingItem {
	readonly id: Hex;
	readonly kind: string;
	readonly status: Exclude<TxStatus, 'confirmed'>;
	readonly error?: string;
	readonly created: number;
	/** The proposal it votes on, cancels or executes. */
	readonly proposal?: Hex;
	readonly choice?: Choice;
	/** A new proposal's title. */
	readonly title?: string;
	/** A delegation's delegate (null: revoking). */
	readonly to?: Hex | null;
	/** An invitation's invitee. */
	readonly key?: Hex;
}

/** A governed setting's value in force or scheduled, as a proposal produced it. */
export interface ProducedItem {
	readonly name: SettingName;
	readonly value: Encodable;
	readonly effectiveFrom: number;
	/** False while it waits for its height. */
	readonly inForce: boolean;
}

/** One proposal as the governance page shows it. */
export type ProposalItem = ProposalView & {
	readonly proposerName: string;
	/** The live count while voting is open, the outcome once closed; null before voting opens and after a cancel. */
	readonly tally: { readonly outcome: Tally & { readonly delegated: number }; readonly final: boolean } | null;
	/** Each voter's ballot that counts, in the order they first voted (`ballots` is how many). */
	readonly votes: readonly BallotItem[];
	/** The member's ballot that counts now (in a block), if any. */
	readonly myBallot: BallotItem | null;
	/** The member's latest ballot not in a block yet: it replaces `myBallot` once sealed (if before the close). */
	readonly myWaitingBallot: WaitingItem | null;
	/** What executing it put in force or scheduled. */
	readonly produced: readonly ProducedItem[];
};

/** A governed setting and what made its value: genesis, or a proposal with its ballots and block. */
export interface SettingItem {
	readonly name: SettingName;
	readonly value: Encodable;
	readonly effectiveFrom: number;
	readonly origin: {
		readonly proposal: Hex;
		readonly number: number;
		readonly title: string;
		/** The block and transaction that executed it. */
		readonly executed: Stamp | null;
		readonly ballots: readonly BallotItem[];
	} | null;
	readonly pending: { readonly value: Encodable; readonly proposal: Hex; readonly number: number | null; readonly effectiveFrom: number } | null;
}

export interface DelegationItem {
	/** Whom the member delegates to (null: nobody), and whether that delegation still counts. */
	readonly to: Hex | null;
	readonly toName: string | null;
	readonly live: boolean;
	/** Where the member's weight ends up when nobody on the way votes, nearest first. */
	readonly chain: readonly { readonly key: Hex; readonly name: string }[];
	/** Members who delegate to this member. */
	readonly delegators: readonly { readonly key: Hex; readonly name: string }[];
}

/** Names and choices the proposal form offers (from the core, so the form cannot drift from what the chain accepts). */
export interface GovernanceCatalog {
	readonly actionTypes: readonly ActionType[];
	/** Settings a `change` action may patch. */
	readonly settings: readonly SettingName[];
	readonly optionRules: readonly OptionRule[];
	/** Fields of settings whose value is one of a list (a policy's algorithm, the membership kind). */
	readonly choices: Readonly<Record<string, readonly string[]>>;
	/** Every action of every built-in contract. */
	readonly contracts: Readonly<Record<string, readonly string[]>>;
	/** Whether this community's engine has an authority set that proposals can change. */
	readonly authorities: boolean;
}

export interface GovernanceView {
	readonly me: Hex;
	readonly member: boolean;
	readonly height: number;
	/** The head block's time: deadlines are in block time. */
	readonly headTime: number;
	readonly config: DaoConfig;
	readonly balance: number;
	readonly treasury: number;
	/** Newest first. */
	readonly proposals: readonly ProposalItem[];
	readonly settings: readonly SettingItem[];
	readonly delegation: DelegationItem;
	/** The member's governance transactions not in a block yet, oldest first. */
	readonly waiting: readonly WaitingItem[];
	readonly upgrade: Upgrade | null;
	readonly catalog: GovernanceCatalog;
}

/** The governance part of the node's API (see api.ts). Every action signs a transaction, saves it, then sends it. */
export interface GovernanceApi {
	/** Null until the member has an identity and the community's chain. */
	governance(): Promise<GovernanceView | null>;
	propose(draft: ProposalDraft): Promise<Hex>;
	/** A later ballot replaces the earlier one until voting closes. */
	vote(proposal: Hex, choice: Choice): Promise<Hex>;
	cancelProposal(proposal: Hex): Promise<Hex>;
	executeProposal(proposal: Hex): Promise<Hex>;
	/** Null revokes. */
	delegate(to: Hex | null): Promise<Hex>;
	/** Invites a key into an invite-only community that lets members invite. */
	inviteMember(key: Hex): Promise<Hex>;
}
