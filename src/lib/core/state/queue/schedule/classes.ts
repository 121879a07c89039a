/**
 * Choosing among the five priority classes of one inbox, by the algorithm
 * the priority policy names. Each class offers its head (the message the
 * sender-level order puts first); a pure function picks the class to serve
 * and returns the class-level state after serving it. With five classes every
 * algorithm is O(1) per choice:
 *
 * - `strict`: the highest-priority class that has a message.
 * - `weightedFair`: self-clocked fair queuing over the classes. A class that
 *   starts to wait gets the finish tag V + K/w (V: the tag last served, w:
 *   the class weight), the class with the lowest tag is served, and its next
 *   head's tag is its last plus K/w. Under backlog each class gets messages in
 *   proportion to its weight; none starves.
 * - `deficitRoundRobin`: classes take turns in priority order; a turn adds the
 *   class's quantum (`drrQuantumBytes` times its weight over the lowest
 *   weight) to its deficit, and the class sends messages while its deficit
 *   covers their size in bytes. Turns that send nothing are computed, not
 *   walked, so a small quantum costs nothing. Byte shares follow the weights.
 * - `adaptive`: the reference's equitable priority, evaluated when a choice is
 *   made: weight × (1 + age bonus) × (1 + fee bonus) × the sender's weight
 *   after the anti-monopoly penalty; the highest score wins.
 *
 * Ties go to the higher priority. A head may be offered as not eligible (the
 * sender that just had `maxConsecutive` turns is the only one waiting in that
 * class): the class keeps its place but cannot be chosen this time.
 */
import { PPM } from '../../../params.js';
import { PRIORITIES, type PriorityPolicy } from '../../policy.js';
import { ageBonusPpm } from './fairness.js';

export const CLASS_COUNT = PRIORITIES.length;

export interface ClassHead {
	/** Size in bytes of the head message (deficit round robin). */
	readonly size: number;
	readonly bonusPpm: number;
	/** When the head started to wait in the scheduler (ageing). */
	readonly readyAt: number;
	/** Its sender's weight after the anti-monopoly penalty. */
	readonly weightPpm: number;
	readonly eligible: boolean;
}

/** Index i is the class PRIORITIES[i]. Plain data, so it lives in state. */
export interface ClassState {
	/** Weighted fair: the tag last served, and each waiting class's head tag (null: not waiting). */
	readonly vtime: number;
	readonly finish: ReadonlyArray<number | null>;
	/** Deficit round robin: each class's credit in bytes, and the class whose turn it is (-1: none yet). */
	readonly deficit: readonly number[];
	readonly current: number;
}

export const IDLE_CLASSES: ClassState = {
	vtime: 0,
	finish: Array<number | null>(CLASS_COUNT).fill(null),
	deficit: Array<number>(CLASS_COUNT).fill(0),
	current: -1
};

/** The virtual time a message costs in a class of weight w. */
export const CLASS_UNIT = 1_000_000_000;
const classCost = (weight: number): number => Math.max(1, Math.floor(CLASS_UNIT / weight));

function weightsOf(policy: PriorityPolicy): number[] {
	return PRIORITIES.map((p) => policy.weights[p]);
}

function quantumOf(policy: PriorityPolicy, weights: readonly number[], rank: number): number {
	const min = Math.min(...weights);
	const q = (BigInt(policy.drrQuantumBytes) * BigInt(weights[rank]!)) / BigInt(min);
	return Number(q > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : q);
}

export interface ClassChoice {
	readonly rank: number;
	readonly state: ClassState;
}

/**
 * Picks the class to serve among `heads` (null: the class is empty) and
 * returns it with the state after serving its head; null when no head is
 * eligible. Pure: the same arguments always give the same answer.
 */
export function serveClass(policy: PriorityPolicy, state: ClassState, heads: ReadonlyArray<ClassHead | null>, now: number): ClassChoice | null {
	const eligible = heads.map((h) => h !== null && h.eligible);
	if (!eligible.includes(true)) return null;
	const weights = weightsOf(policy);
	switch (policy.algorithm) {
		case 'strict':
			return { rank: eligible.indexOf(true), state };
		case 'weightedFair':
			return weightedFair(state, heads, eligible, weights);
		case 'deficitRoundRobin':
			return deficitRoundRobin(policy, state, heads, eligible, weights);
		case 'adaptive':
			return { rank: adaptive(policy, heads, eligible, weights, now), state };
	}
}

function weightedFair(state: ClassState, heads: ReadonlyArray<ClassHead | null>, eligible: readonly boolean[], weights: readonly number[]): ClassChoice {
	const waiting = heads.some((h, c) => h !== null && state.finish[c] !== null);
	// An inbox that had nothing waiting starts its virtual time over.
	const vtime = waiting ? state.vtime : 0;
	const finish = heads.map((h, c) => (h === null ? null : (state.finish[c] ?? vtime + classCost(weights[c]!))));
	let rank = -1;
	for (let c = 0; c < finish.length; c++) {
		if (eligible[c] && (rank < 0 || finish[c]! < finish[rank]!)) rank = c;
	}
	const served = finish[rank]!;
	finish[rank] = served + classCost(weights[rank]!);
	return { rank, state: { ...state, vtime: served, finish } };
}

function deficitRoundRobin(
	policy: PriorityPolicy,
	state: ClassState,
	heads: ReadonlyArray<ClassHead | null>,
	eligible: readonly boolean[],
	weights: readonly number[]
): ClassChoice {
	// An empty class loses its credit, as in DRR.
	const deficit = heads.map((h, c) => (h === null ? 0 : state.deficit[c]!));
	const cur = state.current;
	if (cur >= 0 && eligible[cur] && deficit[cur]! >= heads[cur]!.size) {
		deficit[cur] = deficit[cur]! - heads[cur]!.size;
		return { rank: cur, state: { ...state, deficit } };
	}
	// The current turn is over. Visits go round in priority order from the class after it (the current
	// class itself comes last); visit k of the class at position i (1..n) is the (k-1)·n + i-th visit overall.
	const n = heads.length;
	const position = (c: number): number => ((c - cur - 1 + 2 * n) % n) + 1;
	let rank = -1;
	let best = Infinity;
	for (let c = 0; c < n; c++) {
		if (!eligible[c]) continue;
		const need = heads[c]!.size - deficit[c]!;
		const visits = Math.max(1, Math.ceil(need / quantumOf(policy, weights, c)));
		const at = (visits - 1) * n + position(c);
		if (at < best) [rank, best] = [c, at];
	}
	// Every waiting class collects its quantum for each of its visits up to and including the chosen one.
	for (let c = 0; c < n; c++) {
		if (heads[c] === null) continue;
		const p = position(c);
		const visits = p <= best ? Math.floor((best - p) / n) + 1 : 0;
		deficit[c] = deficit[c]! + visits * quantumOf(policy, weights, c);
	}
	deficit[rank] = deficit[rank]! - heads[rank]!.size;
	return { rank, state: { ...state, deficit, current: rank } };
}

function adaptive(policy: PriorityPolicy, heads: ReadonlyArray<ClassHead | null>, eligible: readonly boolean[], weights: readonly number[], now: number): number {
	let rank = -1;
	let best = -1n;
	for (let c = 0; c < heads.length; c++) {
		if (!eligible[c]) continue;
		const h = heads[c]!;
		const score =
			BigInt(weights[c]!) * BigInt(PPM + ageBonusPpm(policy, now - h.readyAt)) * BigInt(PPM + h.bonusPpm) * BigInt(h.weightPpm);
		if (score > best) [rank, best] = [c, score];
	}
	return rank;
}
