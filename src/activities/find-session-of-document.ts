/**
 * Finds the workflow behind a document that a webhook named, by reading the document from Rest PKI Core (the webhook
 * body is not trusted for it) and looking for the workflow ID the session put in every document's metadata.
 */
import { Context } from '@temporalio/activity';
import { RestPkiNotFoundError } from '../restpki/errors';
import { WORKFLOW_METADATA_NAME } from '../workflows/messages';
import { type ActivityDependencies } from './index';

export function findSessionOfDocumentActivity({ restPki }: Pick<ActivityDependencies, 'restPki'>) {
  /** Returns the workflow ID, or `null` when the document is unknown or was not created by one of our sessions. */
  return async function findSessionOfDocument({ documentId }: { documentId: string }): Promise<string | null> {
    try {
      const document = await restPki.getDocument(documentId, { signal: Context.current().cancellationSignal });
      return document.metadata?.[WORKFLOW_METADATA_NAME]?.[0] ?? null;
    } catch (error) {
      if (error instanceof RestPkiNotFoundError) return null;
      throw error;
    }
  };
}
