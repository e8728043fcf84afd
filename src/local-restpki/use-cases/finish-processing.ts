/**
 * The end of background processing: the documents of a `Processing` session are signed and the session completes,
 * or it ends in `ProcessingError` when its certificate turned out revoked (the test PKI's `diego-revoked-a1`) or a
 * document could not be signed. Runs from the background loop, also for sessions a previous run left `Processing`.
 */
import { type ServiceContext } from '../context';
import { DocumentSigningError } from '../errors';
import { webhookDelay } from '../webhooks';
import { signDocuments } from './sign-documents';

/** `processingErrorCode` when the signer's certificate is revoked. */
export const CERTIFICATE_REVOKED = 'CertificateRevoked';

/** `processingErrorCode` when a signer failed on a document. */
export const SIGNING_FAILED = 'SigningFailed';

/** Finishes one session whose processing time is over; does nothing if it is no longer `Processing`. */
export async function finishProcessing(context: ServiceContext, sessionId: string): Promise<void> {
  const session = context.store.getSession(sessionId);
  if (!session || session.status !== 'Processing') return;
  const certificateId = session.signerCertificateId ?? '';
  const certificate = context.pki.find(certificateId);

  if (!certificate || certificate.revoked) {
    context.store.failProcessing(sessionId, CERTIFICATE_REVOKED, Date.now());
    context.logger.info({ sessionId, certificateId }, 'Signature session failed processing: certificate revoked');
    context.events.changed(sessionId);
    return;
  }

  try {
    const signedFiles = await signDocuments(context, context.store.listDocuments(sessionId), certificateId);
    context.store.completeSession({
      id: sessionId,
      from: 'Processing',
      certificateId,
      signedFiles,
      now: Date.now(),
      queueWebhooks: context.config.webhook.url !== null,
      webhookDelayMs: () => webhookDelay(context.config.faults),
    });
    context.logger.info({ sessionId, documents: signedFiles.length }, 'Signature session completed processing');
  } catch (error) {
    if (!(error instanceof DocumentSigningError)) throw error;
    context.store.failProcessing(sessionId, SIGNING_FAILED, Date.now());
    context.logger.warn(
      { sessionId, err: error },
      'Signature session failed processing: a document could not be signed',
    );
  }
  context.events.changed(sessionId);
}
