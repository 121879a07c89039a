/**
 * Which signaling relays a new community points at: those named at build time
 * (VITE_RELAYS, comma-separated), else the relay `agora serve` runs beside the
 * site at `<base>/signal`.
 */
export function defaultRelays(location: Location, base: string): string[] {
	const configured = (import.meta.env.VITE_RELAYS as string | undefined)?.split(',').map((r) => r.trim()).filter(Boolean);
	if (configured?.length) return configured;
	const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
	return [`${protocol}//${location.host}${base}/signal`];
}
