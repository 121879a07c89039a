/**
 * A value that the UI can watch. It follows Svelte's store contract
 * (`subscribe` calls back at once with the current value and returns an
 * unsubscribe function), so components can read it as `$store`, yet it
 * imports nothing from Svelte and runs the same in Node.
 */
export interface Readable<T> {
	subscribe(run: (value: T) => void): () => void;
}

export class Observable<T> implements Readable<T> {
	private readonly watchers = new Set<(value: T) => void>();

	constructor(private current: T) {}

	get value(): T {
		return this.current;
	}

	set(value: T): void {
		this.current = value;
		for (const run of [...this.watchers]) run(value);
	}

	subscribe(run: (value: T) => void): () => void {
		this.watchers.add(run);
		run(this.current);
		return () => this.watchers.delete(run);
	}
}
