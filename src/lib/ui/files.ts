/** Files in and out of the page: the browser's download and file picker, nothing else. */
export function downloadBytes(bytes: Uint8Array, filename: string, type = 'application/octet-stream'): void {
	const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
	const a = document.createElement('a');
	a.href = url;
	a.download = filename;
	a.click();
	// The click has handed the URL to the download; the object URL is not needed after this task.
	setTimeout(() => URL.revokeObjectURL(url), 0);
}

export async function readFile(file: File): Promise<Uint8Array> {
	return new Uint8Array(await file.arrayBuffer());
}

/** A name that is safe as a file name on every system. */
export function fileSafe(name: string): string {
	return name.trim().replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'agora';
}
