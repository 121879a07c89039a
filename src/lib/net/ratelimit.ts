/** A token bucket: `burst` tokens, refilled at `perSecond`. Time comes from the caller. */
export class TokenBucket {
	private tokens: number;
	private last: number;

	constructor(
		private readonly burst: number,
		private readonly perSecond: number,
		now: number
	) {
		this.tokens = burst;
		this.last = now;
	}

	/** Takes `cost` tokens if there are enough; false means the caller is over its rate. */
	take(now: number, cost = 1): boolean {
		this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
		this.last = now;
		if (this.tokens < cost) return false;
		this.tokens -= cost;
		return true;
	}
}
