/** Base64 (RFC 4648) for the text the network carries: signaling payloads, and the URL-safe form in invite links. */

export function toBase64(bytes: Uint8Array, urlSafe = false): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	const text = btoa(binary);
	return urlSafe ? text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : text;
}

/** The bytes, or null when `text` is not base64 (of the form asked for). */
export function fromBase64(text: string, urlSafe = false): Uint8Array<ArrayBuffer> | null {
	if (urlSafe && !/^[A-Za-z0-9_-]*$/.test(text)) return null;
	let binary: string;
	try {
		binary = atob(urlSafe ? text.replace(/-/g, '+').replace(/_/g, '/') : text);
	} catch {
		return null;
	}
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}
