/** `agora verify-proof`: checks an inclusion proof against its block header alone. Exit 0 valid, 1 invalid, 2 usage. */
import { toHex } from '../../lib/core/bytes.js';
import { blockHashHex } from '../../lib/core/block/block.js';
import { checkTxProof, txProofFromJson, type TxProof } from '../../lib/core/export/proof.js';
import { txIdHex } from '../../lib/core/tx/tx.js';
import type { Command, FlagSpecs } from '../command.js';
import { readWhole } from '../files.js';

const flags = {} as const satisfies FlagSpecs;

/** The proof in a file's text, or why it is not one. */
function readProof(text: string): TxProof | string {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		return `not JSON: ${(e as Error).message}`;
	}
	try {
		return txProofFromJson(value);
	} catch (e) {
		return `not an inclusion proof: ${(e as Error).message}`;
	}
}

export const verifyProof: Command<typeof flags> = {
	name: 'verify-proof',
	summary: 'check an inclusion proof against its block header alone',
	flags,
	args: [{ name: 'proof', help: 'the proof file written by agora proof, or - for standard input' }],
	async run(_options, io, [path]) {
		const proof = readProof(new TextDecoder().decode(await readWhole('verify-proof', path!)));
		const result = typeof proof === 'string' ? { valid: false as const, reason: proof } : checkTxProof(proof);
		if (!result.valid) {
			io.err(`agora verify-proof: invalid: ${result.reason}`);
			return 1;
		}
		const { header, tx } = result;
		const { index, size } = proof as TxProof;
		io.out(`valid: transaction ${txIdHex(tx)} (${tx.kind} from ${toHex(tx.from)}) is transaction ${index} of ${size} in block ${blockHashHex(header)} at height ${header.height} of chain ${toHex(header.chain)}, sealed by ${toHex(header.proposer)}`);
		return 0;
	}
};
