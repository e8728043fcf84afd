/**
 * Reads the session from Rest PKI Core: the truth the workflow decides on, whatever a return or a webhook claimed.
 */
import { Context } from '@temporalio/activity';
import { type CertificateModel, type SignatureSessionModel } from '../restpki/models';
import { type SessionSnapshot, type SignerSummary } from '../workflows/messages';
import { type ActivityDependencies } from './index';

export function readSignatureSessionActivity({ restPki }: ActivityDependencies) {
  return async function readSignatureSession({ sessionId }: { sessionId: string }): Promise<SessionSnapshot> {
    const session = await restPki.getSession(sessionId, { signal: Context.current().cancellationSignal });
    return toSnapshot(session);
  };
}

/** The parts of a session model the workflow needs, small enough for history and free of personal identifiers. */
export function toSnapshot(session: SignatureSessionModel): SessionSnapshot {
  return {
    status: session.status,
    processingErrorCode: session.processingErrorCode,
    documents: (session.documents ?? []).map((document) => ({
      id: document.id,
      status: document.status ?? 'Unknown',
      name: document.originalFile?.name ?? null,
    })),
    signer: session.signerCertificate ? summarizeSigner(session.signerCertificate) : null,
  };
}

/**
 * ICP-Brasil common names read `NAME:CPF`; the summary keeps the name and drops the CPF, and leaves out every other
 * field that identifies the holder (the CPF in `pkiBrazil`, dates of birth, ID numbers).
 */
function summarizeSigner(certificate: CertificateModel): SignerSummary {
  const commonName =
    certificate.subjectDisplayName ?? certificate.subjectCommonName ?? certificate.subjectName?.commonName;
  return {
    name: commonName ? commonName.replace(/:\d{11}$/, '') : null,
    certificateType: certificate.pkiBrazil?.certificateType ?? null,
    issuerName: certificate.issuerDisplayName ?? certificate.issuerName?.commonName ?? null,
    thumbprintSha256: certificate.thumbprintSHA256 ?? null,
    validityEnd: certificate.validityEnd ?? null,
  };
}
