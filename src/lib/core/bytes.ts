/** Byte helpers shared by the whole core: hex, UTF-8, comparison, concatenation. */
import { bytesToHex, hexToBytes, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { fail } from './errors.js';

export type Bytes = Uint8Array;
/** Lower-case hex of a 32-byte hash or key; used as map keys and in the UI. */
export type Hex = string;

export { concatBytes as concat, utf8ToBytes as utf8 };

export function toHex(bytes: Bytes): Hex {
	return bytesToHex(bytes);
}

/** Parses lower- or upper-case hex, naming the field when it is malformed. */
export function fromHex(hex: string, field = 'hex', length?: number): Bytes {
	if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
		fail('E_SCHEMA', field, hex, 'is not an even-length hex string');
	}
	const bytes = hexToBytes(hex);
	if (length !== undefined && bytes.length !== length) fail('E_SCHEMA', field, hex, `must be ${length} bytes`);
	return bytes;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
export function fromUtf8(bytes: Bytes): string {
	return decoder.decode(bytes);
}

export function equalBytes(a: Bytes, b: Bytes): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
	return diff === 0;
}

/** Lexicographic order, shorter first on a common prefix. */
export function compareBytes(a: Bytes, b: Bytes): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) {
		if (a[i] !== b[i]) return a[i]! - b[i]!;
	}
	return a.length - b.length;
}

export function isBytes(value: unknown, length?: number): value is Bytes {
	return value instanceof Uint8Array && (length === undefined || value.length === length);
}

/** Big-endian unsigned 32-bit integer. */
export function u32(n: number): Bytes {
	const out = new Uint8Array(4);
	new DataView(out.buffer).setUint32(0, n >>> 0);
	return out;
}

/** Big-endian unsigned 64-bit integer from a safe integer. */
export function u64(n: number): Bytes {
	const out = new Uint8Array(8);
	new DataView(out.buffer).setBigUint64(0, BigInt(n));
	return out;
}
