/** Helpers for network tests: waiting on conditions and raw WebSocket clients of a relay. */
import { WebSocket, type ClientOptions } from 'ws';
import { until } from './until.js';

export { until };

/** A raw relay client that records every JSON message and how the socket closed. */
export interface RawClient {
	readonly ws: WebSocket;
	readonly messages: Record<string, unknown>[];
	/** Set once the socket closed. */
	closed: { code: number; reason: string } | null;
	send(message: unknown): void;
	/** Waits for a message matching `match` that arrived after `from` messages had been recorded. */
	next(match: (m: Record<string, unknown>) => boolean, from?: number): Promise<Record<string, unknown>>;
}

export async function rawClient(url: string, options: ClientOptions = {}): Promise<RawClient> {
	const ws = new WebSocket(url, options);
	const client: RawClient = {
		ws,
		messages: [],
		closed: null,
		send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
		async next(match, from = 0) {
			let found: Record<string, unknown> | undefined;
			await until('a matching message', () => (found = client.messages.slice(from).find(match)) !== undefined || client.closed !== null);
			if (!found) throw new Error(`socket closed (${client.closed?.code}) before a matching message`);
			return found;
		}
	};
	ws.on('message', (data) => client.messages.push(JSON.parse(data.toString())));
	ws.on('close', (code, reason) => (client.closed = { code, reason: reason.toString() }));
	ws.on('error', () => {});
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	return client;
}

/** Closes clients left open by a test. */
export function closeAll(clients: RawClient[]): void {
	for (const c of clients.splice(0)) c.ws.terminate();
}
