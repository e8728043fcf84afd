/**
 * The JSON the API answers with, built from stored records. Every property of each contract model is present,
 * `null` where there is nothing to say, because clients in the field read properties without checking they exist.
 * File URLs are minted fresh on every read, as the real service's may change between reads.
 */
import { type ServiceContext } from './context';
import { formatDocumentKey } from './document-keys';
import { type FileKind } from './file-store';
import { toCertificateModel, toCertificateSummary } from './pki';
import { type DocumentRecord, type SessionRecord } from './store';

/** `DocumentFileModel`: `url`/`location` and `mimeType`/`contentType` carry the same values. */
export interface DocumentFileModel {
  mimeType: string;
  content: null;
  blobToken: null;
  url: string;
  name: string;
  length: number;
  contentType: string;
  location: string;
}

function fileModel(
  context: ServiceContext,
  documentId: string,
  kind: FileKind,
  file: { name: string; mimeType: string; length: number },
): DocumentFileModel {
  const url = context.urls.fileUrl(documentId, kind);
  return {
    mimeType: file.mimeType,
    content: null,
    blobToken: null,
    url,
    name: file.name,
    length: file.length,
    contentType: file.mimeType,
    location: url,
  };
}

function originalFile(context: ServiceContext, document: DocumentRecord): DocumentFileModel {
  return fileModel(context, document.id, 'original', document);
}

/** Only a `Completed` document has a signed file. */
function signedFile(context: ServiceContext, document: DocumentRecord): DocumentFileModel | null {
  if (document.status !== 'Completed' || document.signedName === null) return null;
  return fileModel(context, document.id, 'signed', {
    name: document.signedName,
    mimeType: document.signedMimeType ?? 'application/octet-stream',
    length: document.signedLength ?? 0,
  });
}

function isoOrNull(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

/** `SignerSummary[]`: the certificate that signed the document and when; empty until it is signed. */
export function toSignerSummaries(context: ServiceContext, document: DocumentRecord): object[] {
  if (document.status !== 'Completed' || document.signerCertificateId === null || document.dateSigned === null) {
    return [];
  }
  return [
    {
      certificate: toCertificateSummary(context.pki, document.signerCertificateId),
      date: new Date(document.dateSigned).toISOString(),
    },
  ];
}

/** `DocumentModel`. */
export function toDocumentModel(context: ServiceContext, document: DocumentRecord): object {
  return {
    signers: toSignerSummaries(context, document),
    metadata: document.metadata,
    id: document.id,
    key: document.key,
    formattedKey: formatDocumentKey(document.key),
    originalFile: originalFile(context, document),
    // The local service never stamps documents, so there is never a marked file.
    markedFile: null,
    signedFile: signedFile(context, document),
    signatureType: document.signatureType,
    // Nothing is ever deleted here, so no document has an end date.
    availableUntil: null,
  };
}

/** `SignatureSessionDocumentSummary`. */
function toDocumentSummary(context: ServiceContext, document: DocumentRecord): object {
  return {
    status: document.status,
    dateSigned: isoOrNull(document.status === 'Completed' ? document.dateSigned : null),
    id: document.id,
    key: document.key,
    formattedKey: formatDocumentKey(document.key),
    originalFile: originalFile(context, document),
    markedFile: null,
    signedFile: signedFile(context, document),
    signatureType: document.signatureType,
    availableUntil: null,
  };
}

/** `SignatureSessionModel`. */
export function toSessionModel(context: ServiceContext, session: SessionRecord, documents: DocumentRecord[]): object {
  return {
    id: session.id,
    status: session.status,
    processingErrorCode: session.processingErrorCode,
    callbackArgument: session.callbackArgument,
    signerCertificate:
      session.signerCertificateId === null ? null : toCertificateModel(context.pki, session.signerCertificateId),
    documents: documents.map((document) => toDocumentSummary(context, document)),
  };
}
