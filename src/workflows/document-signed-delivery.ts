/**
 * Records one `DocumentSignatureCompleted` webhook delivery durably, then tells the session behind the document.
 * The webhook receiver answers Rest PKI Core as soon as this workflow has started; finding the session and signalling
 * it happen here, with retries, however long Rest PKI Core or the worker is away.
 */
import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { SignatureSessionActivities } from '../activities';
import { NON_RETRYABLE_RESTPKI_ERRORS } from '../restpki/errors';
import { documentSignedSignal } from './messages';

const { findSessionOfDocument } = proxyActivities<SignatureSessionActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: [...NON_RETRYABLE_RESTPKI_ERRORS],
  },
});

/** What happened to the delivery. */
export type DeliveryOutcome = 'signalled' | 'unknown-document' | 'session-ended';

export async function documentSignedDelivery({ documentId }: { documentId: string }): Promise<DeliveryOutcome> {
  const workflowId = await findSessionOfDocument({ documentId });
  if (workflowId === null) {
    log.warn('Webhook for a document no session of ours created', { documentId });
    return 'unknown-document';
  }

  try {
    await getExternalWorkflowHandle(workflowId).signal(documentSignedSignal, { documentId });
    return 'signalled';
  } catch {
    // The only failure of an external signal is a target that is not running: the session already ended, after
    // reading the API itself, so there is nobody left to tell.
    log.info('Webhook for a document whose session already ended', { documentId, workflowId });
    return 'session-ended';
  }
}
