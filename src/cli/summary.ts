/**
 * What `agora verify` reports about a valid export, built from small
 * sections so that each module of the ledger (governance, the queue) adds
 * its own: a section reads the loaded chain and gives its JSON and one line
 * of text.
 */
import { toHex } from '../lib/core/bytes.js';
import type { LoadedExport } from '../lib/core/export/load.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SummarySection {
	readonly name: string;
	readonly build: (loaded: LoadedExport) => { readonly json: Json; readonly text: string };
}

const file: SummarySection = {
	name: 'file',
	build: ({ version, blocks, bytes }) => ({ json: { format: version, blocks, bytes }, text: `export format ${version}, ${blocks} block${blocks === 1 ? '' : 's'}, ${bytes} bytes` })
};

const chain: SummarySection = {
	name: 'chain',
	build: ({ chain: c }) => ({
		json: { id: c.chainIdHex, name: c.config.name, engine: c.engine.name, genesisTime: c.config.time },
		text: `${c.chainIdHex} ${JSON.stringify(c.config.name)}, engine ${c.engine.name}, founded ${new Date(c.config.time).toISOString()}`
	})
};

const head: SummarySection = {
	name: 'head',
	build: ({ chain: c }) => {
		const h = c.head.header;
		const stateRoot = toHex(h.stateRoot);
		return {
			json: { height: c.height, hash: c.head.hash, time: h.time, stateRoot },
			text: `height ${c.height}, hash ${c.head.hash}, state root ${stateRoot}`
		};
	}
};

const finalized: SummarySection = {
	name: 'finalized',
	build: ({ chain: c }) => ({
		json: { height: c.finalized.height, hash: c.finalized.hash },
		text: `height ${c.finalized.height}, hash ${c.finalized.hash}`
	})
};

const transactions: SummarySection = {
	name: 'transactions',
	build: ({ chain: c }) => {
		const counts = new Map<string, number>();
		for (let h = 1; h <= c.height; h++) for (const tx of c.blockAt(h)!.block.txs) counts.set(tx.kind, (counts.get(tx.kind) ?? 0) + 1);
		const kinds = [...counts.keys()].sort();
		const total = [...counts.values()].reduce((a, b) => a + b, 0);
		return {
			json: { total, byKind: Object.fromEntries(kinds.map((k) => [k, counts.get(k)!])) },
			text: `${total}${kinds.length ? ` (${kinds.map((k) => `${k} ${counts.get(k)}`).join(', ')})` : ''}`
		};
	}
};

/** In the order they are printed. */
export const SUMMARY_SECTIONS: readonly SummarySection[] = [file, chain, head, finalized, transactions];

export function summarize(loaded: LoadedExport, sections: readonly SummarySection[] = SUMMARY_SECTIONS): { json: Record<string, Json>; lines: string[] } {
	const json: Record<string, Json> = { valid: true };
	const lines = ['valid'];
	const width = Math.max(...sections.map((s) => s.name.length));
	for (const section of sections) {
		const part = section.build(loaded);
		json[section.name] = part.json;
		lines.push(`  ${section.name.padEnd(width)}  ${part.text}`);
	}
	return { json, lines };
}
