/**
 * Labels: the short identifiers that name things in state keys (route ids,
 * hubs, metric scopes). A restricted alphabet keeps them printable, free of
 * look-alike characters and of the `/` that separates key segments.
 */
import { fail } from '../errors.js';

export const MAX_LABEL_LENGTH = 64;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export function readLabel(value: unknown, path: string): string {
	if (typeof value !== 'string') fail('E_SCHEMA', path, value, 'must be a string');
	if (value.length === 0 || value.length > MAX_LABEL_LENGTH) fail('E_SCHEMA', path, value, `must have 1 to ${MAX_LABEL_LENGTH} characters`);
	if (!LABEL.test(value)) fail('E_SCHEMA', path, value, 'must start with a letter or digit and use only letters, digits and . _ : -');
	return value;
}
