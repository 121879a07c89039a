/** Proof of authority's sealing plan: who goes first, and that the rotation recovers from an out-of-turn block. */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/lib/core/bytes.js';
import { getAuthorities } from '../../../../src/lib/core/consensus/poa.js';
import { keys, openChain, poaGenesis, proposeAt, verified, T0 } from '../../../helpers/community.js';
import type { KeyPair } from '../../../../src/lib/core/keys.js';
import type { Chain } from '../../../../src/lib/core/chain.js';

/** Seals the next block by whichever authority's plan lets it seal first, as a network of honest authorities would. */
async function sealNext(chain: Chain, authorities: readonly KeyPair[]): Promise<{ sealer: string; inTurn: boolean }> {
	const parent = chain.head.header;
	const plans = authorities
		.map((k) => ({ k, plan: chain.propose(k, [], parent.time + 1) }))
		.filter((p) => p.plan !== null)
		.map((p) => ({ k: p.k, at: 'wait' in p.plan! ? p.plan.wait : parent.time + 1 }))
		.sort((a, b) => a.at - b.at);
	const first = plans[0]!;
	const { block } = proposeAt(chain, first.k, [], first.at);
	const r = chain.add(await verified(block), block.header.time);
	expect(r.status).toBe('head');
	return { sealer: toHex(first.k.publicKey), inTurn: (block.header.seal as { difficulty: number }).difficulty === 2 };
}

describe('proof of authority plan', () => {
	for (const n of [3, 4, 5, 7]) {
		it(`with ${n} authorities the rotation is back in turn within two blocks of an out-of-turn block`, async () => {
			const authorities = keys(n);
			const chain = await openChain(poaGenesis(authorities));
			const sorted = getAuthorities(chain.state);
			// Height 1's in-turn authority is sorted[1]; let the next one seal it out of turn.
			const intruder = authorities.find((k) => toHex(k.publicKey) === sorted[2 % n])!;
			const { block } = proposeAt(chain, intruder, [], T0 + 10_000);
			chain.add(await verified(block), block.header.time);
			const turns: boolean[] = [];
			for (let i = 0; i < 2 * n; i++) turns.push((await sealNext(chain, authorities)).inTurn);
			// At most one more block out of turn, then in turn for good.
			expect(turns.slice(2)).toEqual(Array(2 * n - 2).fill(true));
		});
	}
});
