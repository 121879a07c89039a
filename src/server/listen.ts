/** Binding and closing Node HTTP servers, with errors a person can act on. */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The server could not bind; `reason` says why in words, `cause` keeps the system error. */
export class ListenError extends Error {
	override readonly name = 'ListenError';
	constructor(
		readonly host: string,
		readonly port: number,
		readonly reason: string,
		options?: { cause?: unknown }
	) {
		super(`cannot listen on ${hostPort(host, port)}: ${reason}`, options);
	}
}

const reasons: Record<string, string> = {
	EADDRINUSE: 'the port is already in use',
	EACCES: 'permission denied (ports below 1024 need privileges)',
	EADDRNOTAVAIL: 'no such address on this machine',
	ENOTFOUND: 'the host name does not resolve'
};

export function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
	return new Promise((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException) => {
			server.off('listening', onListening);
			reject(new ListenError(host, port, reasons[error.code ?? ''] ?? error.message, { cause: error }));
		};
		const onListening = () => {
			server.off('error', onError);
			resolve(server.address() as AddressInfo);
		};
		server.once('error', onError);
		server.once('listening', onListening);
		server.listen(port, host);
	});
}

/**
 * Stops accepting and resolves once every connection is gone: idle keep-alive
 * connections close at once, busy ones as soon as their response is done
 * (swept every 50 ms), and whatever is left after `graceMs` is cut off.
 */
export function closeServer(server: http.Server, graceMs = 2000): Promise<void> {
	return new Promise((resolve) => {
		if (!server.listening) return resolve();
		const sweep = setInterval(() => server.closeIdleConnections(), 50);
		const force = setTimeout(() => server.closeAllConnections(), graceMs);
		server.close(() => {
			clearInterval(sweep);
			clearTimeout(force);
			resolve();
		});
		server.closeIdleConnections();
	});
}

/** `scheme://host:port<path>` for a bound address, bracketing IPv6 hosts. */
export function formatUrl(scheme: 'http' | 'ws', address: AddressInfo, path: string): string {
	return `${scheme}://${hostPort(address.address, address.port)}${path}`;
}

function hostPort(host: string, port: number): string {
	return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
