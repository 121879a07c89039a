/**
 * Timers as the node and sync use them. In the app and in Node they are the
 * runtime's own; the simulator hands in virtual ones, so that many nodes run
 * in one process on one seeded, deterministic clock.
 */

/** Whatever `setTimeout` returned; only ever handed back to `clearTimeout`. */
export type TimerHandle = unknown;

export interface Timers {
	setTimeout(fn: () => void, ms: number): TimerHandle;
	clearTimeout(handle: TimerHandle): void;
}

/** Timers together with the clock they run on. */
export interface Scheduler extends Timers {
	now(): number;
}

export const runtimeTimers: Timers = {
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

/**
 * A timer that must not keep a Node process alive on its own (keepalives, a
 * headless peer's housekeeping). A no-op for handles without `unref`.
 */
export function unref(handle: TimerHandle): void {
	(handle as { unref?: () => void } | null)?.unref?.();
}
