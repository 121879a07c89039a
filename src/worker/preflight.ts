/**
 * A dry run of one of the member's own transactions before it is saved: it
 * is applied to the head state as the next block would apply it (after the
 * member's earlier transactions still waiting, in nonce order), then undone.
 * A transaction that cannot apply (a ballot after the close, executing
 * before the timelock, a proposal the state refuses) is refused at once with
 * the state machine's own error, naming the field, instead of sitting in the
 * outbox where the sealer would drop it and its nonce would hold up every
 * later transaction of the member.
 *
 * It is opt-in (AgoraNode.submit's `preflight`): a newcomer signs its join,
 * and may write posts, before the chain has arrived or its join is in a
 * block, and the head state would wrongly refuse them.
 */
import { toHex } from '../lib/core/bytes.js';
import type { Chain } from '../lib/core/chain.js';
import { AgoraError } from '../lib/core/errors.js';
import type { BlockContext } from '../lib/core/state/kind.js';
import { applyTx } from '../lib/core/state/machine.js';
import type { Tx } from '../lib/core/tx/tx.js';

/** Throws the AgoraError the next block would reject `tx` with; changes nothing. */
export function preflight(chain: Chain, waiting: Iterable<Tx>, tx: Tx, now: number): void {
	const head = chain.head;
	const ctx: BlockContext = {
		height: head.height + 1,
		time: Math.max(now, head.header.time + 1),
		proposer: toHex(head.header.proposer),
		params: chain.params,
		ancestor: (h) => chain.blockAt(h)?.hash
	};
	const sender = toHex(tx.from);
	const earlier = [...waiting].filter((w) => toHex(w.from) === sender && w.nonce < tx.nonce).sort((a, b) => a.nonce - b.nonce);
	// The state is the chain's working state: nothing may await between the checkpoint and the revert.
	const state = chain.state;
	const checkpoint = state.checkpoint();
	try {
		for (const w of earlier) {
			try {
				applyTx(state, w, chain.chainId, ctx);
			} catch {
				// One of them fails in its turn (and holds the nonces after it): the node's business, not this transaction's.
			}
		}
		applyTx(state, tx, chain.chainId, ctx);
	} catch (e) {
		// A nonce out of line comes from the waiting transactions above, which the node settles on its own.
		if (!(e instanceof AgoraError) || e.code !== 'E_TX_NONCE') throw e;
	} finally {
		state.revert(checkpoint);
	}
}
