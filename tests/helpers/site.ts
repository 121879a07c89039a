/** A tiny stand-in for the adapter-static output, so server tests need no `vite build`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const siteFiles: Record<string, string> = {
	'index.html': '<!doctype html><title>Agora</title>',
	'network.html': '<!doctype html><title>Network</title>',
	'_app/immutable/entry/start.abc123.js': 'export {};',
	'_app/immutable/assets/app.def456.css': 'body{}',
	'_app/version.json': '{"version":"1"}',
	'manifest.webmanifest': '{"name":"Agora"}',
	'icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
	'core.wasm': '\0asm'
};

/** Writes the fake build into a fresh temporary directory and returns its path. */
export function fakeBuild(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-site-'));
	for (const [name, content] of Object.entries(siteFiles)) {
		fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
		fs.writeFileSync(path.join(dir, name), content);
	}
	return dir;
}

export function removeBuild(dir: string): void {
	fs.rmSync(dir, { recursive: true, force: true });
}
