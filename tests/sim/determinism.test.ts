/**
 * The same options give the same chain, byte for byte (the CLI writes it to
 * a file and promises a byte-identical file); another seed gives another.
 * The runs use the defaults: latency, loss, churn and traffic (posts and
 * payments, proposals and ballots, messages and their answers) all drawn
 * from the seed.
 */
import { describe, expect, it } from 'vitest';
import { ENGINE_NAMES } from '../../src/lib/core/consensus/engine.js';
import { encodeBlock } from '../../src/lib/core/block/block.js';
import { runSimulation, type SimOptions } from '../../src/lib/sim/simulate.js';
import { hashes, simSeed } from './helpers.js';

const SEED = simSeed(5);

describe.each(ENGINE_NAMES)('a %s simulation', (consensus) => {
	it(`is the same for the same options and differs for another seed (seed ${SEED})`, async () => {
		const options: SimOptions = { nodes: 6, blocks: 8, consensus, seed: SEED };
		const [a, b, c] = [await runSimulation(options), await runSimulation(options), await runSimulation({ ...options, seed: SEED + 1 })];
		expect(a.blocks).toHaveLength(9);
		expect(a.blocks.map(encodeBlock)).toEqual(b.blocks.map(encodeBlock));
		expect(a.stats).toEqual(b.stats);
		expect(a.virtualMs).toBe(b.virtualMs);
		const [x, y] = [hashes(a.blocks), hashes(c.blocks)];
		expect(x[0]).not.toBe(y[0]);
		expect(x.filter((h) => y.includes(h))).toEqual([]);
	});
});

describe('options', () => {
	const base: SimOptions = { nodes: 4, blocks: 2, consensus: 'poa', seed: 1 };
	const bad: Array<[string, Partial<SimOptions> & Record<string, unknown>, string]> = [
		['no nodes', { nodes: 0 }, 'nodes'],
		['a fractional block count', { blocks: 1.5 }, 'blocks'],
		['an unknown engine', { consensus: 'raft' as never }, 'consensus'],
		['a negative seed', { seed: -1 }, 'seed'],
		['latency bounds the wrong way round', { latencyMs: { min: 100, max: 10 } }, 'latencyMs.max'],
		['a loss that is not a probability', { loss: 1 }, 'loss'],
		['a churn that is not a probability', { churn: -0.1 }, 'churn'],
		['a negative transaction rate', { txsPerSecond: -1 }, 'txsPerSecond'],
		['traffic that is not a boolean', { traffic: 'yes' as never }, 'traffic'],
		['no founding node at all', { outsiders: 4 }, 'outsiders'],
		['more sealers than founding nodes', { outsiders: 1, sealers: 4 }, 'sealers'],
		['a negative number of absent members', { absent: -1 }, 'absent'],
		['a partition naming a member that does not exist', { partitions: [{ from: 0, to: 1, groups: [[0, 4]] }] }, 'partitions[0].groups[0][1]'],
		['a partition that heals before it starts', { partitions: [{ from: 10, to: 5, groups: [[0]] }] }, 'partitions[0].to']
	];
	for (const [name, change, field] of bad) {
		it(`refuses ${name}, naming ${field}`, async () => {
			await expect(runSimulation({ ...base, ...change })).rejects.toMatchObject({ name: 'AgoraError', field });
		});
	}

	it('reports a run that cannot agree in time as stalled, with the seed', async () => {
		// Two of five authorities cut off for good: the other three finalize, these two never can, nor agree.
		const options: SimOptions = { ...base, nodes: 5, partitions: [{ from: 0, to: 10 ** 9, groups: [[0, 1]] }], maxVirtualMs: 20_000 };
		await expect(runSimulation(options)).rejects.toMatchObject({ code: 'E_SIM_STALLED', value: 1 });
	});
});
