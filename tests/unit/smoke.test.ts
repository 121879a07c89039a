import { describe, expect, it } from 'vitest';
import { key, genesisFor, openChain, makeTx, seal, T0 } from '../helpers/community.js';
import { isMember } from '../../src/lib/core/state/members.js';
import { toHex } from '../../src/lib/core/bytes.js';

describe('smoke', () => {
	it('joins and posts', async () => {
		const a = key(0), b = key(1);
		const chain = await openChain(genesisFor(a));
		await seal(chain, a, [makeTx(chain, b, 0, 'member.join', { name: 'bee' }), makeTx(chain, b, 1, 'post', { text: 'hi' })], T0 + 2000);
		expect(chain.height).toBe(1);
		expect(isMember(chain.state, toHex(b.publicKey))).toBe(true);
		expect(chain.finalized.height).toBe(1);
	});
});
