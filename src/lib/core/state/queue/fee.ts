/**
 * The fee a message must offer under the fee policy: the reference formula
 * in integers, with a progressive floor and a fan-out share.
 *
 *   fee = max(minimumFee, floor(baseFee × min(bytes, maxSizeUnits × sizeUnitBytes) / sizeUnitBytes
 *                               × priority × priorityScale × guarantee))
 *
 * (the multipliers in parts per million, the product computed exactly and
 * floored once). Progressive: a message of at most `freeBytes` from a sender
 * that sent fewer than `smallSenderMessages` in the current quota window pays
 * only `minimumFee`. A topic message reaching n subscribers then pays
 * (n − 1) × `fanoutPpm` of that on top, since each delivery is work and state.
 */
import { PPM } from '../../params.js';
import type { FeePolicy, Guarantee, Priority } from '../policy.js';

export interface FeeInput {
	readonly bytes: number;
	readonly priority: Priority;
	readonly guarantee: Guarantee;
	/** Deliveries it makes (1 for a direct message; at least 1 is charged). */
	readonly recipients: number;
	/** Messages its sender sent earlier in the current quota window. */
	readonly sentInWindow: number;
}

export function requiredFee(policy: FeePolicy, m: FeeInput): number {
	const small = m.bytes <= policy.freeBytes && m.sentInWindow < policy.smallSenderMessages;
	const sized = BigInt(Math.min(m.bytes, policy.maxSizeUnits * policy.sizeUnitBytes));
	const product =
		(BigInt(policy.baseFee) * sized * BigInt(policy.priorityPpm[m.priority]) * BigInt(policy.priorityScalePpm) * BigInt(policy.guaranteePpm[m.guarantee])) /
		(BigInt(policy.sizeUnitBytes) * BigInt(PPM) ** 3n);
	const base = small ? BigInt(policy.minimumFee) : product > BigInt(policy.minimumFee) ? product : BigInt(policy.minimumFee);
	const fanout = BigInt(PPM) + BigInt(policy.fanoutPpm) * BigInt(Math.max(1, m.recipients) - 1);
	const fee = (base * fanout) / BigInt(PPM);
	if (fee > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
	return Number(fee);
}
