/** The engines by name, chosen once at genesis. */
import { AgoraError } from '../errors.js';
import type { ConsensusEngine, EngineName } from './engine.js';
import { fba } from './fba.js';
import { poa } from './poa.js';
import { pos } from './pos.js';
import { pow } from './pow.js';

const engines = new Map<string, ConsensusEngine>([poa, pos, pow, fba].map((e) => [e.name, e]));

export function engineFor(name: unknown): ConsensusEngine {
	const engine = typeof name === 'string' ? engines.get(name) : undefined;
	if (!engine) throw new AgoraError('E_GENESIS', `unknown consensus engine ${String(name)}`, 'genesis.engine.name', name);
	return engine;
}

export type { ConsensusEngine, EngineName };
