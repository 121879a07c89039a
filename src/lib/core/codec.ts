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
import { encode as cborEncode, decode as cborDecode, rfc8949EncodeOptions } from 'cborg';
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
	return null;
};
const reject =
	(what: string): TypeEncoder =>
	(value) => {
		throw new AgoraError('E_ENCODE', `${what} cannot be encoded`, what, value);
	};

const encodeOptions: EncodeOptions = {
	...rfc8949EncodeOptions,
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
