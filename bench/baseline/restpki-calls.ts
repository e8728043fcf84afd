/**
 * The Rest PKI Core calls a hand-written integration makes, with `fetch` and the API key, reading only the fields it
 * uses; and the download of a signed file, streamed to disk and synced before the caller records it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ReadableStream as NodeReadableStream } from 'node:stream/web';

/** A file reference as the API gives it: `url` in newer servers, `location` in every documented example. */
export interface FileModel {
  name: string | null;
  url: string | null;
  location: string | null;
}

export interface SessionModel {
  id: string;
  status: string;
  callbackArgument: string | null;
  documents: { id: string; status: string | null; signedFile: FileModel | null }[] | null;
}

export interface DocumentModel {
  id: string;
  metadata: Record<string, string[]> | null;
  signedFile: FileModel | null;
}

/** Thrown when Rest PKI Core answers an error or a file cannot be downloaded. */
export class RestPkiCallError extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
  ) {
    super(`Rest PKI Core: ${call} answered HTTP ${status}`);
    this.name = 'RestPkiCallError';
  }
}

/** The API of one Rest PKI Core instance, as the baseline calls it. */
export class RestPkiCalls {
  constructor(
    private readonly endpoint: string,
    private readonly apiKey: string,
  ) {}

  createSession(request: unknown): Promise<{ sessionId: string; redirectUrl: string }> {
    return this.#call('POST', 'api/signature-sessions', request);
  }

  getSession(sessionId: string): Promise<SessionModel> {
    return this.#call('GET', `api/signature-sessions/${encodeURIComponent(sessionId)}`);
  }

  getDocument(documentId: string): Promise<DocumentModel> {
    return this.#call('GET', `api/documents/${encodeURIComponent(documentId)}`);
  }

  /**
   * Streams the file at `url` to `path` and syncs it, so that the file is on disk when the caller records it (the
   * same durability the document store gives). Returns the number of bytes written.
   */
  async downloadTo(url: string, path: string, options: { sync: boolean }): Promise<number> {
    const response = await fetch(url);
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new RestPkiCallError('download a signed file', response.status);
    }
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.partial`;
    const file = createWriteStream(partial);
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), file);
    if (options.sync) {
      const handle = await open(partial, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await rename(partial, path);
    return file.bytesWritten;
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.endpoint.endsWith('/') ? this.endpoint : `${this.endpoint}/`), {
      method,
      headers: {
        'X-Api-Key': this.apiKey,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new RestPkiCallError(`${method} /${path}`, response.status);
    }
    return (await response.json()) as T;
  }
}
