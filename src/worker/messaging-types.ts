/**
 * Messaging as the UI sees it: what a member composes, and the plain-data
 * views of their outbox, inbox, dead letters, topics and delivery proofs
 * that cross the worker boundary (structured-clone friendly: hex strings,
 * numbers, no classes). The methods the pages call are `MessagingApi`.
 */
import type { Hex } from '../lib/core/bytes.js';
import type { TxProofJson } from '../lib/core/export/proof.js';
import type { Guarantee, Priority } from '../lib/core/state/policy.js';
import type { DeliveryStatus } from '../lib/core/state/queue/types.js';
import type { TopicMode } from '../lib/core/state/queue/topics.js';

/** A message to a member (`to`) or a topic, not both. Priority and guarantee default to normal, at least once. */
export interface MessageDraft {
	readonly to: Hex | null;
	readonly topic: string | null;
	readonly text: string;
	readonly priority?: Priority;
	readonly guarantee?: Guarantee;
}

/** What sending a draft would cost now. */
export interface MessageQuote {
	readonly fee: number;
	readonly balance: number;
	/** Payload bytes, as the fee counts them (a direct message's are its sealed envelope). */
	readonly bytes: number;
}

/**
 * Where one of the member's messages stands: saved (on disk, no peer has it
 * yet), sent (a peer has it, no block yet), inBlock (recorded, not yet
 * acknowledged), delivered (acknowledged: the ack is the receipt; for at
 * most once, its one delivery ended), dead (dead-lettered), expired, or
 * failed (it can never be in a block).
 */
export type MessageStatus = 'saved' | 'sent' | 'inBlock' | 'delivered' | 'dead' | 'expired' | 'failed';

export interface RecipientStatus {
	readonly recipient: Hex;
	readonly name: string;
	readonly status: DeliveryStatus;
	readonly attempts: number;
	/** The acknowledgement's transaction id: the delivery receipt. */
	readonly ack: Hex | null;
	/** Why it was dead-lettered, rejected or expired. */
	readonly reason: string | null;
}

export interface OutboxItem {
	readonly id: Hex;
	readonly to: Hex | null;
	readonly toName: string | null;
	readonly topic: string | null;
	/** The member's own copy, opened with their key; null if it does not open. */
	readonly text: string | null;
	readonly created: number;
	readonly priority: Priority;
	readonly guarantee: Guarantee;
	readonly fee: number;
	readonly status: MessageStatus;
	readonly reason: string | null;
	readonly height: number | null;
	readonly recipients: readonly RecipientStatus[];
}

export interface InboxItem {
	readonly id: Hex;
	readonly from: Hex;
	readonly fromName: string;
	readonly topic: string | null;
	/** The plaintext; null when it does not open for this member (rejected, or waiting for its topic key). */
	readonly text: string | null;
	/** Why the text is missing, when it is. */
	readonly unopened: string | null;
	readonly created: number;
	/** False while it has only arrived peer to peer and waits for a block. */
	readonly inBlock: boolean;
	/** The delivery's status in state; null before it is in a block. */
	readonly status: DeliveryStatus | null;
	readonly guarantee: Guarantee;
	/** How many times this node handed it to the member (exactly once: never more than once). */
	readonly processed: number;
}

export interface DeadLetterItem {
	readonly id: Hex;
	readonly from: Hex;
	readonly fromName: string;
	readonly recipient: Hex;
	readonly recipientName: string;
	readonly topic: string | null;
	readonly reason: string | null;
	/** Null when it cannot be re-driven (ordered, at most once, or expired), else what re-driving costs now. */
	readonly redriveFee: number | null;
}

/** A message recorded in a recent block, as any member sees it: who to whom, its size, and whether this member can read it. */
export interface ChainMessageItem {
	readonly id: Hex;
	readonly from: Hex;
	readonly fromName: string;
	readonly to: Hex | null;
	readonly toName: string | null;
	readonly topic: string | null;
	readonly bytes: number;
	readonly height: number;
	readonly readable: boolean;
}

export interface TopicItem {
	readonly name: string;
	readonly owner: Hex;
	readonly ownerName: string;
	readonly mode: TopicMode;
	readonly description: string;
	/** A clear topic, or an encrypted one whose current key this member holds. */
	readonly hasKey: boolean;
	/** Of an encrypted topic this member owns: subscribers this node has not given the key yet. */
	readonly awaitingKey: ReadonlyArray<{ readonly publicKey: Hex; readonly name: string }>;
}

export interface MessagesView {
	readonly me: Hex | null;
	readonly balance: number;
	readonly outbox: readonly OutboxItem[];
	readonly inbox: readonly InboxItem[];
	readonly deadLetters: readonly DeadLetterItem[];
	/** Messages in recent blocks, everyone's: the chain proves they were sent, only their readers can open them. */
	readonly onChain: readonly ChainMessageItem[];
	readonly topics: readonly TopicItem[];
	/** The member's subscription patterns. */
	readonly subscriptions: readonly string[];
}

/** One inclusion proof, checked here against its block header alone (as `agora verify-proof` does). */
export interface CheckedProof {
	readonly json: TxProofJson;
	readonly height: number;
	readonly valid: boolean;
	readonly reason: string | null;
}

export interface ReceiptProof extends CheckedProof {
	readonly recipient: Hex;
	readonly name: string;
	/** The receipt is a msg.ack signed by this recipient that names the message. */
	readonly names: boolean;
}

/** A message's delivery proof: its inclusion, and the inclusion of each recipient's acknowledgement. */
export interface DeliveryProof {
	readonly id: Hex;
	readonly message: CheckedProof;
	readonly receipts: readonly ReceiptProof[];
}

export interface MessagingApi {
	messages(): Promise<MessagesView>;
	quoteMessage(draft: MessageDraft): Promise<MessageQuote>;
	/** Seals (direct messages), pays the quoted fee, saves to the outbox and sends; returns the message id. */
	sendMessage(draft: MessageDraft): Promise<Hex>;
	redriveMessage(id: Hex, recipient: Hex): Promise<Hex>;
	/** An encrypted topic's key is drawn and kept by this node; members read it once a holder gives it to them. */
	createTopic(name: string, description: string, encrypted: boolean): Promise<Hex>;
	/** Sends a member the key of an encrypted topic, sealed for them. */
	shareTopicKey(topic: string, member: Hex): Promise<Hex>;
	/** Draws a new key for an encrypted topic its owner holds; later messages are sealed under it. */
	rekeyTopic(topic: string): Promise<Hex>;
	subscribeTopic(pattern: string): Promise<Hex>;
	unsubscribeTopic(pattern: string): Promise<Hex>;
	/** Null until the message is in a block. */
	deliveryProof(id: Hex): Promise<DeliveryProof | null>;
}
