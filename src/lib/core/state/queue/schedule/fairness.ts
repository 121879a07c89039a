/**
 * The priority policy's adjustments as integer arithmetic (parts per
 * million), shared by every scheduling algorithm:
 * - anti-monopoly: a sender's weight falls by 1/`monopolyPer` for every
 *   message it sent in the current quota window, by at most `monopolyMaxPpm`,
 *   and `fairnessPpm` scales how strongly (0 turns it off, PPM applies it as
 *   written, more makes it harsher); it never falls below 0.1%;
 * - fee bonus: paying above the required fee buys (fee - required) /
 *   `feeBonusPer`, at most `feeBonusMaxPpm` (the fee is kept, never lowered);
 * - ageing: waiting raises a message by `ageMaxPpm` over `agePeriodMs`, no more.
 */
import { PPM } from '../../../params.js';
import type { PriorityPolicy } from '../../policy.js';

export const MIN_WEIGHT_PPM = 1000;

function ratioPpm(numerator: number, denominator: number, max: number): number {
	return Number(BigInt(Math.min(numerator, denominator)) * BigInt(max) / BigInt(denominator));
}

export function senderWeightPpm(policy: PriorityPolicy, sentInWindow: number): number {
	const penalty = Math.min(ratioPpm(sentInWindow, policy.monopolyPer, PPM), policy.monopolyMaxPpm);
	const scaled = Number((BigInt(penalty) * BigInt(policy.fairnessPpm)) / BigInt(PPM));
	return Math.max(PPM - scaled, MIN_WEIGHT_PPM);
}

export function feeBonusPpm(policy: PriorityPolicy, offered: number, required: number): number {
	if (offered <= required) return 0;
	return Math.min(Number((BigInt(offered - required) * BigInt(PPM)) / BigInt(policy.feeBonusPer)), policy.feeBonusMaxPpm);
}

export function ageBonusPpm(policy: PriorityPolicy, waitedMs: number): number {
	if (waitedMs <= 0) return 0;
	return ratioPpm(waitedMs, policy.agePeriodMs, policy.ageMaxPpm);
}

/** Virtual time one message of a full-weight sender, with no bonus, costs its flow. */
export const FLOW_UNIT = 1000;

/**
 * The virtual-time cost of a message within its class: FLOW_UNIT, made
 * cheaper by its fee bonus and dearer by its sender's lost weight. At most
 * FLOW_UNIT × 1000 per message, so a class's virtual time stays a safe
 * integer for billions of messages (and restarts from 0 whenever it empties).
 */
export function flowCost(bonusPpm: number, weightPpm: number): number {
	const unit = BigInt(FLOW_UNIT) * BigInt(PPM) * BigInt(PPM);
	return Math.max(1, Number(unit / (BigInt(PPM + bonusPpm) * BigInt(Math.max(weightPpm, MIN_WEIGHT_PPM)))));
}
