/**
 * Typed errors for everything the core rejects. Every error carries a stable
 * code (for programs and tests), the field that was wrong and the offending
 * value (for people reading logs), in the style of hypercore's named errors.
 */

export type ErrorCode =
	// encoding
	| 'E_DECODE'
	| 'E_NON_CANONICAL'
	| 'E_ENCODE'
	| 'E_SCHEMA'
	// transactions
	| 'E_TX_CHAIN'
	| 'E_TX_SIGNATURE'
	| 'E_TX_EXPIRED'
	| 'E_TX_FUTURE'
	| 'E_TX_LIFETIME'
	| 'E_TX_NONCE'
	| 'E_TX_FEE'
	| 'E_TX_BALANCE'
	| 'E_TX_SIZE'
	| 'E_TX_KIND'
	| 'E_TX_DUPLICATE'
	| 'E_TX_NOT_ALLOWED'
	/** Equivocation evidence that proves nothing (votes from two senders, for two heights, for one block). */
	| 'E_TX_EVIDENCE'
	// message queue
	/** A message, delivery or topic the transaction names does not exist. */
	| 'E_MSG_UNKNOWN'
	/** The message is not in a status that allows this (acking an expired message, nacking one not in flight). */
	| 'E_MSG_STATE'
	/** The sender has used its message quota for the current window. */
	| 'E_MSG_QUOTA'
	/** An ordered message's sequence number was already used, skipped or is too far ahead. */
	| 'E_MSG_SEQUENCE'
	// governance
	/** The proposal the transaction names does not exist. */
	| 'E_DAO_PROPOSAL'
	/** The proposal's status does not allow this (voting before it opens or after it closed, executing twice, cancelling after ballots). */
	| 'E_DAO_STATUS'
	/** Executing a passed proposal before its timelock has run out. */
	| 'E_DAO_TIMELOCK'
	/** A ballot that does not fit the proposal's rule, or a voter without weight in the snapshot. */
	| 'E_DAO_BALLOT'
	/** A delegation to oneself, to a non-member, that would close a cycle, or a revocation of none. */
	| 'E_DAO_DELEGATION'
	// blocks and chain
	| 'E_BLOCK_SIGNATURE'
	| 'E_BLOCK_PARENT'
	| 'E_BLOCK_HEIGHT'
	| 'E_BLOCK_TIME'
	| 'E_BLOCK_TX_ROOT'
	| 'E_BLOCK_STATE_ROOT'
	| 'E_BLOCK_PROPOSER'
	| 'E_BLOCK_SEAL'
	| 'E_BLOCK_SIZE'
	| 'E_BLOCK_CLOCK'
	| 'E_BLOCK_CHAIN'
	| 'E_BLOCK_FINALITY'
	| 'E_GENESIS'
	// export files: framing, order and integrity
	| 'E_EXPORT'
	// keys, storage, network
	| 'E_KEY'
	| 'E_PASSPHRASE'
	| 'E_STORE'
	| 'E_FRAME'
	| 'E_PEER'
	// the network simulator
	/** A simulated community did not agree on the requested chain in the virtual time allowed. */
	| 'E_SIM_STALLED';

export class AgoraError extends Error {
	override readonly name = 'AgoraError';
	constructor(
		readonly code: ErrorCode,
		message: string,
		readonly field?: string,
		readonly value?: unknown
	) {
		super(message);
	}

	/** A plain object that survives postMessage and JSON. */
	toJSON(): { code: ErrorCode; message: string; field?: string; value?: string } {
		return {
			code: this.code,
			message: this.message,
			...(this.field === undefined ? {} : { field: this.field }),
			...(this.value === undefined ? {} : { value: describeValue(this.value) })
		};
	}
}

/** Throws an AgoraError naming the field and showing the value. */
export function fail(code: ErrorCode, field: string, value: unknown, why: string): never {
	throw new AgoraError(code, `${field} ${why} (got ${describeValue(value)})`, field, value);
}

/** A short, printable rendering of any value, for error messages. */
export function describeValue(value: unknown): string {
	if (value instanceof Uint8Array) {
		const hex = Array.from(value.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
		return `bytes[${value.length}] ${hex}${value.length > 16 ? '…' : ''}`;
	}
	if (typeof value === 'string') return JSON.stringify(value.length > 64 ? value.slice(0, 64) + '…' : value);
	if (typeof value === 'bigint') return `${value}n`;
	if (value === null || typeof value !== 'object') return String(value);
	if (Array.isArray(value)) return `array[${value.length}]`;
	return 'object';
}

export function isAgoraError(e: unknown): e is AgoraError {
	return e instanceof AgoraError;
}
