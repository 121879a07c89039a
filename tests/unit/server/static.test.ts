import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSite, normalizeBase, SiteConfigError, type RunningSite } from '../../../src/server/static.js';
import { ListenError } from '../../../src/server/listen.js';
import { rawClient, closeAll, type RawClient } from '../../helpers/net.js';
import { fakeBuild, removeBuild } from '../../helpers/site.js';

let dir = '';
let site: RunningSite | null = null;
const clients: RawClient[] = [];

beforeAll(() => {
	dir = fakeBuild();
});
afterAll(() => removeBuild(dir));
afterEach(async () => {
	closeAll(clients);
	await site?.close();
	site = null;
});

async function get(path: string, init: RequestInit = {}): Promise<Response> {
	return fetch(new URL(path, new URL(site!.url).origin), init);
}

/** A GET with the path sent exactly as given (fetch would normalise `..` away). */
function rawGet(path: string): Promise<number> {
	const { hostname, port } = new URL(site!.url);
	return new Promise((resolve, reject) => {
		http.get({ host: hostname, port, path }, (res) => {
			res.resume();
			resolve(res.statusCode!);
		}).on('error', reject);
	});
}

describe('static site server', () => {
	it('binds 127.0.0.1 and serves the index with the relay beside it', async () => {
		site = await startSite({ dir });
		expect(site.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
		expect(site.signalUrl).toBe(site.url.replace('http:', 'ws:') + 'signal');
		const response = await get('/');
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('text/html;charset=utf-8');
		expect(await response.text()).toContain('<title>Agora</title>');
	});

	it('sends the right MIME types and security header', async () => {
		site = await startSite({ dir });
		const types: Record<string, string> = {
			'/_app/immutable/entry/start.abc123.js': 'text/javascript',
			'/_app/immutable/assets/app.def456.css': 'text/css',
			'/_app/version.json': 'application/json',
			'/manifest.webmanifest': 'application/manifest+json',
			'/icon.svg': 'image/svg+xml',
			'/core.wasm': 'application/wasm'
		};
		for (const [path, type] of Object.entries(types)) {
			const response = await get(path);
			expect(response.status, path).toBe(200);
			expect(response.headers.get('content-type'), path).toBe(type);
			expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
			await response.arrayBuffer();
		}
	});

	it('caches hashed assets forever and revalidates everything else', async () => {
		site = await startSite({ dir });
		expect((await get('/_app/immutable/entry/start.abc123.js')).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
		const index = await get('/');
		expect(index.headers.get('cache-control')).toBe('no-cache');
		const etag = index.headers.get('etag');
		expect(etag).toBeTruthy();
		expect((await get('/', { headers: { 'If-None-Match': etag! } })).status).toBe(304);
	});

	it('serves prerendered pages without their .html', async () => {
		site = await startSite({ dir });
		expect(await (await get('/network')).text()).toContain('<title>Network</title>');
	});

	it('answers 404 for missing files and 405 for other methods', async () => {
		site = await startSite({ dir });
		expect((await get('/nope.js')).status).toBe(404);
		expect(await rawGet('/../../../../etc/passwd')).toBe(404);
		expect(await rawGet('/%2e%2e/%2e%2e/%2e%2e/etc/passwd')).toBe(404);
		const post = await get('/', { method: 'POST' });
		expect(post.status).toBe(405);
		expect(post.headers.get('allow')).toBe('GET, HEAD');
	});

	it('serves under a base path and sends strays there', async () => {
		site = await startSite({ dir, base: '/agora/' });
		expect(site.url).toMatch(/\/agora\/$/);
		expect(site.signalUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/agora\/signal$/);
		expect(await (await get('/agora/')).text()).toContain('<title>Agora</title>');
		expect((await get('/agora/_app/immutable/assets/app.def456.css')).headers.get('content-type')).toBe('text/css');
		for (const stray of ['/', '/agora']) {
			const response = await get(stray + '?x=1', { redirect: 'manual' });
			expect(response.status).toBe(302);
			expect(response.headers.get('location')).toBe('/agora/?x=1');
		}
		expect((await get('/index.html')).status).toBe(404);
		expect((await get('/agoraz/index.html')).status).toBe(404);
	});

	it('runs the relay on <base>/signal and refuses other WebSocket paths', async () => {
		site = await startSite({ dir, base: '/agora' });
		const a = await rawClient(site.signalUrl);
		clients.push(a);
		a.send({ type: 'subscribe', topics: ['room'] });
		a.send({ type: 'publish', topic: 'room', hello: true });
		expect(await a.next((m) => m.hello === true)).toMatchObject({ clients: 1 });
		await expect(rawClient(site.signalUrl.replace('/agora/signal', '/signal'))).rejects.toThrow(/404/);
	});

	it('names what is wrong with its options', async () => {
		await expect(startSite({ dir: dir + '/missing' })).rejects.toThrow(SiteConfigError);
		await expect(startSite({ dir: dir + '/missing' })).rejects.toThrow(/has no index\.html/);
		site = await startSite({ dir });
		const port = Number(new URL(site.url).port);
		const clash = startSite({ dir, port });
		await expect(clash).rejects.toThrow(ListenError);
		await expect(clash).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
	});
});

describe('normalizeBase', () => {
	it('accepts root and sub-paths, trimming trailing slashes', () => {
		expect(normalizeBase('')).toBe('');
		expect(normalizeBase('/')).toBe('');
		expect(normalizeBase('/agora/')).toBe('/agora');
		expect(normalizeBase('/a/b-c_d.e~')).toBe('/a/b-c_d.e~');
	});

	it('rejects what cannot be a base path, naming it', () => {
		expect(() => normalizeBase('agora')).toThrow('base "agora" must start with "/"');
		for (const bad of ['/a b', '/a/../b', '/a?x', '/a#b', '//a', '/%2e']) expect(() => normalizeBase(bad), bad).toThrow(SiteConfigError);
	});
});
