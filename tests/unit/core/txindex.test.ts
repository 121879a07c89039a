/**
 * The chain's transaction index is built when a lookup needs it, not as
 * blocks are added. Whatever the order of additions, reorganisations and
 * lookups, a lookup must answer as an index kept up to date at every step:
 * the canonical block and position of every canonical transaction, and
 * nothing for a transaction that only a side branch holds.
 */
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../../src/lib/core/bytes.js';
import type { Chain } from '../../../src/lib/core/chain.js';
import type { Block } from '../../../src/lib/core/block/block.js';
import type { KeyPair } from '../../../src/lib/core/keys.js';
import { txIdHex, type Tx } from '../../../src/lib/core/tx/tx.js';
import { key, keys, makeTx, openChain, poaGenesis, proposeAt, T0, verified } from '../../helpers/community.js';

const LATER = T0 + 10_000_000;
const AUTHS = keys(3, 20);
/** s[h % 3] is in turn at height h (the engine sorts authorities). */
const S = [...AUTHS].sort((x, y) => compareBytes(x.publicKey, y.publicKey)) as [KeyPair, KeyPair, KeyPair];
const dave = key(30);
const erin = key(31);
const G3 = poaGenesis(AUTHS, { allocations: [dave, erin].map((k) => ({ key: k.publicKey, amount: 1000 })) });

async function add(chain: Chain, block: Block): Promise<string> {
	return chain.add(await verified(block), LATER).status;
}

/** Branch X: S0 out of turn at height 1 (weight 1), S2 in turn at 2; branch Y: S1 in turn at height 1 (weight 2). */
async function branches() {
	const ref = await openChain(G3);
	const shared = makeTx(ref, erin, 0, 'member.join', { name: 'erin' });
	const onlyX = makeTx(ref, dave, 0, 'member.join', { name: 'dave' });
	const laterX = makeTx(ref, dave, 1, 'post', { text: 'on x' });
	const onlyY = makeTx(ref, erin, 1, 'post', { text: 'on y' });
	const bx = await openChain(G3);
	const x1 = proposeAt(bx, S[0], [onlyX, shared], T0 + 2000).block;
	await add(bx, x1);
	const x2 = proposeAt(bx, S[2], [laterX], x1.header.time + 1000).block;
	const y1 = proposeAt(await openChain(G3), S[1], [shared, onlyY], T0 + 2000).block;
	return { x1, x2, y1, shared, onlyX, laterX, onlyY };
}

function where(chain: Chain, tx: Tx): { height: number; index: number } | undefined {
	const at = chain.findTx(txIdHex(tx));
	return at && { height: at.block.height, index: at.index };
}

describe('transaction index', () => {
	it('answers after reorganisations it never saw happen', async () => {
		const { x1, x2, y1, shared, onlyX, laterX, onlyY } = await branches();
		const chain = await openChain(G3);
		expect(await add(chain, x1)).toBe('head');
		expect(await add(chain, y1)).toBe('head');
		expect(await add(chain, x2)).toBe('head');
		// No lookup so far: the first one sees only the chain as it ended up.
		expect(where(chain, onlyY)).toBeUndefined();
		expect(where(chain, onlyX)).toEqual({ height: 1, index: 0 });
		expect(where(chain, shared)).toEqual({ height: 1, index: 1 });
		expect(where(chain, laterX)).toEqual({ height: 2, index: 0 });
	});

	it('drops what a reorganisation takes away after a lookup had indexed it', async () => {
		const { x1, x2, y1, shared, onlyX, onlyY } = await branches();
		const chain = await openChain(G3);
		await add(chain, x1);
		expect(where(chain, onlyX)).toEqual({ height: 1, index: 0 });
		expect(await add(chain, y1)).toBe('head');
		expect(where(chain, onlyX)).toBeUndefined();
		expect(where(chain, shared)).toEqual({ height: 1, index: 0 });
		expect(where(chain, onlyY)).toEqual({ height: 1, index: 1 });
		expect(await add(chain, x2)).toBe('head');
		expect(where(chain, onlyY)).toBeUndefined();
		expect(where(chain, shared)).toEqual({ height: 1, index: 1 });
	});
});
