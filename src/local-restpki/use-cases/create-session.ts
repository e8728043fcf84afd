/**
 * `POST /api/signature-sessions`: stores a new `Pending` session and its predefined documents, and hands out the
 * signing page's URL. Documents are staged first (decoded or downloaded), then moved into place, then recorded, so
 * a failure leaves no session behind and a recorded document always has its file.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { type ServiceContext } from '../context';
import { type CreateSessionRequest, type RequestedDocument } from '../create-session-request';
import { generateDocumentKey } from '../document-keys';
import { defaultDocumentName, inferSignatureType, mimeTypeOf } from '../document-types';
import { downloadDocument } from '../download-document';
import { DocumentTooLargeError, DuplicateDocumentError } from '../errors';
import { FileTooLargeError, type StagedFile } from '../file-store';
import { type DocumentRecord, type SessionRecord } from '../store';

/** What the API answers: `CreateSignatureSessionResponse`. */
export interface CreatedSession {
  sessionId: string;
  redirectUrl: string;
}

interface StagedDocument {
  record: DocumentRecord;
  staged: StagedFile;
}

/** Creates the session; throws the request's field errors, download errors and duplicate-document errors. */
export async function createSession(context: ServiceContext, request: CreateSessionRequest): Promise<CreatedSession> {
  const sessionId = randomUUID();
  const now = Date.now();
  checkDocumentIdentities(context, request.documents);

  const staged: StagedDocument[] = [];
  try {
    for (const [position, requested] of request.documents.entries()) {
      staged.push(await stageDocument(context, sessionId, position, requested));
    }
    for (const { record, staged: file } of staged) await context.files.commit(file.tempPath, record.id, 'original');
  } catch (error) {
    await Promise.all(staged.map(({ staged: file }) => context.files.discard(file.tempPath)));
    throw error;
  }

  const session: SessionRecord = {
    id: sessionId,
    status: 'Pending',
    createdAt: now,
    expiresAt: now + context.config.sessionLifetimeMs,
    returnUrl: request.returnUrl,
    callbackArgument: request.callbackArgument,
    backgroundProcessing: request.backgroundProcessing,
    disableDownloads: request.disableDownloads,
    certificateRequirements: request.certificateRequirements,
    documentMetadata: request.documentMetadata,
    predefinedDocuments: request.documents.length > 0,
    pdfSignatureOptions: request.pdfSignatureOptions,
    cmsSignatureOptions: request.cmsSignatureOptions,
    signerCertificateId: null,
    processingErrorCode: null,
    processingStartedAt: null,
    processingDueAt: null,
    finishedAt: null,
  };
  context.store.insertSession(
    session,
    staged.map(({ record }) => record),
  );
  context.logger.info(
    { sessionId, documents: staged.length, backgroundProcessing: session.backgroundProcessing },
    'Signature session created',
  );
  context.wake();

  return { sessionId, redirectUrl: context.urls.signingPageUrl(sessionId) };
}

/** Document IDs and keys the application chose must be new, in the request and in the store. */
function checkDocumentIdentities(context: ServiceContext, documents: RequestedDocument[]): void {
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const document of documents) {
    if (document.id !== null) {
      if (ids.has(document.id) || context.store.getDocument(document.id)) {
        throw new DuplicateDocumentError(`${document.field}.id`, document.id);
      }
      ids.add(document.id);
    }
    if (document.key !== null) {
      if (keys.has(document.key) || context.store.getDocumentByKey(document.key)) {
        throw new DuplicateDocumentError(`${document.field}.documentKey`, document.key);
      }
      keys.add(document.key);
    }
  }
}

async function stageDocument(
  context: ServiceContext,
  sessionId: string,
  position: number,
  requested: RequestedDocument,
): Promise<StagedDocument> {
  const limit = context.config.maxFileBytes;
  let staged: StagedFile;
  let nameFromSource: string | null = null;
  let mimeFromSource: string | null = null;

  if (requested.source.kind === 'content') {
    try {
      staged = await context.files.stage(Readable.from([Buffer.from(requested.source.base64, 'base64')]), limit);
    } catch (error) {
      if (error instanceof FileTooLargeError) throw new DocumentTooLargeError(requested.field, limit);
      throw error;
    }
  } else {
    const downloaded = await downloadDocument(context.files, requested.field, requested.source.url, limit);
    staged = downloaded;
    nameFromSource = downloaded.nameFromUrl;
    mimeFromSource = downloaded.mimeType;
  }

  const name = requested.name ?? nameFromSource ?? defaultDocumentName(position, requested.signatureType);
  const mimeType = requested.mimeType ?? usefulMimeType(mimeFromSource) ?? mimeTypeOf(name);
  return {
    staged,
    record: {
      id: requested.id ?? randomUUID(),
      sessionId,
      position,
      key: requested.key ?? generateDocumentKey(),
      name,
      mimeType,
      length: staged.length,
      signatureType: requested.signatureType ?? inferSignatureType(name, mimeType),
      status: 'PendingSignature',
      metadata: requested.metadata,
      pdfSignatureOptions: requested.pdfSignatureOptions,
      cmsSignatureOptions: requested.cmsSignatureOptions,
      signedName: null,
      signedMimeType: null,
      signedLength: null,
      dateSigned: null,
      signerCertificateId: null,
    },
  };
}

/** Servers often answer `application/octet-stream` for everything; the file name then says more. */
function usefulMimeType(mimeType: string | null): string | null {
  return mimeType === null || mimeType === 'application/octet-stream' ? null : mimeType;
}
