/** The chain parameters in force, as state (so governance can change them at a known height). */
import { paramsToEncodable, readParams, type ChainParams } from '../params.js';
import type { StateTree } from './tree.js';

export const PARAMS_KEY = 'p/chain';

export function getParams(state: StateTree): ChainParams {
	return readParams(state.get(PARAMS_KEY));
}

export function putParams(state: StateTree, params: ChainParams): void {
	state.put(PARAMS_KEY, paramsToEncodable(params));
}
