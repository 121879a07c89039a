/**
 * `agora simulate`: runs the deterministic network simulator (members
 * posting and paying each other, and by default governance and message
 * traffic) and writes the canonical chain its nodes agreed on as an export.
 * The same arguments always give a byte-identical file: all time and
 * randomness come from the seed.
 *
 * What it prints about the chain is what `agora verify` prints about the
 * file it wrote, computed the same way on the file read back: the nodes
 * knew more (the proof that the last blocks are final lies in blocks after
 * the cut), and a summary of what they knew would promise more than the
 * file holds.
 */
import { ENGINE_NAMES } from '../../lib/core/consensus/engine.js';
import { AgoraError } from '../../lib/core/errors.js';
import { exportChunks } from '../../lib/core/export/writer.js';
import { CliError, UsageError, choiceFlag, intFlag, type Command, type FlagSpecs } from '../command.js';
import { writeOutput } from '../files.js';
import { summarize, type Json } from '../summary.js';
import { loadExportFile } from './verify.js';

const flags = {
	nodes: { type: 'string', arg: '<n>', help: 'how many nodes (required)' },
	blocks: { type: 'string', arg: '<n>', help: 'how many final blocks to agree on (required)' },
	consensus: { type: 'string', arg: '<engine>', help: `${ENGINE_NAMES.join(', ')} (required)` },
	seed: { type: 'string', arg: '<n>', help: 'the seed of every random choice, a non-negative integer (required)' },
	out: { type: 'string', arg: '<file>', help: 'where to write the export (required)' },
	'no-traffic': { type: 'boolean', help: 'only posts and payments: no proposals, votes or messages' },
	json: { type: 'boolean', help: 'print the summary as JSON' }
} as const satisfies FlagSpecs;

/** The simulator checks its own limits; its complaints about an option are usage errors about the flag. */
const OPTION_FLAGS = ['nodes', 'blocks', 'consensus', 'seed'];

export const simulate: Command<typeof flags> = {
	name: 'simulate',
	summary: 'run the deterministic network simulator and export the chain it agrees on',
	flags,
	async run(options, io) {
		const nodes = intFlag('simulate', 'nodes', options.nodes, 1, Number.MAX_SAFE_INTEGER);
		const blocks = intFlag('simulate', 'blocks', options.blocks, 1, Number.MAX_SAFE_INTEGER);
		const consensus = choiceFlag('simulate', 'consensus', options.consensus, ENGINE_NAMES);
		const seed = intFlag('simulate', 'seed', options.seed, 0, Number.MAX_SAFE_INTEGER);
		const traffic = !options['no-traffic'];
		if (options.out === undefined) throw new UsageError('simulate', '--out is required');
		// Loaded on use: the other commands start without the simulator.
		const { runSimulation } = await import('../../lib/sim/simulate.js');
		let result;
		try {
			result = await runSimulation({ nodes, blocks, consensus, seed, traffic });
		} catch (error) {
			if (!(error instanceof AgoraError)) throw error;
			if (OPTION_FLAGS.includes(error.field ?? '')) throw new UsageError('simulate', `--${error.field}: ${error.message}`);
			throw new CliError('simulate', error.message);
		}
		await writeOutput('simulate', options.out, exportChunks(result.blocks));
		// Read back and checked as verify checks it, against the simulation's clock at the end rather than this machine's.
		let summary;
		try {
			summary = summarize(await loadExportFile('simulate', options.out, result.genesis.header.time + result.virtualMs));
		} catch (error) {
			if (!(error instanceof AgoraError)) throw error;
			throw new CliError('simulate', `the chain written to ${options.out} does not verify (a bug in agora, please report it): ${error.message} [${error.code}]`);
		}
		const simulation: Record<string, Json> = { nodes, consensus, seed, traffic, virtualMs: result.virtualMs, out: options.out, stats: result.stats, violations: [...result.violations] };
		if (options.json) io.out(JSON.stringify({ ...summary.json, simulation }, null, 2));
		else {
			io.out(`simulated ${nodes} ${consensus} nodes (seed ${seed}${traffic ? '' : ', no traffic'}) for ${result.virtualMs} ms of virtual time and wrote ${options.out}:`);
			for (const line of summary.lines) io.out(line);
			io.out(`stats: ${Object.entries(result.stats).map(([k, v]) => `${k} ${v}`).join(', ')}`);
		}
		// A finalized block reverted is a safety failure: the chain is still written, for a post-mortem.
		for (const violation of result.violations) io.err(`agora simulate: safety violation: ${violation}`);
		return result.violations.length ? 1 : 0;
	}
};
