/**
 * What `agora verify` reports about a valid export, built from small
 * sections so that each module of the ledger (governance, the queue) adds
 * its own: a section reads the loaded chain and gives its JSON and one line
 * of text. `agora simulate` prints the same summary of the file it wrote.
 */
import { toHex } from '../lib/core/bytes.js';
import type { LoadedExport } from '../lib/core/export/load.js';
import { governanceSummary } from '../lib/core/state/dao/queries.js';
import { queueSummary } from '../lib/core/state/queue/queries.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SummarySection {
	readonly name: string;
	readonly build: (loaded: LoadedExport) => { readonly json: Json; readonly text: string };
}

/** `a 3, b 1` for the non-zero counts, in the order given. */
function nonZero(counts: Readonly<Record<string, number>>): string {
	return Object.entries(counts)
		.filter(([, n]) => n > 0)
		.map(([k, n]) => `${k} ${n}`)
		.join(', ');
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

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
		const byKind = Object.fromEntries([...counts.keys()].sort().map((k) => [k, counts.get(k)!]));
		const total = [...counts.values()].reduce((a, b) => a + b, 0);
		return { json: { total, byKind }, text: `${total}${total ? ` (${nonZero(byKind)})` : ''}` };
	}
};

/** Proposals by status, ballots, delegations, the treasury, and which governed settings proposals made (or scheduled). */
const governance: SummarySection = {
	name: 'governance',
	build: ({ chain: c }) => {
		const g = governanceSummary(c.state);
		const made = g.settings.flatMap((s) => [...(s.proposal === null ? [] : [`${s.name} from ${s.effectiveFrom}`]), ...(s.pending ? [`${s.name} from ${s.pending.effectiveFrom} (scheduled)`] : [])]);
		const byStatus = nonZero(g.byStatus);
		return {
			json: g as unknown as Json,
			text: [
				`${plural(g.proposals, 'proposal')}${byStatus ? ` (${byStatus})` : ''}`,
				plural(g.ballots, 'ballot'),
				plural(g.delegations, 'delegation'),
				plural(g.members, 'member'),
				`treasury ${g.treasury}`,
				`settings by proposal: ${made.length ? made.join(', ') : 'none'}`
			].join(', ')
		};
	}
};

/** Messages by guarantee, and what became of their deliveries. */
const queue: SummarySection = {
	name: 'queue',
	build: ({ chain: c }) => {
		const q = queueSummary(c.state);
		const byGuarantee = nonZero(q.byGuarantee);
		const outcomes = { acked: q.acked, nacked: q.nacked, 'dead-lettered': q.deadLettered, expired: q.expired, redriven: q.redriven, pending: q.pending, 'in flight': q.inFlight, held: q.held };
		return {
			json: q as unknown as Json,
			text: `${plural(q.messages, 'message')}${byGuarantee ? ` (${byGuarantee})` : ''}, ${plural(q.deliveries, 'delivery', 'deliveries')}${q.deliveries ? ` (${nonZero(outcomes)})` : ''}, fees ${q.feesCollected}`
		};
	}
};

/** In the order they are printed. */
export const SUMMARY_SECTIONS: readonly SummarySection[] = [file, chain, head, finalized, transactions, governance, queue];

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
