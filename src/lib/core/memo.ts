/**
 * Values computed once per object and kept with it: a transaction's
 * encoding and id, a header's hash. A WeakMap would do, but every entry
 * costs a hash-table insert and, while the chain keeps its blocks, work for
 * every garbage collection; a chain of a million transactions holds millions
 * of them. So the value is kept on the object itself, under a symbol and not
 * enumerable: spread (`{ ...tx, nonce: 2 }` makes a new, uncached object),
 * Object.keys, JSON, structured clone and the codec never see it. Objects
 * that cannot take a property (frozen ones) fall back to a WeakMap.
 *
 * Only for objects that are immutable once made: the cached value is never
 * recomputed.
 */
export interface Memo<K extends object, V> {
	get(key: K): V | undefined;
	set(key: K, value: V): V;
}

export function memo<K extends object, V>(name: string): Memo<K, V> {
	const symbol = Symbol(name);
	const frozen = new WeakMap<K, V>();
	return {
		get(key) {
			return (key as { [symbol]?: V })[symbol] ?? frozen.get(key);
		},
		set(key, value) {
			if (Object.isExtensible(key)) Object.defineProperty(key, symbol, { value, writable: true, configurable: true, enumerable: false });
			else frozen.set(key, value);
			return value;
		}
	};
}
