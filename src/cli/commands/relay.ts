/** `agora relay`: a standalone signaling relay, until SIGINT or SIGTERM. */
import { startRelay } from '../../server/relay.js';
import { ListenError } from '../../server/listen.js';
import { CliError, hostFlag, portFlag, untilSignal, type Command, type FlagSpecs } from '../command.js';

const flags = {
	port: { type: 'string', arg: '<port>', help: 'port to listen on (default 4444; 0 picks a free one)' },
	host: { type: 'string', arg: '<host>', help: 'address to bind (default 127.0.0.1)' }
} as const satisfies FlagSpecs;

export const relay: Command<typeof flags> = {
	name: 'relay',
	summary: 'run a standalone signaling relay (y-webrtc protocol)',
	flags,
	async run(options, io) {
		const port = portFlag('relay', options.port, 4444);
		const host = hostFlag('relay', options.host, '127.0.0.1');
		let running;
		try {
			running = await startRelay({ port, host });
		} catch (error) {
			if (error instanceof ListenError) throw new CliError('relay', error.message);
			throw error;
		}
		// Listen for signals before printing: whoever reads the line may stop us at once.
		const stopped = untilSignal();
		io.out(`Agora signaling relay is running at ${running.url}`);
		await stopped;
		await running.close();
		return 0;
	}
};
