/** Small display helpers shared by the pages. */
export function shortHex(hex: string, n = 8): string {
	return hex.length > n ? `${hex.slice(0, n)}…` : hex;
}

export function timeOf(ms: number): string {
	return new Date(ms).toLocaleTimeString();
}

export function dateTimeOf(ms: number): string {
	return new Date(ms).toLocaleString();
}
