/// <reference types="vitest/config" />
import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig, type Plugin } from 'vite';
import { Relay } from './src/server/relay.js';

/** `vite dev` serves the signaling relay at /signal too, as `agora serve` does. */
function devRelay(): Plugin {
	return {
		name: 'agora-dev-relay',
		configureServer(server) {
			if (!server.httpServer) return;
			const relay = new Relay();
			relay.attach(server.httpServer as import('node:http').Server, '/signal');
			server.httpServer.once('close', () => void relay.close());
		}
	};
}

export default defineConfig({
	plugins: [
		sveltekit(),
		devRelay(),
		// The app is installable and works offline: the service worker precaches
		// the whole static build, the node's worker included.
		SvelteKitPWA({
			registerType: 'autoUpdate',
			injectRegister: false,
			// Precache URLs relative to the service worker, so one build works under any sub-path.
			kit: { base: './', trailingSlash: 'always' },
			manifest: {
				name: 'Agora',
				short_name: 'Agora',
				description: 'A peer-to-peer community ledger: post, vote and message from your browser.',
				theme_color: '#1f4e79',
				background_color: '#f6f7f9',
				display: 'standalone',
				start_url: '.',
				scope: '.',
				icons: [
					{ src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
					{ src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
					{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' }
				]
			},
			workbox: {
				globPatterns: ['client/**/*.{js,css,svg,png,webmanifest}', 'prerendered/**/*.html'],
				// Every page is prerendered and precached as <route>/index.html; a fallback to the
				// root page would load its relative asset paths from the wrong directory.
				navigateFallback: null,
				// A new build takes over at once, and the first visit is served offline from then on.
				clientsClaim: true,
				skipWaiting: true
			}
		})
	],
	worker: { format: 'es' },
	server: { host: '127.0.0.1' },
	preview: { host: '127.0.0.1' },
	test: {
		include: ['tests/unit/**/*.test.ts', 'tests/sim/**/*.test.ts'],
		environment: 'node',
		testTimeout: 30_000
	}
});
