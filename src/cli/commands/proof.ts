/** `agora proof`: the inclusion proof of one transaction of a (verified) export, as JSON. */
import type { Chain, TxLocation } from '../../lib/core/chain.js';
import { AgoraError } from '../../lib/core/errors.js';
import { txProof, txProofToJson } from '../../lib/core/export/proof.js';
import { txIdHex } from '../../lib/core/tx/tx.js';
import { CliError, UsageError, type Command, type FlagSpecs } from '../command.js';
import { writeOutput } from '../files.js';
import { loadExportFile } from './verify.js';
import { HEX_KEY } from '../keyfile.js';

const flags = {
	out: { type: 'string', arg: '<file>', help: 'write the proof to this file instead of printing it' }
} as const satisfies FlagSpecs;

export const proof: Command<typeof flags> = {
	name: 'proof',
	summary: 'print the inclusion proof of a transaction in an export (checked with verify-proof)',
	flags,
	args: [
		{ name: 'file', help: 'the export file' },
		{ name: 'tx', help: 'the transaction: its id (64 hex digits), or <height>:<index> in the chain' }
	],
	async run(options, io, [path, which]) {
		const position = /^(\d{1,15}):(\d{1,15})$/.exec(which!);
		if (!position && !HEX_KEY.test(which!)) throw new UsageError('proof', `<tx> must be a transaction id (64 hex digits) or <height>:<index> (got ${JSON.stringify(which)})`);
		let chain;
		try {
			chain = (await loadExportFile('proof', path!)).chain;
		} catch (error) {
			if (error instanceof AgoraError) throw new CliError('proof', `${path} is invalid: ${error.message} [${error.code}]`);
			throw error;
		}
		const at = position ? locate(chain, Number(position[1]), Number(position[2])) : chain.findTx(which!.toLowerCase());
		if (!at) throw new CliError('proof', `transaction ${which} is not in ${path}`);
		const text = JSON.stringify(txProofToJson(txProof(at.block.block, at.index)), null, 2);
		if (options.out === undefined) io.out(text);
		else {
			await writeOutput('proof', options.out, [new TextEncoder().encode(text + '\n')]);
			io.out(`proof of transaction ${txIdHex(at.tx)} (block ${at.block.height}, index ${at.index}) written to ${options.out}`);
		}
		return 0;
	}
};

/** The transaction at a position in the canonical chain. */
function locate(chain: Chain, height: number, index: number): TxLocation | undefined {
	const block = chain.blockAt(height);
	const tx = block?.block.txs[index];
	return block && tx ? { tx, block, index } : undefined;
}
