#!/usr/bin/env node
// The `agora` command. tsx compiles the TypeScript sources as they load, so the
// CLI shares src/lib/core with the app and needs no build step of its own.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
