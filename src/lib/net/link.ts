/**
 * A link to one remote peer, as the node sees it: bytes in, bytes out, and a
 * close with a reason. The transport behind it (a WebRTC data channel piped
 * through a MessagePort from the main thread, an in-process pair in tests
 * and benchmarks) is not the node's concern.
 */
export interface PeerLink {
	/** A stable id for the remote peer within this session (its signaling id). */
	readonly id: string;
	send(bytes: Uint8Array): void;
	/**
	 * Closes the link; `reason` is logged on both sides where possible.
	 * `misbehaved` asks the transport to refuse the peer for a while.
	 */
	close(reason: string, misbehaved?: boolean): void;
	onMessage: ((bytes: Uint8Array) => void) | null;
	onClose: ((reason: string) => void) | null;
}

/** What travels over the MessagePort that joins a main-thread transport to the worker's link. */
export type PortMessage = { readonly t: 'data'; readonly data: ArrayBuffer } | { readonly t: 'close'; readonly reason: string; readonly misbehaved?: boolean };

/** Minimal MessagePort surface, satisfied by the DOM's and node:worker_threads' ports. */
export interface PortLike {
	postMessage(message: unknown, transfer?: Transferable[]): void;
	onmessage: ((event: MessageEvent) => void) | null;
	close(): void;
}

function copyOut(bytes: Uint8Array): ArrayBuffer {
	// Transfer a private, exact copy: the caller may keep using its view, and
	// in Node a view's buffer may be a shared pool (Buffer.slice does not copy).
	return new Uint8Array(bytes).buffer as ArrayBuffer;
}

/** The worker's end of a port: a PeerLink. */
export function linkFromPort(id: string, port: PortLike): PeerLink {
	let open = true;
	const link: PeerLink = {
		id,
		send(bytes) {
			if (!open) return;
			const data = copyOut(bytes);
			port.postMessage({ t: 'data', data } satisfies PortMessage, [data]);
		},
		close(reason, misbehaved = false) {
			if (!open) return;
			open = false;
			port.postMessage({ t: 'close', reason, misbehaved } satisfies PortMessage);
			port.close();
			link.onClose?.(reason);
		},
		onMessage: null,
		onClose: null
	};
	port.onmessage = (event) => {
		const msg = event.data as PortMessage;
		if (msg?.t === 'data' && msg.data instanceof ArrayBuffer) link.onMessage?.(new Uint8Array(msg.data));
		else if (msg?.t === 'close' && open) {
			open = false;
			port.close();
			link.onClose?.(msg.reason);
		}
	};
	return link;
}

/** The transport's end of a port: forwards bytes both ways and reports closes. */
export interface PortPipe {
	/** Bytes that arrived from the remote peer: forward them to the worker. */
	deliver(bytes: Uint8Array): void;
	/** The transport closed: tell the worker. */
	closed(reason: string): void;
}

export function pipeToPort(port: PortLike, send: (bytes: Uint8Array) => void, close: (reason: string, misbehaved: boolean) => void): PortPipe {
	let open = true;
	port.onmessage = (event) => {
		const msg = event.data as PortMessage;
		if (msg?.t === 'data' && msg.data instanceof ArrayBuffer) send(new Uint8Array(msg.data));
		else if (msg?.t === 'close' && open) {
			open = false;
			port.close();
			close(msg.reason, msg.misbehaved === true);
		}
	};
	return {
		deliver(bytes) {
			if (!open) return;
			const data = copyOut(bytes);
			port.postMessage({ t: 'data', data } satisfies PortMessage, [data]);
		},
		closed(reason) {
			if (!open) return;
			open = false;
			port.postMessage({ t: 'close', reason } satisfies PortMessage);
			port.close();
		}
	};
}
