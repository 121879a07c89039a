/**
 * Topic names and subscription patterns, AMQP style: dot-separated segments
 * of letters, digits, `_` and `-`; in a pattern a segment may also be `*`
 * (exactly one segment) or `#` (zero or more segments).
 */
import { fail } from '../../errors.js';

export const MAX_TOPIC_BYTES = 128;
export const MAX_SEGMENTS = 16;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function readSegments(value: unknown, path: string, wildcards: boolean): string[] {
	if (typeof value !== 'string') fail('E_SCHEMA', path, value, 'must be a string');
	if (value.length === 0 || value.length > MAX_TOPIC_BYTES) fail('E_SCHEMA', path, value, `must have 1 to ${MAX_TOPIC_BYTES} characters`);
	const segments = value.split('.');
	if (segments.length > MAX_SEGMENTS) fail('E_SCHEMA', path, value, `must have at most ${MAX_SEGMENTS} segments`);
	for (const seg of segments) {
		if (SEGMENT.test(seg) || (wildcards && (seg === '*' || seg === '#'))) continue;
		fail('E_SCHEMA', path, value, wildcards ? 'must be dot-separated segments of letters, digits, _ and -, or * or #' : 'must be dot-separated segments of letters, digits, _ and -');
	}
	return segments;
}

export function readTopicName(value: unknown, path: string): string {
	readSegments(value, path, false);
	return value as string;
}

export function readPattern(value: unknown, path: string): string {
	readSegments(value, path, true);
	return value as string;
}
