/**
 * Vector clocks over string node ids. A clock is a plain, normalised record:
 * entries are positive integers and a zero entry is simply absent, so `{}` and
 * `{a: 0}` are the same clock and encode to the same bytes.
 */
export type VectorClock = Readonly<Record<string, number>>;
export type Ordering = 'before' | 'after' | 'concurrent' | 'equal';

export function normalize(clock: Record<string, number>): VectorClock {
	const out: Record<string, number> = {};
	for (const key of Object.keys(clock).sort()) {
		const n = clock[key]!;
		if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`clock entry ${key} must be a non-negative integer (got ${n})`);
		if (n > 0) out[key] = n;
	}
	return out;
}

export function increment(clock: VectorClock, node: string): VectorClock {
	return normalize({ ...clock, [node]: (clock[node] ?? 0) + 1 });
}

/** Element-wise maximum: associative, commutative and idempotent. */
export function merge(a: VectorClock, b: VectorClock): VectorClock {
	const out: Record<string, number> = { ...a };
	for (const [key, n] of Object.entries(b)) out[key] = Math.max(out[key] ?? 0, n);
	return normalize(out);
}

export function compare(a: VectorClock, b: VectorClock): Ordering {
	let less = false;
	let greater = false;
	for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
		const x = a[key] ?? 0;
		const y = b[key] ?? 0;
		if (x < y) less = true;
		if (x > y) greater = true;
	}
	if (less && greater) return 'concurrent';
	if (less) return 'before';
	if (greater) return 'after';
	return 'equal';
}

export function isNormalized(clock: unknown): clock is VectorClock {
	if (clock === null || typeof clock !== 'object' || Array.isArray(clock) || clock instanceof Uint8Array) return false;
	return Object.values(clock).every((n) => Number.isSafeInteger(n) && (n as number) > 0);
}
