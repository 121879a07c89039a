/**
 * The one canonical encoding: deterministic CBOR (RFC 8949 §4.2, bytewise map
 * key order) through cborg. Everything that is hashed or signed goes through
 * `encode`; everything that arrives from outside goes through `decode`, which
 * accepts only bytes that `encode` itself would produce, so one value has
 * exactly one encoding and a hash or signature can never be re-wrapped.
 *
 * Numbers must be safe integers: floats, NaN, bigints and undefined have no
 * place in consensus data (ratios are stored as parts per million). Strings
 * must be well-formed Unicode.
 */
import { encode as cborEncode, decode as cborDecode } from 'cborg';
import type { EncodeOptions, DecodeOptions, TypeEncoder } from 'cborg';
import { AgoraError, describeValue } from './errors.js';
import { equalBytes, type Bytes } from './bytes.js';

/** A value the codec can carry. */
export type Encodable =
	| null
	| boolean
	| number
	| string
	| Uint8Array
	| readonly Encodable[]
	| { readonly [key: string]: Encodable };

const rejectNumber: TypeEncoder = (value) => {
	if (!Number.isSafeInteger(value)) {
		throw new AgoraError('E_ENCODE', `only safe integers can be encoded (got ${describeValue(value)})`, 'number', value);
	}
	return null;
};
/*
 * A string with a lone surrogate is not Unicode: UTF-8 would carry it as
 * U+FFFD, so two different strings would share one encoding (and one hash or
 * signature) and the value read back would not be the value signed.
 */
const rejectIllFormedString: TypeEncoder = (value) => {
	if (!(value as string).isWellFormed()) {
		throw new AgoraError('E_ENCODE', `strings must be well-formed Unicode (got ${describeValue(value)}, which has a lone surrogate)`, 'string', value);
	}
	// A leading byte-order mark is dropped by UTF-8 decoders (cborg's included): the string read back would differ.
	if ((value as string).charCodeAt(0) === 0xfeff) {
		throw new AgoraError('E_ENCODE', `strings must not start with a byte-order mark (got ${describeValue(value)})`, 'string', value);
	}
	return null;
};
const reject =
	(what: string): TypeEncoder =>
	(value) => {
		throw new AgoraError('E_ENCODE', `${what} cannot be encoded`, what, value);
	};

/*
 * Map keys are ordered by cborg's default sorter: by the length of their
 * UTF-8, then bytewise. Every key here is a text string (objects have no
 * other keys; Map is rejected), and a text key's encoding opens with a head
 * that grows with that length, so this is exactly RFC 8949's bytewise order
 * of the encoded keys, byte for byte what `rfc8949EncodeOptions` gives, but
 * without encoding each key apart to compare it and on cborg's direct path,
 * which costs a fraction of the token path that sorter takes.
 */
const encodeOptions: EncodeOptions = {
	typeEncoders: {
		number: rejectNumber,
		string: rejectIllFormedString,
		bigint: reject('bigint'),
		undefined: reject('undefined'),
		Map: reject('Map')
	}
};

const decodeOptions: DecodeOptions = {
	strict: true,
	allowIndefinite: false,
	allowUndefined: false,
	allowInfinity: false,
	allowNaN: false,
	allowBigInt: false,
	rejectDuplicateMapKeys: true,
	useMaps: false
};

export function encode(value: Encodable): Bytes {
	let out: Bytes;
	try {
		out = cborEncode(value, encodeOptions);
	} catch (e) {
		if (e instanceof AgoraError) throw e;
		throw new AgoraError('E_ENCODE', `cannot encode value: ${(e as Error).message}`, 'value', value);
	}
	// Under Node, cborg hands some outputs over as a Buffer cut from Node's shared pool, whose slice() is a
	// view rather than a copy (and whose type differs from the browser's): give every caller a plain
	// Uint8Array, as in the browser.
	return Object.getPrototypeOf(out) === Uint8Array.prototype ? out : new Uint8Array(out);
}

/**
 * Decodes canonical CBOR. Throws E_DECODE for malformed bytes and
 * E_NON_CANONICAL for well-formed bytes that are not the canonical encoding
 * of the value they carry (unsorted keys, floats, padding, trailing bytes).
 */
export function decode(bytes: Bytes): unknown {
	if (!(bytes instanceof Uint8Array)) throw new AgoraError('E_DECODE', 'input must be a Uint8Array', 'bytes', bytes);
	let value: unknown;
	try {
		value = cborDecode(bytes, decodeOptions);
	} catch (e) {
		throw new AgoraError('E_DECODE', `malformed CBOR: ${(e as Error).message}`, 'bytes', bytes);
	}
	let again: Bytes;
	try {
		again = cborEncode(value, encodeOptions);
	} catch {
		throw new AgoraError('E_NON_CANONICAL', 'CBOR carries a value outside the canonical subset', 'bytes', bytes);
	}
	if (!equalBytes(again, bytes)) {
		throw new AgoraError('E_NON_CANONICAL', 'CBOR is not in canonical form', 'bytes', bytes);
	}
	return value;
}

/*
 * Slicing canonical encodings. These read only the structure of bytes the
 * codec above wrote or accepted (heads and lengths), to reuse the encoding
 * of a record's parts instead of encoding them again.
 */
const MAJOR_BYTES = 0x40;
const MAJOR_TEXT = 0x60;
const MAJOR_ARRAY = 0x80;
const MAJOR_MAP = 0xa0;
const TWO_32 = 0x1_0000_0000;

function encodedBytesLength(length: number): number {
	return (length < 24 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : length < TWO_32 ? 5 : 9) + length;
}

/**
 * `prefix`, then the encoding of an array without its last item, cut from
 * the encoding of the whole array (1 to 23 items) whose last item is the
 * byte string `last`. This is how the payload a signature covers comes from
 * a signed record's cached encoding (the record is the payload plus the
 * signature) without encoding it again.
 */
export function withoutLastBytes(encodedArray: Bytes, last: Bytes, prefix: Bytes): Bytes {
	const head = encodedArray[0]!;
	const cut = encodedArray.length - encodedBytesLength(last.length);
	if (head <= MAJOR_ARRAY || head >= MAJOR_ARRAY + 24 || cut < 1) {
		throw new AgoraError('E_ENCODE', 'expected the encoding of an array of 1 to 23 items ending in the given bytes', 'bytes', encodedArray);
	}
	const out = new Uint8Array(prefix.length + cut);
	out.set(prefix);
	out[prefix.length] = head - 1;
	out.set(encodedArray.subarray(1, cut), prefix.length + 1);
	return out;
}

/** Where the content of the item at `at` starts, past its head. */
function contentAt(bytes: Bytes, at: number): number {
	const info = bytes[at]! & 0x1f;
	return at + (info < 24 ? 1 : info === 24 ? 2 : info === 25 ? 3 : info === 26 ? 5 : 9);
}

/** The argument of the head at `at`: a length, a count or an integer. */
function headArgument(bytes: Bytes, at: number): number {
	const info = bytes[at]! & 0x1f;
	if (info < 24) return info;
	let n = 0;
	for (let i = at + 1, end = contentAt(bytes, at); i < end; i++) n = n * 256 + bytes[i]!;
	return n;
}

/** Where the item starting at `at` ends, in bytes that `decode` has accepted. */
function itemEnd(bytes: Bytes, at: number): number {
	const major = bytes[at]! & 0xe0;
	const content = contentAt(bytes, at);
	if (major === MAJOR_BYTES || major === MAJOR_TEXT) return content + headArgument(bytes, at);
	if (major !== MAJOR_ARRAY && major !== MAJOR_MAP) return content;
	let end = content;
	for (let i = (major === MAJOR_MAP ? 2 : 1) * headArgument(bytes, at); i > 0; i--) end = itemEnd(bytes, end);
	return end;
}

/**
 * The canonical head of an array of `count` items: what comes before the
 * items' own encodings, so that a record can be joined from parts already
 * encoded (the inverse of `arrayItemOffsets`).
 */
export function arrayHead(count: number): Bytes {
	// The count fits the head's low bits (< 24) or follows it in 1, 2 or 4 bytes (additional information 24, 25, 26).
	if (count < 24) return Uint8Array.of(MAJOR_ARRAY | count);
	if (count < 0x100) return Uint8Array.of(MAJOR_ARRAY | 24, count);
	if (count < 0x10000) return Uint8Array.of(MAJOR_ARRAY | 25, count >> 8, count & 0xff);
	return Uint8Array.of(MAJOR_ARRAY | 26, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff);
}

/**
 * Where each item of the array that starts at `at` begins, then where the
 * last one ends, in bytes that `decode` has accepted: the encodings of the
 * parts of a record, to keep instead of encoding each part again.
 */
export function arrayItemOffsets(bytes: Bytes, at = 0): number[] {
	const count = headArgument(bytes, at);
	const offsets = [contentAt(bytes, at)];
	for (let i = 0; i < count; i++) offsets.push(itemEnd(bytes, offsets[i]!));
	return offsets;
}
