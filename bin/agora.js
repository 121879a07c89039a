#!/usr/bin/env node
// The `agora` command. tsx compiles the TypeScript sources as they load, so the
// CLI shares src/lib/core with the app and needs no build step of its own.
import { register } from 'tsx/esm/api';

// A reader that stops early (`agora verify x.agora --json | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
	stream.on('error', (error) => {
		if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
		throw error;
	});
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
