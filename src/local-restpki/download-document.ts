/**
 * Fetching a predefined document given by `url`. The body is streamed to a staging file with a size limit; the URL
 * is never logged or echoed, because applications put their own authorization in it.
 */
import { Readable } from 'node:stream';
import { type ReadableStream as NodeReadableStream } from 'node:stream/web';
import { DocumentDownloadError, DocumentTooLargeError } from './errors';
import { FileTooLargeError, type FileStore, type StagedFile } from './file-store';

const DOWNLOAD_TIMEOUT_MS = 60_000;

/** A downloaded document waiting to be committed, with what the response said about it. */
export interface DownloadedDocument extends StagedFile {
  /** Last segment of the URL's path, when it has one. */
  nameFromUrl: string | null;
  /** The response's media type without parameters, when it gave one. */
  mimeType: string | null;
}

/** Downloads `url` into staging; `field` (`documents[0]`) names the document in errors. */
export async function downloadDocument(
  files: FileStore,
  field: string,
  url: string,
  limitBytes: number,
): Promise<DownloadedDocument> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    throw new DocumentDownloadError(field, 'the URL could not be reached', { cause: error });
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new DocumentDownloadError(field, `the URL answered HTTP ${response.status}`);
  }
  if (Number(response.headers.get('content-length') ?? 0) > limitBytes) {
    await response.body.cancel();
    throw new DocumentTooLargeError(field, limitBytes);
  }

  let staged: StagedFile;
  try {
    staged = await files.stage(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), limitBytes);
  } catch (error) {
    if (error instanceof FileTooLargeError) throw new DocumentTooLargeError(field, limitBytes);
    throw new DocumentDownloadError(field, 'the download was interrupted', { cause: error });
  }

  const lastSegment = lastPathSegment(url);
  return {
    ...staged,
    nameFromUrl: lastSegment === '' ? null : lastSegment,
    mimeType: response.headers.get('content-type')?.split(';')[0]?.trim() || null,
  };
}

function lastPathSegment(url: string): string {
  const segment = new URL(url).pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
