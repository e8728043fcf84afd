/**
 * The user signs on the page with a certificate of the test PKI. The choice is checked here, whatever the page
 * offered, because a form post can be forged. Without background processing the documents are signed now and the
 * session completes; with it, the session turns `Processing` and the background loop finishes it later.
 *
 * Revocation is checked only by background processing (tolerant choice): signing with the revoked test certificate
 * and no background processing completes normally, as a service that checks revocation asynchronously would.
 */
import { type ServiceContext } from '../context';
import { CertificateRefusedError, NoDocumentsToSignError, SessionNotPendingError } from '../errors';
import { refusalReason } from '../certificate-requirements';
import { type SessionRecord } from '../store';
import { findSession } from './find-session';
import { signDocuments } from './sign-documents';
import { webhookDelay } from '../webhooks';

/** Signs (or starts processing) the session with `certificateId`; returns the session as it is afterwards. */
export async function signSession(
  context: ServiceContext,
  sessionId: string,
  certificateId: string,
): Promise<SessionRecord> {
  const session = findSession(context, sessionId);
  if (session.status !== 'Pending' || context.signingNow.has(sessionId)) {
    throw new SessionNotPendingError(sessionId, session.status);
  }
  const certificate = context.pki.find(certificateId);
  if (!certificate) throw new CertificateRefusedError(sessionId, certificateId, 'no such certificate');
  const refusal = refusalReason(certificate, session.certificateRequirements);
  if (refusal !== null) throw new CertificateRefusedError(sessionId, certificateId, refusal);
  const documents = context.store.listDocuments(sessionId);
  if (documents.length === 0) throw new NoDocumentsToSignError(sessionId);

  if (session.backgroundProcessing) {
    const now = Date.now();
    if (!context.store.startProcessing(sessionId, certificateId, now, now + context.config.processingDurationMs)) {
      throw new SessionNotPendingError(sessionId, findSession(context, sessionId).status);
    }
    context.logger.info({ sessionId, certificateId }, 'Signature session signed; processing in the background');
  } else {
    context.signingNow.add(sessionId);
    try {
      const signedFiles = await signDocuments(context, documents, certificateId);
      const completed = context.store.completeSession({
        id: sessionId,
        from: 'Pending',
        certificateId,
        signedFiles,
        now: Date.now(),
        queueWebhooks: context.config.webhook.url !== null,
        webhookDelayMs: () => webhookDelay(context.config.faults),
      });
      if (!completed) throw new SessionNotPendingError(sessionId, findSession(context, sessionId).status);
    } finally {
      context.signingNow.delete(sessionId);
    }
    context.logger.info({ sessionId, certificateId, documents: documents.length }, 'Signature session completed');
  }

  context.events.changed(sessionId);
  context.wake();
  return findSession(context, sessionId);
}
