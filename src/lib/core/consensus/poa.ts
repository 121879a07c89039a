/**
 * Proof of authority after Ethereum's Clique (EIP-225). Authorities are a
 * sorted list kept in state (genesis sets it; only state transitions such as
 * an executed DAO proposal change it). The in-turn authority for height h is
 * `authorities[h mod n]` and its block weighs 2; any other authority may seal
 * with weight 1 after a delay, but none may seal more than one of any
 * floor(n/2)+1 consecutive blocks. A block is final once floor(n/2)+1
 * distinct authorities have sealed it or blocks on top of it.
 */
import { toHex, type Hex } from '../bytes.js';
import { AgoraError, fail } from '../errors.js';
import * as s from '../schema.js';
import type { StateTree } from '../state/tree.js';
import type { ConsensusEngine, EngineContext } from './engine.js';
import type { BlockHeader, UnsignedHeader } from '../block/block.js';

export const AUTHORITIES_KEY = 'c/authorities';
const IN_TURN = 2;
const OUT_OF_TURN = 1;

export function getAuthorities(state: StateTree): readonly Hex[] {
	return (state.get(AUTHORITIES_KEY) as Hex[] | undefined) ?? [];
}

export function setAuthorities(state: StateTree, authorities: readonly Hex[]): void {
	if (authorities.length === 0) throw new AgoraError('E_GENESIS', 'a proof-of-authority chain needs at least one authority', 'authorities', authorities);
	state.put(AUTHORITIES_KEY, [...new Set(authorities)].sort());
}

function inTurn(authorities: readonly Hex[], height: number): Hex {
	return authorities[height % authorities.length]!;
}

/** Authorities that sealed one of the last floor(n/2) blocks up to `parent`, and so may not seal now. */
function recentSigners(parent: BlockHeader, n: number, ctx: EngineContext): Set<Hex> {
	const limit = Math.floor(n / 2);
	const recent = new Set<Hex>();
	for (let h = parent.height; h > parent.height - limit && h >= 1; h--) {
		const header = h === parent.height ? parent : ctx.ancestor(h);
		if (header) recent.add(toHex(header.proposer));
	}
	return recent;
}

function readSeal(seal: unknown): number {
	const r = s.exactRecord(seal, 'header.seal', ['difficulty']);
	return s.int(r.difficulty, 'header.seal.difficulty', OUT_OF_TURN, IN_TURN);
}

export const poa: ConsensusEngine = {
	name: 'poa',

	genesis(config, state) {
		const r = s.exactRecord(config, 'genesis.engine', ['name', 'authorities']);
		const list = s.array(r.authorities, 'genesis.engine.authorities', 1024).map((a, i) => toHex(s.bytes(a, `genesis.engine.authorities[${i}]`, 32)));
		if (list.length === 0) fail('E_GENESIS', 'genesis.engine.authorities', list, 'must name at least one authority');
		setAuthorities(state, list);
	},

	genesisSeal() {
		return { difficulty: IN_TURN };
	},

	canSeal(who, ctx) {
		return getAuthorities(ctx.state).includes(who);
	},

	verifySeal(header, parent, ctx) {
		const authorities = getAuthorities(ctx.state);
		const proposer = toHex(header.proposer);
		if (!authorities.includes(proposer)) {
			throw new AgoraError('E_BLOCK_PROPOSER', `proposer ${proposer.slice(0, 16)}… is not an authority`, 'header.proposer', proposer);
		}
		const difficulty = readSeal(header.seal);
		const expected = inTurn(authorities, header.height) === proposer ? IN_TURN : OUT_OF_TURN;
		if (difficulty !== expected) {
			fail('E_BLOCK_SEAL', 'header.seal.difficulty', difficulty, `must be ${expected} for this proposer at height ${header.height}`);
		}
		if (recentSigners(parent, authorities.length, ctx).has(proposer)) {
			throw new AgoraError(
				'E_BLOCK_SEAL',
				`authority ${proposer.slice(0, 16)}… sealed one of the last ${Math.floor(authorities.length / 2)} blocks`,
				'header.proposer',
				proposer
			);
		}
	},

	weight(header) {
		return BigInt(readSeal(header.seal));
	},

	plan(proposer, parent, now, ctx) {
		const authorities = getAuthorities(ctx.state);
		if (!authorities.includes(proposer) || recentSigners(parent, authorities.length, ctx).has(proposer)) return null;
		const height = parent.height + 1;
		const turn = inTurn(authorities, height) === proposer;
		// Out-of-turn authorities wait so the in-turn block usually wins, and among them the one whose own
		// turn is furthest away goes first: an authority that sealed just before its turn would be a recent
		// signer at its turn and push that block out of turn too, so the rotation would never recover.
		const n = authorities.length;
		const untilOwnTurn = (authorities.indexOf(proposer) - (height % n) + n) % n;
		const delay = turn ? 0 : ctx.params.blockTimeMs * (n - untilOwnTurn);
		// The wait runs from the parent's time, not from now: counted from now it would never be over, and
		// the chain would stall whenever the in-turn authority is offline.
		return { seal: { difficulty: turn ? IN_TURN : OUT_OF_TURN }, notBefore: parent.time + 1 + delay };
	},

	finishSeal(header) {
		return header;
	},

	finalizedHeight(head, previous, ctx) {
		const need = Math.floor(getAuthorities(ctx.state).length / 2) + 1;
		const signers = new Set<Hex>();
		for (let h = head.height; h > previous && h >= 1; h--) {
			const header = h === head.height ? head : ctx.ancestor(h);
			if (!header) break;
			signers.add(toHex(header.proposer));
			if (signers.size >= need) return h;
		}
		return previous;
	}
};

export type { UnsignedHeader };
