/**
 * `contract.call { contract, action, args }`: runs one action of a built-in
 * contract. Which contract and action, and the shape of the arguments, are
 * checked without state; whether the community has the action enabled is
 * checked against state when the call applies.
 */
import * as s from '../../schema.js';
import { defineKind } from '../kind.js';
import { actionOf, checkEnabled, contractOf } from './builtins.js';
import type { ContractAction } from './contract.js';

export interface ContractCall {
	readonly contract: string;
	readonly action: string;
	readonly args: unknown;
	readonly run: ContractAction;
}

export const contractCall = defineKind<ContractCall>({
	kind: 'contract.call',
	sender: 'member',
	body: (value) => {
		const r = s.exactRecord(value, 'body', ['contract', 'action', 'args']);
		const contract = contractOf(r.contract, 'body.contract');
		const run = actionOf(contract, r.action, 'body.action');
		return { contract: contract.name, action: r.action as string, args: run.args(r.args, 'body.args'), run };
	},
	apply: (ctx, call) => {
		checkEnabled(ctx.state, call.contract, call.action);
		call.run.apply(ctx, call.args);
	}
});
