/**
 * Downloads every completed document's signed file into the store. Each document is read again first for a fresh
 * file URL (URLs may change between reads and expire). Documents already stored are skipped, so a retry after a crash
 * downloads only what is missing, and no file is ever stored twice.
 */
import { Context } from '@temporalio/activity';
import { storageKeyFor } from '../storage/document-store';
import { type StoredSignedDocument } from '../workflows/messages';
import { type ActivityDependencies } from './index';

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

    const stored: StoredSignedDocument[] = [];
    for (const summary of completed) {
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
      stored.push({
        documentId: summary.id,
        fileName: record.fileName,
        signatureType: summary.signatureType ?? null,
        storageKey: record.key,
        sha256: record.sha256,
        size: record.size,
      });
      context.heartbeat({ stored: stored.length, of: completed.length });
    }
    return stored;
  };
}
