/** `agora serve`: the built app and its signaling relay on one port, until SIGINT or SIGTERM. */
import { startSite, SiteConfigError } from '../../server/static.js';
import { ListenError } from '../../server/listen.js';
import { CliError, UsageError, hostFlag, portFlag, untilSignal, type Command, type FlagSpecs } from '../command.js';

const flags = {
	port: { type: 'string', arg: '<port>', help: 'port to listen on (default 5173; 0 picks a free one)' },
	host: { type: 'string', arg: '<host>', help: 'address to bind (default 127.0.0.1)' },
	dir: { type: 'string', arg: '<dir>', help: 'the built site (default build)' },
	base: { type: 'string', arg: '<path>', help: 'serve under this sub-path, as built with BASE_PATH (e.g. /agora)' }
} as const satisfies FlagSpecs;

export const serve: Command<typeof flags> = {
	name: 'serve',
	summary: 'serve the built app and a signaling relay on one port',
	flags,
	async run(options, io) {
		const port = portFlag('serve', options.port, 5173);
		const host = hostFlag('serve', options.host, '127.0.0.1');
		let site;
		try {
			site = await startSite({ port, host, base: options.base, dir: options.dir });
		} catch (error) {
			// A malformed --base is a usage error; a site that is not built, or a port taken, is not.
			if (error instanceof SiteConfigError && error.option === 'base') throw new UsageError('serve', `--${error.message}`);
			if (error instanceof SiteConfigError || error instanceof ListenError) throw new CliError('serve', error.message);
			throw error;
		}
		// Listen for signals before printing: whoever reads the line may stop us at once.
		const stopped = untilSignal();
		io.out(`Agora is running at ${site.url} (signaling relay ${site.signalUrl})`);
		await stopped;
		await site.close();
		return 0;
	}
};
