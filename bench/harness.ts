/**
 * The benchmark harness: what a suite is, how it measures, and how its
 * figures are printed and kept in bench/results.json.
 *
 * A suite is one file in bench/suites/ whose default export is a `Suite`;
 * run.ts finds it there. The machine is noisy, so every figure is the
 * median of several samples (all of them kept), and comparisons are ratios
 * of figures measured in the same run, never absolute thresholds.
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** A range measured on the Python reference implementation (../shared/REFERENCE.md). */
export interface Reference {
	readonly low: number;
	readonly high: number;
	readonly unit: string;
	readonly source: string;
}

export interface Figure {
	/** Stable id, `suite.what`, for scripts reading results.json. */
	readonly id: string;
	readonly label: string;
	readonly value: number;
	readonly unit: string;
	/** Which way is better: rates go up, durations go down. */
	readonly better: 'higher' | 'lower';
	/** Every sample the value is the median of. */
	readonly samples?: readonly number[];
	readonly reference?: Reference;
	/** For a ratio: the ids of the figures divided. */
	readonly of?: readonly [string, string];
	/** For a ratio with a goal: the value to reach. */
	readonly target?: number;
	readonly note?: string;
}

export interface Measured {
	/** The median sample. */
	readonly value: number;
	readonly samples: readonly number[];
}

export interface RateOptions {
	/** Operations one call performs (a batch of 256 verifications: 256). */
	readonly ops?: number;
	/** The least time one sample runs for. */
	readonly minMs?: number;
	readonly samples?: number;
}

export interface SuiteContext {
	/** Operations per second of `fn`: calls are repeated until a sample lasts `minMs`. */
	rate(fn: () => unknown, options?: RateOptions): Promise<Measured>;
	/** Seconds one call of `fn` takes, once per sample (for runs long enough to time alone). */
	seconds(fn: () => unknown, samples?: number): Promise<Measured>;
	/** Adds a figure to the table and to results.json; returns it, to make ratios of. */
	record(figure: Omit<Figure, 'id'> & { readonly id: string }): Figure;
	/** Records `a / b` (ids and values of two figures of this run) as a figure of its own. */
	ratio(id: string, label: string, a: Figure, b: Figure, target?: number): Figure;
	/** A line of progress, shown while the suite runs. */
	log(message: string): void;
}

export interface Suite {
	/** Short name, the key in results.json and the filter on the command line. */
	readonly name: string;
	readonly title: string;
	/** Suites run and print in this order. */
	readonly order: number;
	run(ctx: SuiteContext): Promise<void>;
}

export interface SuiteResult {
	readonly title: string;
	readonly order: number;
	readonly date: string;
	/** The 1-minute load average when the suite started: other work on the machine skews wall-clock figures. */
	readonly loadAverage: number;
	readonly seconds: number;
	readonly figures: readonly Figure[];
}

export interface Machine {
	readonly cpus: number;
	readonly availableParallelism: number;
	readonly cpuModel: string;
	readonly memoryGiB: number;
	readonly node: string;
	readonly v8: string;
	readonly platform: string;
}

export interface Results {
	readonly command: string;
	readonly date: string;
	readonly machine: Machine;
	readonly suites: Record<string, SuiteResult>;
}

export function machine(): Machine {
	const list = cpus();
	return {
		cpus: list.length,
		availableParallelism: availableParallelism(),
		cpuModel: list[0]?.model.trim() ?? 'unknown',
		memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
		node: process.version,
		v8: process.versions.v8,
		platform: `${process.platform} ${process.arch}`
	};
}

/** The 1-minute load average, rounded. */
export function loadAverage(): number {
	return Math.round(loadavg()[0]! * 100) / 100;
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const DEFAULT_SAMPLES = 5;
const DEFAULT_MIN_MS = 300;

/** The context a suite runs in; its figures are collected in `figures`. */
export function suiteContext(name: string, figures: Figure[], log: (message: string) => void): SuiteContext {
	return {
		async rate(fn, { ops = 1, minMs = DEFAULT_MIN_MS, samples = DEFAULT_SAMPLES } = {}) {
			// Warm up (and calibrate): a sample repeats the call as often as fits in minMs.
			let start = performance.now();
			await fn();
			const once = Math.max(performance.now() - start, 0.001);
			const calls = Math.max(1, Math.ceil(minMs / once));
			const rates: number[] = [];
			for (let s = 0; s < samples; s++) {
				start = performance.now();
				for (let i = 0; i < calls; i++) await fn();
				rates.push((calls * ops * 1000) / (performance.now() - start));
			}
			return { value: median(rates), samples: rates };
		},
		async seconds(fn, samples = DEFAULT_SAMPLES) {
			const times: number[] = [];
			for (let s = 0; s < samples; s++) {
				const start = performance.now();
				await fn();
				times.push((performance.now() - start) / 1000);
			}
			return { value: median(times), samples: times };
		},
		record(figure) {
			const full: Figure = { ...figure, id: `${name}.${figure.id}` };
			figures.push(full);
			log(`${full.label}: ${valueText(full)}`);
			return full;
		},
		ratio(id, label, a, b, target) {
			return this.record({ id, label, value: a.value / b.value, unit: '×', better: 'higher', of: [a.id, b.id], ...(target === undefined ? {} : { target }) });
		},
		log
	};
}

/** A number as people read it: three significant digits, thousands grouped. */
export function format(value: number): string {
	if (!Number.isFinite(value)) return String(value);
	const abs = Math.abs(value);
	const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
	return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A reference range as people read it: "3,000–3,800 tx/s", or one value when the range is one. */
export function referenceText(f: Figure): string {
	const r = f.reference;
	if (r) return `${r.low === r.high ? format(r.low) : `${format(r.low)}–${format(r.high)}`} ${r.unit}`;
	return f.target !== undefined ? `target ≥ ${format(f.target)}` : '';
}

/** A figure's value with its unit: "3,736 tx/s", "0.62×". */
export function valueText(f: Figure): string {
	return f.unit === '×' ? `${format(f.value)}×` : `${format(f.value)} ${f.unit}`;
}

/** How a figure compares with its reference range: "8.1–10×" (always as "times better"). */
export function versusReference(f: Figure): string {
	const r = f.reference;
	if (!r) return '';
	const [a, b] = f.better === 'higher' ? [f.value / r.high, f.value / r.low] : [r.low / f.value, r.high / f.value];
	return a.toPrecision(2) === b.toPrecision(2) ? `${format(a)}×` : `${format(a)}–${format(b)}×`;
}

/** The comparison column: against the reference, or whether a target was met. */
function versusText(f: Figure): string {
	if (f.reference) return versusReference(f);
	return f.target === undefined ? '' : f.value >= f.target ? 'met' : 'not met';
}

/** The figures of one suite as a plain-text table. */
export function table(title: string, figures: readonly Figure[]): string {
	const rows = figures.map((f) => {
		const spread = f.samples && f.samples.length > 1 ? `${format(Math.min(...f.samples))}–${format(Math.max(...f.samples))}` : '';
		return [f.label, valueText(f), spread, referenceText(f), versusText(f)];
	});
	const head = ['figure', 'value (median)', 'samples', 'reference', 'vs reference'];
	const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
	const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
	return [`\n${title}`, line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The results of a run as one Markdown table, a section per suite: what README.md shows. */
export function markdown(results: Results): string {
	const m = results.machine;
	const out = [
		`Measured ${results.date.slice(0, 10)} on ${m.cpuModel}, ${m.cpus} cpus (shared: the load average at the start of each suite is shown), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.`,
		'',
		'| Figure | Agora (median) | Reference (Python) | Agora vs reference |',
		'| --- | ---: | ---: | ---: |'
	];
	for (const suite of Object.values(results.suites).sort((a, b) => a.order - b.order)) {
		out.push(`| **${suite.title}** (load ${suite.loadAverage}) | | | |`);
		for (const f of suite.figures) out.push(`| ${f.label} | ${valueText(f)} | ${referenceText(f)} | ${versusText(f)} |`);
	}
	return out.join('\n');
}
