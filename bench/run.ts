/**
 * `npm run bench [-- SUITE...]`: runs every suite in bench/suites/ (or the
 * named ones), prints their tables and writes bench/results.json. A run of
 * some suites keeps the other suites' last results in the file.
 * `npm run bench -- --markdown` prints bench/results.json as the Markdown
 * tables README.md shows, without running anything.
 *
 * A new suite is one file in bench/suites/ whose default export is a
 * `Suite` (see harness.ts); nothing else needs to change.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { loadAverage, machine, markdown, suiteContext, table, type Figure, type Results, type Suite, type SuiteResult } from './harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const suitesDir = join(here, 'suites');
const resultsFile = join(here, 'results.json');

async function loadSuites(): Promise<Suite[]> {
	const files = (await readdir(suitesDir)).filter((f) => f.endsWith('.ts')).sort();
	const suites = await Promise.all(files.map(async (f) => (await import(pathToFileURL(join(suitesDir, f)).href)).default as Suite));
	return suites.sort((a, b) => a.order - b.order);
}

async function previousResults(): Promise<Results | null> {
	try {
		return JSON.parse(await readFile(resultsFile, 'utf8')) as Results;
	} catch {
		return null;
	}
}

async function main(args: readonly string[]): Promise<number> {
	if (args.includes('--markdown')) {
		const results = await previousResults();
		if (!results) {
			console.error(`no results yet in ${resultsFile}: run npm run bench first`);
			return 1;
		}
		console.log(markdown(results));
		return 0;
	}
	const all = await loadSuites();
	const unknown = args.filter((a) => !all.some((s) => s.name === a));
	if (unknown.length > 0) {
		console.error(`unknown suite ${unknown.join(', ')}; suites: ${all.map((s) => s.name).join(', ')}`);
		return 2;
	}
	const chosen = args.length > 0 ? all.filter((s) => args.includes(s.name)) : all;
	const info = machine();
	console.log(`Agora benchmarks: ${chosen.map((s) => s.name).join(', ')}`);
	console.log(`${info.cpuModel}, ${info.cpus} cpus (${info.availableParallelism} usable), ${info.memoryGiB} GiB, Node ${info.node}, ${info.platform}`);
	const suites: Record<string, SuiteResult> = { ...(await previousResults())?.suites };
	const printed: string[] = [];
	for (const suite of chosen) {
		const figures: Figure[] = [];
		const started = performance.now();
		const load = loadAverage();
		console.log(`\n[${suite.name}] ${suite.title} (load average ${load})`);
		await suite.run(suiteContext(suite.name, figures, (message) => console.log(`  ${message}`)));
		suites[suite.name] = { title: suite.title, order: suite.order, date: new Date().toISOString(), loadAverage: load, seconds: Math.round((performance.now() - started) / 100) / 10, figures };
		printed.push(table(`${suite.title} (${suite.name})`, figures));
	}
	console.log(printed.join('\n'));
	const results: Results = { command: 'npm run bench', date: new Date().toISOString(), machine: info, suites };
	await writeFile(resultsFile, JSON.stringify(results, null, '\t') + '\n');
	console.log(`\nwrote ${resultsFile}`);
	return 0;
}

process.exitCode = await main(process.argv.slice(2));
