/**
 * Boundary checks for decoded data. Each reader takes an unknown value and a
 * path, returns it typed, or throws E_SCHEMA naming the path and the value.
 */
import { isBytes, type Bytes } from './bytes.js';
import { fail, type ErrorCode } from './errors.js';

export type Path = string;

const utf8Encoder = new TextEncoder();

export function record(value: unknown, path: Path): Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
		fail('E_SCHEMA', path, value, 'must be a map');
	}
	return value as Record<string, unknown>;
}

/** A map with exactly these keys: unknown keys would be bytes nobody checks. */
export function exactRecord<K extends string>(value: unknown, path: Path, keys: readonly K[], optional: readonly K[] = []): Record<K, unknown> {
	const obj = record(value, path);
	for (const key of Object.keys(obj)) {
		if (!keys.includes(key as K)) fail('E_SCHEMA', `${path}.${key}`, obj[key], 'is not an allowed field');
	}
	for (const key of keys) {
		if (!(key in obj) && !optional.includes(key)) fail('E_SCHEMA', `${path}.${key}`, undefined, 'is required');
	}
	return obj as Record<K, unknown>;
}

export function array(value: unknown, path: Path, maxLength = Infinity): unknown[] {
	if (!Array.isArray(value)) fail('E_SCHEMA', path, value, 'must be an array');
	if (value.length > maxLength) fail('E_SCHEMA', path, value, `must have at most ${maxLength} items`);
	return value;
}

export function tuple(value: unknown, path: Path, length: number): unknown[] {
	const arr = array(value, path);
	if (arr.length !== length) fail('E_SCHEMA', path, value, `must have exactly ${length} items`);
	return arr;
}

export function int(value: unknown, path: Path, min = 0, max = Number.MAX_SAFE_INTEGER, code: ErrorCode = 'E_SCHEMA'): number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(code, path, value, 'must be an integer');
	if (value < min) fail(code, path, value, `must be at least ${min}`);
	if (value > max) fail(code, path, value, `must be at most ${max}`);
	return value;
}

export function str(value: unknown, path: Path, maxBytes: number, minLength = 0): string {
	if (typeof value !== 'string') fail('E_SCHEMA', path, value, 'must be a string');
	if (value.length < minLength) fail('E_SCHEMA', path, value, `must have at least ${minLength} characters`);
	if (utf8Encoder.encode(value).length > maxBytes) fail('E_SCHEMA', path, value, `must be at most ${maxBytes} bytes`);
	return value;
}

export function bytes(value: unknown, path: Path, length?: number, maxLength = Infinity): Bytes {
	if (!isBytes(value)) fail('E_SCHEMA', path, value, 'must be bytes');
	if (length !== undefined && value.length !== length) fail('E_SCHEMA', path, value, `must be ${length} bytes`);
	if (value.length > maxLength) fail('E_SCHEMA', path, value, `must be at most ${maxLength} bytes`);
	return value;
}

export function bool(value: unknown, path: Path): boolean {
	if (typeof value !== 'boolean') fail('E_SCHEMA', path, value, 'must be a boolean');
	return value;
}

export function oneOf<T extends string>(value: unknown, path: Path, options: readonly T[]): T {
	if (typeof value !== 'string' || !options.includes(value as T)) {
		fail('E_SCHEMA', path, value, `must be one of ${options.join(', ')}`);
	}
	return value as T;
}

export function optional<T>(value: unknown, read: (v: unknown) => T): T | undefined {
	return value === undefined ? undefined : read(value);
}
