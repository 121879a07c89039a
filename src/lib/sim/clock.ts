/**
 * Virtual time. Events run in (time, order of scheduling) order; after each
 * one every promise it started is allowed to settle before the next event
 * runs, so all the work an event causes (a frame decoded, a block verified
 * and stored) happens at that virtual instant. Nothing on this path reads the
 * real clock: the same schedule always runs the same way.
 */
import type { Scheduler, TimerHandle, Timers } from '../net/scheduler.js';

interface Event {
	readonly at: number;
	readonly seq: number;
	readonly fn: () => void;
	cancelled: boolean;
}

/** Resolves once every pending promise reaction has run (the microtask queue is empty). */
const settle: () => Promise<void> =
	typeof setImmediate === 'function'
		? () => new Promise((resolve) => setImmediate(resolve))
		: () => new Promise((resolve) => {
				const channel = new MessageChannel();
				channel.port1.onmessage = () => {
					channel.port1.close();
					resolve();
				};
				channel.port2.postMessage(null);
			});

export class VirtualClock implements Scheduler {
	private time: number;
	private seq = 0;
	private readonly heap: Event[] = [];
	/** Events run so far. */
	executed = 0;

	constructor(start: number) {
		this.time = start;
	}

	now(): number {
		return this.time;
	}

	setTimeout(fn: () => void, ms: number): TimerHandle {
		// Whole milliseconds, as the real clock reads: times end up in signed transactions and headers.
		const delay = Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : 0;
		const event: Event = { at: this.time + delay, seq: this.seq++, fn, cancelled: false };
		this.push(event);
		return event;
	}

	clearTimeout(handle: TimerHandle): void {
		if (handle && typeof handle === 'object' && 'cancelled' in handle) (handle as Event).cancelled = true;
	}

	/** Calls `fn` every `ms` until it returns false. */
	every(ms: number, fn: () => boolean | void): void {
		const tick = (): void => {
			if (fn() !== false) this.setTimeout(tick, ms);
		};
		this.setTimeout(tick, ms);
	}

	/**
	 * Runs events until `done()` holds (checked after each event), no event is
	 * left, or the next one is after `until`. Returns whether `done()` held.
	 */
	async run(until: number, done: () => boolean): Promise<boolean> {
		await settle();
		while (!done()) {
			const event = this.pop();
			if (!event) return false;
			if (event.at > until) {
				this.push(event);
				return false;
			}
			this.time = event.at;
			if (event.cancelled) continue;
			this.executed++;
			event.fn();
			await settle();
		}
		return true;
	}

	// A binary min-heap on (at, seq).
	private push(event: Event): void {
		const h = this.heap;
		h.push(event);
		let i = h.length - 1;
		while (i > 0) {
			const p = (i - 1) >> 1;
			if (!earlier(h[i]!, h[p]!)) break;
			[h[i], h[p]] = [h[p]!, h[i]!];
			i = p;
		}
	}

	private pop(): Event | undefined {
		const h = this.heap;
		if (h.length === 0) return undefined;
		const top = h[0]!;
		const last = h.pop()!;
		if (h.length > 0) {
			h[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let m = i;
				if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
				if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
				if (m === i) break;
				[h[i], h[m]] = [h[m]!, h[i]!];
				i = m;
			}
		}
		return top;
	}
}

function earlier(a: Event, b: Event): boolean {
	return a.at !== b.at ? a.at < b.at : a.seq < b.seq;
}

/**
 * One node's view of the clock's timers, which can be suspended: while the
 * node is offline (a closed laptop) its timers that come due wait, and run
 * when it is resumed.
 */
export class SuspendableTimers implements Timers {
	private suspended = false;
	private readonly held: Array<{ fn: () => void; cancelled: boolean }> = [];

	constructor(private readonly clock: VirtualClock) {}

	get isSuspended(): boolean {
		return this.suspended;
	}

	setTimeout(fn: () => void, ms: number): TimerHandle {
		const timer = { fn, cancelled: false, event: null as TimerHandle };
		timer.event = this.clock.setTimeout(() => {
			if (timer.cancelled) return;
			if (this.suspended) this.held.push(timer);
			else fn();
		}, ms);
		return timer;
	}

	clearTimeout(handle: TimerHandle): void {
		const timer = handle as { cancelled: boolean; event: TimerHandle } | null;
		if (!timer) return;
		timer.cancelled = true;
		this.clock.clearTimeout(timer.event);
	}

	suspend(): void {
		this.suspended = true;
	}

	/** Resumes; timers that came due meanwhile run now, in the order they came due. */
	resume(): void {
		this.suspended = false;
		for (const timer of this.held.splice(0)) this.clock.setTimeout(() => !timer.cancelled && timer.fn(), 0);
	}
}
