/** Virtual time: order, cancellation, whole milliseconds, settling after each event, suspension. */
import { describe, expect, it } from 'vitest';
import { SuspendableTimers, VirtualClock } from '../../src/lib/sim/clock.js';

describe('VirtualClock', () => {
	it('runs events by time, then in the order they were scheduled', async () => {
		const clock = new VirtualClock(1000);
		const order: string[] = [];
		clock.setTimeout(() => order.push(`b@${clock.now()}`), 20);
		clock.setTimeout(() => order.push(`a@${clock.now()}`), 10);
		clock.setTimeout(() => order.push(`c@${clock.now()}`), 20);
		await clock.run(Infinity, () => false);
		expect(order).toEqual(['a@1010', 'b@1020', 'c@1020']);
	});

	it('does not run a cancelled event', async () => {
		const clock = new VirtualClock(0);
		let ran = false;
		clock.clearTimeout(clock.setTimeout(() => (ran = true), 5));
		await clock.run(Infinity, () => false);
		expect(ran).toBe(false);
	});

	it('keeps time in whole milliseconds (times end up in signed data)', async () => {
		const clock = new VirtualClock(0);
		clock.setTimeout(() => {}, 2.2);
		await clock.run(Infinity, () => false);
		expect(clock.now()).toBe(3);
	});

	it('lets every promise an event started settle before the next event', async () => {
		const clock = new VirtualClock(0);
		const order: string[] = [];
		clock.setTimeout(() => {
			void (async () => {
				for (let i = 0; i < 5; i++) await Promise.resolve();
				order.push('first, done');
			})();
		}, 1);
		clock.setTimeout(() => order.push('second'), 1);
		await clock.run(Infinity, () => false);
		expect(order).toEqual(['first, done', 'second']);
	});

	it('stops when done, and at the time limit leaving later events queued', async () => {
		const clock = new VirtualClock(0);
		let n = 0;
		clock.every(10, () => void n++);
		expect(await clock.run(Infinity, () => n === 3)).toBe(true);
		expect(clock.now()).toBe(30);
		expect(await clock.run(55, () => false)).toBe(false);
		expect(n).toBe(5);
	});
});

describe('SuspendableTimers', () => {
	it('holds timers that come due while suspended and runs them on resume, in order', async () => {
		const clock = new VirtualClock(0);
		const timers = new SuspendableTimers(clock);
		const ran: string[] = [];
		timers.setTimeout(() => ran.push(`a@${clock.now()}`), 10);
		timers.setTimeout(() => ran.push(`b@${clock.now()}`), 20);
		const cancelled = timers.setTimeout(() => ran.push('cancelled'), 15);
		timers.suspend();
		clock.setTimeout(() => timers.clearTimeout(cancelled), 16);
		clock.setTimeout(() => timers.resume(), 50);
		await clock.run(Infinity, () => false);
		expect(ran).toEqual(['a@50', 'b@50']);
	});
});
