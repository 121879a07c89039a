import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

/**
 * End-to-end tests drive real Chromium pages, one browser context per member,
 * talking over real WebRTC through the real signaling relay that `agora
 * serve` runs beside the static build. Debian's /usr/bin/chromium is used
 * when present (CHROMIUM_PATH overrides); otherwise Playwright's own.
 */
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
export const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
	testDir: 'tests/e2e',
	timeout: 180_000,
	expect: { timeout: 30_000 },
	fullyParallel: false,
	workers: 1,
	forbidOnly: true,
	reporter: [['list']],
	use: {
		baseURL: `http://127.0.0.1:${PORT}/`,
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath,
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
		}
	},
	webServer: {
		command: `node bin/agora.js serve --port ${PORT}`,
		url: `http://127.0.0.1:${PORT}/`,
		reuseExistingServer: false,
		timeout: 60_000,
		stdout: 'pipe'
	}
});
