/**
 * A user adds a file on the signing page of a session created without documents. The file is streamed to staging,
 * checked by the subscription's name pattern and validation endpoint, and only then becomes a document of the
 * session; a rejected file leaves no trace and the documents already accepted stay.
 */
import { randomUUID } from 'node:crypto';
import { type Readable } from 'node:stream';
import { type ServiceContext } from '../context';
import { generateDocumentKey } from '../document-keys';
import { inferSignatureType, mimeTypeOf } from '../document-types';
import { BadSignatureSessionOperationError, SessionNotPendingError } from '../errors';
import { askValidationEndpoint, checkFileName } from '../file-validation';
import { findSession } from './find-session';

/** A file as the multipart parser hands it over. */
export interface UploadedFile {
  name: string;
  mimeType: string;
  stream: Readable;
  /** True after the stream ended if the parser cut the file at the size limit. */
  truncated: () => boolean;
}

/** What became of one uploaded file. */
export type UploadOutcome =
  { name: string; accepted: true; documentId: string } | { name: string; accepted: false; reason: string };

/**
 * Receives one file; throws {@link SessionNotPendingError} when the session is over, and
 * {@link BadSignatureSessionOperationError} when its documents were given by the application.
 */
export async function uploadDocument(
  context: ServiceContext,
  sessionId: string,
  file: UploadedFile,
): Promise<UploadOutcome> {
  const session = findSession(context, sessionId);
  if (session.status !== 'Pending') {
    file.stream.resume();
    throw new SessionNotPendingError(sessionId, session.status);
  }
  if (session.predefinedDocuments) {
    file.stream.resume();
    throw new BadSignatureSessionOperationError(sessionId, session.status, 'upload files to');
  }

  const byName = checkFileName(file.name, context.config.uploadFileNamePattern);
  if (!byName.accept) {
    file.stream.resume();
    return { name: file.name, accepted: false, reason: byName.rejectReason };
  }

  // The multipart parser enforces the size limit (it cuts the file and says so), so staging needs none of its own.
  const staged = await context.files.stage(file.stream, Number.MAX_SAFE_INTEGER);
  if (file.truncated()) {
    await context.files.discard(staged.tempPath);
    const megabytes = Math.floor(context.config.maxFileBytes / (1024 * 1024));
    return { name: file.name, accepted: false, reason: `The file is larger than ${megabytes} MB.` };
  }

  const mimeType = file.mimeType === 'application/octet-stream' ? mimeTypeOf(file.name) : file.mimeType;
  const verdict = await askValidationEndpoint(
    context.config.fileValidationUrl,
    { name: file.name, contentType: mimeType, length: staged.length },
    context.logger,
  );
  if (!verdict.accept) {
    await context.files.discard(staged.tempPath);
    return { name: file.name, accepted: false, reason: verdict.rejectReason };
  }

  const documentId = randomUUID();
  await context.files.commit(staged.tempPath, documentId, 'original');
  context.store.insertDocument({
    id: documentId,
    sessionId,
    position: context.store.countDocuments(sessionId),
    key: generateDocumentKey(),
    name: file.name,
    mimeType,
    length: staged.length,
    signatureType: inferSignatureType(file.name, mimeType),
    status: 'PendingSignature',
    metadata: session.documentMetadata,
    pdfSignatureOptions: session.pdfSignatureOptions,
    cmsSignatureOptions: session.cmsSignatureOptions,
    signedName: null,
    signedMimeType: null,
    signedLength: null,
    dateSigned: null,
    signerCertificateId: null,
  });
  context.logger.info({ sessionId, documentId, length: staged.length }, 'Document uploaded by the user');
  return { name: file.name, accepted: true, documentId };
}
