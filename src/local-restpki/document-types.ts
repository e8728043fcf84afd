/**
 * What a document's name and media type say about it: the signature it gets when the application does not say,
 * and the name and media type of its signed file.
 */
import { extname } from 'node:path';
import { type SignatureType } from './store';

const MIME_BY_EXTENSION: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.xml': 'application/xml',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.html': 'text/html',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.p7s': 'application/pkcs7-signature',
  '.zip': 'application/zip',
};

/** The media type for a file name, `application/octet-stream` when the extension says nothing. */
export function mimeTypeOf(name: string): string {
  return MIME_BY_EXTENSION[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** `.pdf` (or a PDF media type) gets PAdES, `.xml` (or an XML media type) XMLDSig, anything else a detached CMS. */
export function inferSignatureType(name: string, mimeType: string | null): SignatureType {
  const extension = extname(name).toLowerCase();
  if (extension === '.pdf' || mimeType === 'application/pdf') return 'Pdf';
  if (extension === '.xml' || /[/+]xml$/.test(mimeType ?? '')) return 'Xml';
  return 'Cms';
}

/** A PDF or XML keeps its name once signed; a CMS signature is a `.p7s` next to the original. */
export function signedFileName(name: string, signatureType: SignatureType): string {
  return signatureType === 'Cms' ? `${name}.p7s` : name;
}

/** The media type of a signed file. */
export function signedMimeType(signatureType: SignatureType): string {
  if (signatureType === 'Pdf') return 'application/pdf';
  if (signatureType === 'Xml') return 'application/xml';
  return 'application/pkcs7-signature';
}

/** A default name when the application gave none, with the extension its signature type suggests. */
export function defaultDocumentName(position: number, signatureType: SignatureType | null): string {
  const extension = signatureType === 'Pdf' ? '.pdf' : signatureType === 'Xml' ? '.xml' : '.bin';
  return `document-${position + 1}${extension}`;
}
