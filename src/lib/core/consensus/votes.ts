/**
 * Votes and vote finality in state, for engines whose finality counts votes
 * (PoS, FBA). Everything here is per branch, because it is state.
 *
 * A vote for height h weighs what its validator weighed in the set that
 * judged block h, the set as of h's parent, never the set at the time the
 * vote is included: otherwise a validator could vote, move its stake to a
 * second key and vote again with the same stake. The set is snapshotted at
 * the end of every block in which it changed (a linked list newest first),
 * and looked up by height.
 *
 * Finality is incremental: a vote adds its weight to the tally of its
 * height, and when the tally passes 2/3 of that height's set the height is
 * final (with all below it). Nothing scans state: the cost of a vote is a few
 * reads and writes, and finality is one read. Once a height is final its
 * votes, tally and the snapshots nobody can ask for any more are deleted, so
 * state does not grow with the chain.
 *
 * Keys:
 *   c/final               { height, block } highest height final by votes
 *   c/vset                `since` of the newest validator snapshot
 *   c/vset/<since>        { prev, total, weights: { key: weight } }: the set judging blocks from `since` on
 *   c/tally/<h>           { block, weight }: votes for the block at h on this branch
 *   c/vote/<h>/<voter>    the weight the voter's vote for h counted
 */
import type { Hex } from '../bytes.js';
import { AgoraError } from '../errors.js';
import type { StateTree } from '../state/tree.js';
import type { Validator } from './engine.js';

export interface VoterSnapshot {
	/** The first height this set judges. */
	readonly since: number;
	readonly total: number;
	readonly weights: Readonly<Record<Hex, number>>;
}

export interface Tally {
	readonly block: Hex;
	readonly weight: number;
}

export interface VotedFinality {
	readonly height: number;
	readonly block: Hex;
}

interface StoredSnapshot {
	/** `since` of the snapshot before this one, or null. */
	readonly prev: number | null;
	readonly total: number;
	readonly weights: Readonly<Record<Hex, number>>;
}

const FINAL_KEY = 'c/final';
const SET_HEAD_KEY = 'c/vset';
const setKey = (since: number): string => `c/vset/${since}`;
const tallyKey = (height: number): string => `c/tally/${height}`;
const voteKey = (height: number, voter: Hex): string => `c/vote/${height}/${voter}`;

const NOT_FINAL: VotedFinality = { height: 0, block: '' };

function storedAt(state: StateTree, since: number): StoredSnapshot {
	return state.get(setKey(since)) as unknown as StoredSnapshot;
}

/** The validator set that judges blocks at `height` (and so weighs votes for them), if still kept. */
export function validatorsAt(state: StateTree, height: number): VoterSnapshot | undefined {
	let since = state.get(SET_HEAD_KEY) as number | undefined;
	while (since !== undefined && since > height) since = storedAt(state, since).prev ?? undefined;
	if (since === undefined) return undefined;
	const { total, weights } = storedAt(state, since);
	return { since, total, weights };
}

function sameSet(weights: Readonly<Record<Hex, number>>, validators: readonly Validator[]): boolean {
	if (Object.keys(weights).length !== validators.length) return false;
	return validators.every((v) => weights[v.key] === v.weight);
}

/**
 * Records `validators` as the set judging blocks from height `since` on,
 * unless it equals the newest snapshot. Called at genesis (since 1) and at
 * the end of every block h (since h + 1).
 */
export function recordValidators(state: StateTree, since: number, validators: readonly Validator[]): void {
	const head = state.get(SET_HEAD_KEY) as number | undefined;
	if (head !== undefined && sameSet(storedAt(state, head).weights, validators)) return;
	let total = 0;
	const weights: Record<Hex, number> = {};
	for (const v of validators) {
		total += v.weight;
		weights[v.key] = v.weight;
	}
	if (!Number.isSafeInteger(total)) throw new AgoraError('E_TX_BALANCE', `the validators' total weight ${total} is not a safe integer`, 'weight', total);
	state.put(setKey(since), { prev: head ?? null, total, weights });
	state.put(SET_HEAD_KEY, since);
}

export function votedFinality(state: StateTree): VotedFinality {
	return (state.get(FINAL_KEY) as unknown as VotedFinality | undefined) ?? NOT_FINAL;
}

export function getTally(state: StateTree, height: number): Tally | undefined {
	return state.get(tallyKey(height)) as unknown as Tally | undefined;
}

/** The weight `voter`'s vote for `height` counted, if it voted on this branch (and the height is not final yet). */
export function getVote(state: StateTree, height: number, voter: Hex): number | undefined {
	return state.get(voteKey(height, voter)) as number | undefined;
}

/** More than 2/3 of `total`, in integers (bigint: 3 × a large stake leaves the safe integers). */
export function isSupermajority(weight: number, total: number): boolean {
	return BigInt(weight) * 3n > BigInt(total) * 2n;
}

/**
 * Counts a checked vote (see state/consensus.ts for the rules) with the
 * weight it has in `set`; finalizes its height when the tally passes 2/3.
 */
export function countVote(state: StateTree, height: number, block: Hex, voter: Hex, set: VoterSnapshot): void {
	const weight = set.weights[voter]!;
	const tally = (getTally(state, height)?.weight ?? 0) + weight;
	state.put(voteKey(height, voter), weight);
	state.put(tallyKey(height), { block, weight: tally });
	if (isSupermajority(tally, set.total)) finalize(state, height, block);
}

function finalize(state: StateTree, height: number, block: Hex): void {
	const previous = votedFinality(state).height;
	state.put(FINAL_KEY, { height, block });
	for (let h = previous + 1; h <= height; h++) {
		if (!getTally(state, h)) continue;
		for (const voter of Object.keys(validatorsAt(state, h)!.weights)) {
			if (state.has(voteKey(h, voter))) state.put(voteKey(h, voter), undefined);
		}
		state.put(tallyKey(h), undefined);
	}
	pruneSnapshots(state, height + 1);
}

/** Deletes the snapshots older than the one judging `from`: votes for heights before it are refused. */
function pruneSnapshots(state: StateTree, from: number): void {
	const keep = validatorsAt(state, from)!.since;
	let since = storedAt(state, keep).prev;
	if (since === null) return;
	state.put(setKey(keep), { ...storedAt(state, keep), prev: null });
	while (since !== null) {
		const prev: number | null = storedAt(state, since).prev;
		state.put(setKey(since), undefined);
		since = prev;
	}
}
