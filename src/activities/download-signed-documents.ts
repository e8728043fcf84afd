/**
 * Downloads every completed document's signed file into the store. Each document is read again first for a fresh
 * file URL (URLs may change between reads and expire). Documents already stored are skipped, so a retry after a crash
 * downloads only what is missing, and no file is ever stored twice. The result lists the documents in the session's
 * order.
 */
import { Context } from '@temporalio/activity';
import { inLanes } from '../concurrency';
import { storageKeyFor } from '../storage/document-store';
import { type StoredSignedDocument } from '../workflows/messages';
import { type ActivityDependencies } from './index';

/** How many documents of a session are downloaded at once. */
const PARALLEL_DOWNLOADS = 3;

export interface DownloadSignedDocumentsInput {
  workflowId: string;
  sessionId: string;
}

/** Thrown when a completed document has no signed file to download. */
export class SignedFileMissingError extends Error {
  constructor(readonly documentId: string) {
    super(`Rest PKI Core reports document ${documentId} as completed but gives no signed file for it`);
    this.name = 'SignedFileMissingError';
  }
}

export function downloadSignedDocumentsActivity({ restPki, store }: ActivityDependencies) {
  return async function downloadSignedDocuments({
    workflowId,
    sessionId,
  }: DownloadSignedDocumentsInput): Promise<StoredSignedDocument[]> {
    const context = Context.current();
    const signal = context.cancellationSignal;
    const session = await restPki.getSession(sessionId, { signal });
    const completed = (session.documents ?? []).filter((document) => document.status === 'Completed');

    // A few documents at once: their downloads and the syncs that make them durable overlap. Every one is waited for
    // before the activity answers, so no write outlives a failed attempt; the retry skips what was stored.
    let done = 0;
    return inLanes(completed.length, PARALLEL_DOWNLOADS, async (index): Promise<StoredSignedDocument> => {
      const summary = completed[index]!;
      const key = storageKeyFor({ workflowId, documentId: summary.id, fileName: summary.signedFile?.name });
      let record = await store.stat(key);
      if (!record) {
        const document = await restPki.getDocument(summary.id, { signal });
        const url = document.signedFile?.url ?? document.signedFile?.location;
        if (!url) throw new SignedFileMissingError(summary.id);
        const download = await restPki.downloadFile(url, { signal });
        record = await store.put(key, download.body, {
          size: download.contentLength,
          contentType: download.contentType ?? document.signedFile?.mimeType ?? undefined,
        });
      }
      context.heartbeat({ stored: ++done, of: completed.length });
      return {
        documentId: summary.id,
        fileName: record.fileName,
        signatureType: summary.signatureType ?? null,
        storageKey: record.key,
        sha256: record.sha256,
        size: record.size,
      };
    });
  };
}
