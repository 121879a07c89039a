/**
 * Message framing over a data channel. Chromium delivers at most 256 KiB in
 * one data-channel message and simple-peer does not split, while a sync frame
 * may be up to MAX_FRAME_BYTES: each frame goes as chunks of at most
 * CHUNK_BYTES, each led by one byte saying whether more of the frame follows.
 */
import { AgoraError } from '../core/errors.js';

/** 16 KiB is what every WebRTC implementation carries in one message. */
export const CHUNK_BYTES = 16 * 1024;
const MORE = 1;
const LAST = 0;

export function toChunks(frame: Uint8Array, chunkBytes = CHUNK_BYTES): Uint8Array[] {
	const body = chunkBytes - 1;
	const chunks: Uint8Array[] = [];
	for (let at = 0; at === 0 || at < frame.length; at += body) {
		const part = frame.subarray(at, at + body);
		const chunk = new Uint8Array(part.length + 1);
		chunk[0] = at + body < frame.length ? MORE : LAST;
		chunk.set(part, 1);
		chunks.push(chunk);
	}
	return chunks;
}

/** Joins chunks back into frames; a frame growing past `maxFrameBytes` or a chunk without its flag is an E_FRAME error. */
export class Reassembler {
	private parts: Uint8Array[] = [];
	private size = 0;

	constructor(private readonly maxFrameBytes: number) {}

	/** Returns the frame a chunk completes, or null while more is expected. */
	push(chunk: Uint8Array): Uint8Array | null {
		const flag = chunk[0];
		if (chunk.length === 0 || (flag !== MORE && flag !== LAST)) {
			throw new AgoraError('E_FRAME', `chunk flag must be ${MORE} or ${LAST}`, 'chunk[0]', flag);
		}
		this.size += chunk.length - 1;
		if (this.size > this.maxFrameBytes) throw new AgoraError('E_FRAME', `frame exceeds ${this.maxFrameBytes} bytes`, 'frame', this.size);
		this.parts.push(chunk.subarray(1));
		if (flag === MORE) return null;
		const frame = new Uint8Array(this.size);
		let at = 0;
		for (const part of this.parts) {
			frame.set(part, at);
			at += part.length;
		}
		this.parts = [];
		this.size = 0;
		return frame;
	}
}
