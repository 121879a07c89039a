/**
 * Serves the built static site and the signaling relay from one HTTP server,
 * so `agora serve` needs one port and the app finds its relay at
 * `<base>/signal` on its own origin.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import sirv from 'sirv';
import { Relay, type RelayLimits } from './relay.js';
import { formatUrl, listen, closeServer } from './listen.js';

/** An option that cannot work, named with its value. */
export class SiteConfigError extends Error {
	override readonly name = 'SiteConfigError';
	constructor(
		readonly option: 'dir' | 'base',
		readonly value: string,
		why: string
	) {
		super(`${option} ${JSON.stringify(value)} ${why}`);
	}
}

export interface SiteOptions {
	/** The adapter-static output; `build` by default. */
	dir?: string;
	/** A sub-path such as `/agora` when the site was built with that BASE_PATH; empty for the root. */
	base?: string;
	/** 0 picks a free port. */
	port?: number;
	/** Loopback unless asked otherwise. */
	host?: string;
	relay?: Partial<RelayLimits>;
}

export interface RunningSite {
	readonly server: http.Server;
	readonly relay: Relay;
	/** The site's address, ending in `/`, e.g. `http://127.0.0.1:5173/agora/`. */
	readonly url: string;
	/** The relay's address, e.g. `ws://127.0.0.1:5173/agora/signal`. */
	readonly signalUrl: string;
	close(): Promise<void>;
}

/** `''` for the root, otherwise `/a/b` with no trailing slash. */
export function normalizeBase(base: string): string {
	const trimmed = base.replace(/\/+$/, '');
	if (trimmed === '') return '';
	if (!trimmed.startsWith('/')) throw new SiteConfigError('base', base, 'must start with "/"');
	if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) {
		throw new SiteConfigError('base', base, 'must be path segments of letters, digits and . _ ~ -');
	}
	return trimmed;
}

export async function startSite(options: SiteOptions = {}): Promise<RunningSite> {
	const dir = path.resolve(options.dir ?? 'build');
	const base = normalizeBase(options.base ?? '');
	if (!fs.existsSync(path.join(dir, 'index.html'))) {
		throw new SiteConfigError('dir', options.dir ?? 'build', 'has no index.html: build the site first (npm run build)');
	}

	const server = http.createServer(siteHandler(dir, base));
	const relay = new Relay(options.relay);
	relay.attach(server, `${base}/signal`);
	try {
		const address = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
		return {
			server,
			relay,
			url: formatUrl('http', address, `${base}/`),
			signalUrl: formatUrl('ws', address, `${base}/signal`),
			async close() {
				await relay.close();
				await closeServer(server);
			}
		};
	} catch (error) {
		await relay.close();
		throw error;
	}
}

/** SvelteKit's content-hashed output never changes under its name; everything else must be revalidated. */
function cacheControl(pathname: string): string {
	return pathname.startsWith('/_app/immutable/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

function siteHandler(dir: string, base: string): http.RequestListener {
	const serve = sirv(dir, {
		etag: true,
		// Used only when the build was precompressed (adapter-static's `precompress`).
		gzip: true,
		brotli: true,
		setHeaders(res, pathname) {
			res.setHeader('Cache-Control', cacheControl(pathname));
		}
	});
	return (req, res) => {
		res.setHeader('X-Content-Type-Options', 'nosniff');
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
			res.end('Method not allowed\n');
			return;
		}
		const url = new URL(req.url ?? '/', 'http://site.invalid');
		if (base && (url.pathname === '/' || url.pathname === base)) {
			// The app lives under the base: send people who typed the bare host or base there.
			res.writeHead(302, { Location: `${base}/${url.search}` });
			res.end();
			return;
		}
		if (base && !url.pathname.startsWith(`${base}/`)) return notFound(res);
		req.url = url.pathname.slice(base.length) + url.search;
		serve(req, res, () => notFound(res));
	};
}

function notFound(res: http.ServerResponse): void {
	res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
	res.end('Not found\n');
}
