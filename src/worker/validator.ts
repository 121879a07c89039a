/**
 * What a validator's node does on its own under engines whose finality
 * counts votes (PoS, FBA): it votes for every new canonical head, and it
 * proves any double vote it sees, once per offender.
 *
 * These transactions are made by the node, not the member, so they stay out
 * of the outbox: a vote is worth something only for a short while. They
 * still take the member's nonces, and a vote can die before it is recorded
 * (its block lost a reorganisation, or its height became final without it),
 * leaving a nonce nobody will use. The next vote takes the lowest free nonce,
 * so the gap closes within a block; and every node drops dead votes and
 * evidence from its pool, so the vote that fills a gap is not refused there
 * as a replacement of the dead one.
 *
 * A validator never votes twice at one height, even when its vote lost a
 * reorganisation: that would be the very double vote evidence punishes.
 */
import { compareBytes, equalBytes, fromHex, toHex, type Hex } from '../lib/core/bytes.js';
import type { Chain } from '../lib/core/chain.js';
import type { Encodable } from '../lib/core/codec.js';
import type { VotingRules } from '../lib/core/consensus/engine.js';
import type { KeyPair } from '../lib/core/keys.js';
import { getAccount } from '../lib/core/state/accounts.js';
import { getVote } from '../lib/core/consensus/votes.js';
import { evidence, EVIDENCE_KIND, getEvidence, readVote, VOTE_KIND, type VoteBody } from '../lib/core/state/consensus.js';
import { signTx, txId, txIdHex, txToTuple, type Tx } from '../lib/core/tx/tx.js';

/** A vote not recorded within this many block times is let go (and its nonce reused). */
export const VOTE_LIFETIME_BLOCKS = 30;
/** Votes seen this far below the finalized height are forgotten. */
const SEEN_VOTE_DEPTH = 256;

export interface ValidatorHost {
	chain(): Chain | null;
	keys(): KeyPair | null;
	now(): number;
	/** Nonces the member's own transactions waiting in the outbox use. */
	outboxNonces(): Iterable<number>;
	/** Adds a transaction the node made to its pool and sends it to its peers. */
	publish(tx: Tx): void;
	log(level: 'info' | 'warn', message: string): void;
}

export class ValidatorDuties {
	/** Our votes and evidence not yet in the canonical chain, by id. */
	private readonly own = new Map<Hex, Tx>();
	/** The highest height we voted at: we never vote at it or below again. */
	private lastVoted = 0;
	/** `${voter}/${height}` → the first vote seen. */
	private readonly seen = new Map<string, { tx: Tx; vote: VoteBody }>();
	private readonly reported = new Set<Hex>();

	constructor(private readonly host: ValidatorHost) {}

	/** Our transactions waiting for a block, to send again. */
	pending(): Tx[] {
		return [...this.own.values()];
	}

	nonces(): number[] {
		return [...this.own.values()].map((tx) => tx.nonce);
	}

	/** Never votes at `height` or below (after a reload: we may have voted up to the stored head). */
	votedUpTo(height: number): void {
		this.lastVoted = Math.max(this.lastVoted, height);
	}

	/** After the head moved: forgets what was recorded or died, then votes for the new head. */
	headChanged(): void {
		const chain = this.host.chain();
		const keys = this.host.keys();
		if (!chain || !keys) return;
		const now = this.host.now();
		const next = getAccount(chain.state, toHex(keys.publicKey)).nonce;
		for (const [id, tx] of this.own) {
			if (chain.findTx(id) || tx.nonce < next || tx.expires <= now || isDeadConsensusTx(chain, tx)) this.own.delete(id);
		}
		const final = chain.finalized.height;
		for (const [key, { vote }] of this.seen) if (vote.height + SEEN_VOTE_DEPTH < final) this.seen.delete(key);
		this.vote(chain, keys);
	}

	/** Looks at votes seen in the pool or in blocks for a validator that voted for two blocks at one height. */
	observe(txs: readonly Tx[]): void {
		const chain = this.host.chain();
		const keys = this.host.keys();
		if (!chain || !keys || !votingOf(chain)) return;
		const me = toHex(keys.publicKey);
		for (const tx of txs) {
			if (tx.kind !== VOTE_KIND) continue;
			const voter = toHex(tx.from);
			const vote = readVoteOrNull(tx);
			if (!vote || voter === me) continue;
			const key = `${voter}/${vote.height}`;
			const first = this.seen.get(key);
			if (!first) this.seen.set(key, { tx, vote });
			else if (!equalBytes(first.vote.block, vote.block)) this.report(chain, keys, voter, first.tx, tx);
		}
	}

	private vote(chain: Chain, keys: KeyPair): void {
		const voting = votingOf(chain);
		const head = chain.head;
		if (!voting || head.height <= this.lastVoted || head.height <= chain.finalized.height) return;
		if (!voting.isValidator(chain.state, toHex(keys.publicKey))) return;
		this.lastVoted = head.height;
		const body: Encodable = { height: head.height, block: fromHex(head.hash) };
		this.issue(chain, keys, VOTE_KIND, body, VOTE_LIFETIME_BLOCKS * chain.params.blockTimeMs);
	}

	/**
	 * Only validators report: their next vote fills the nonce of a report that
	 * came too late (someone else's was recorded first), where a member who
	 * never votes would be left with a gap before its own next transaction.
	 */
	private report(chain: Chain, keys: KeyPair, offender: Hex, x: Tx, y: Tx): void {
		const voting = votingOf(chain)!;
		if (this.reported.has(offender)) return;
		if (!voting.isValidator(chain.state, toHex(keys.publicKey)) || !voting.isValidator(chain.state, offender)) return;
		this.reported.add(offender);
		const [a, b] = compareBytes(txId(x), txId(y)) < 0 ? [x, y] : [y, x];
		this.host.log('warn', `validator ${offender.slice(0, 16)}… voted twice at height ${readVote(a.body).height}: reporting it`);
		this.issue(chain, keys, EVIDENCE_KIND, { a: txToTuple(a), b: txToTuple(b) }, VOTE_LIFETIME_BLOCKS * chain.params.blockTimeMs);
	}

	private issue(chain: Chain, keys: KeyPair, kind: string, body: Encodable, lifetime: number): void {
		const now = this.host.now();
		const tx = signTx({ chain: chain.chainId, from: keys.publicKey, nonce: this.freeNonce(chain, keys), fee: chain.params.minFee, created: now, expires: now + lifetime, kind, body }, keys);
		this.own.set(txIdHex(tx), tx);
		this.host.publish(tx);
	}

	/** The lowest nonce from the account's next one that none of our waiting transactions uses. */
	private freeNonce(chain: Chain, keys: KeyPair): number {
		const used = new Set<number>([...this.host.outboxNonces(), ...this.nonces()]);
		let nonce = getAccount(chain.state, toHex(keys.publicKey)).nonce;
		while (used.has(nonce)) nonce++;
		return nonce;
	}
}

function votingOf(chain: Chain): VotingRules | undefined {
	return chain.engine.voting;
}

function readVoteOrNull(tx: Tx): VoteBody | null {
	try {
		return readVote(tx.body);
	} catch {
		return null;
	}
}

/**
 * Whether a vote or evidence can no longer be recorded on the canonical
 * branch: a vote for a height that is final, for another block than the one
 * there, or by a voter already counted or no longer a validator; evidence
 * against someone no longer a validator or already proven.
 */
export function isDeadConsensusTx(chain: Chain, tx: Tx): boolean {
	const voting = votingOf(chain);
	if (!voting) return false;
	if (tx.kind === VOTE_KIND) {
		const vote = readVoteOrNull(tx);
		if (!vote) return false;
		const voter = toHex(tx.from);
		if (vote.height <= chain.finalized.height || !voting.isValidator(chain.state, voter)) return true;
		if (getVote(chain.state, vote.height, voter) !== undefined) return true;
		const there = chain.blockAt(vote.height);
		return there !== undefined && there.hash !== toHex(vote.block);
	}
	if (tx.kind === EVIDENCE_KIND) {
		let proof;
		try {
			proof = evidence.body(tx.body).a;
		} catch {
			return false;
		}
		const offender = toHex(proof.tx.from);
		return !voting.isValidator(chain.state, offender) || getEvidence(chain.state, offender, proof.vote.height) !== undefined;
	}
	return false;
}
