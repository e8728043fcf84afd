/**
 * The failures of the local Rest PKI Core service, one class each, with the context a caller needs in readonly
 * fields. What the API answers for each (status and wire code) is decided in one table, `error-responses.ts`; the
 * signing page shows its own wording for the ones a user can cause.
 */

/** Thrown when an API request carries no key in `X-Api-Key` or `Authorization`. */
export class MissingApiKeyError extends Error {
  constructor() {
    super('No API key was given: send it in the X-Api-Key header');
    this.name = 'MissingApiKeyError';
  }
}

/** Thrown when an API request carries a key that is neither the full-access nor the read-only one. */
export class UnknownApiKeyError extends Error {
  constructor() {
    super('The API key is not valid');
    this.name = 'UnknownApiKeyError';
  }
}

/** Thrown when the read-only key is used for a request that changes something. */
export class ReadOnlyApiKeyError extends Error {
  constructor(readonly method: string) {
    super(`The API key is read-only and cannot be used for ${method} requests`);
    this.name = 'ReadOnlyApiKeyError';
  }
}

/** Thrown when a request body is empty or is not JSON in one of the accepted content types. */
export class UnsupportedContentTypeError extends Error {
  constructor(readonly contentType: string | null) {
    super(
      contentType === null
        ? 'The request has no body: send JSON as application/json'
        : `Unsupported content type ${contentType}: send JSON as application/json`,
    );
    this.name = 'UnsupportedContentTypeError';
  }
}

/** Thrown when a request body is not well-formed JSON. */
export class MalformedJsonError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The request body is not valid JSON', options);
    this.name = 'MalformedJsonError';
  }
}

/** Thrown when fields of a request are missing or malformed; `fields` maps each field's path to its problem. */
export class RequestValidationError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(
      `Invalid request: ${Object.entries(fields)
        .map(([field, problem]) => `${field} ${problem}`)
        .join('; ')}`,
    );
    this.name = 'RequestValidationError';
  }
}

/** Thrown when no signature session has the given ID. */
export class SignatureSessionNotFoundError extends Error {
  constructor(readonly sessionId: string) {
    super(`Signature session not found: ${sessionId}`);
    this.name = 'SignatureSessionNotFoundError';
  }
}

/** Thrown when no document has the given ID. */
export class DocumentNotFoundError extends Error {
  constructor(readonly documentId: string) {
    super(`Document not found: ${documentId}`);
    this.name = 'DocumentNotFoundError';
  }
}

/** Thrown when an operation does not apply to the session in its current status (waiting on a `Pending` one). */
export class BadSignatureSessionOperationError extends Error {
  constructor(
    readonly sessionId: string,
    readonly status: string,
    readonly operation: string,
  ) {
    super(`Cannot ${operation} signature session ${sessionId} while its status is ${status}`);
    this.name = 'BadSignatureSessionOperationError';
  }
}

/** Thrown when a document given by `url` cannot be downloaded; the URL itself is left out (it may carry a token). */
export class DocumentDownloadError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`The document in ${field} could not be downloaded: ${problem}`, options);
    this.name = 'DocumentDownloadError';
  }
}

/** Thrown when a document is larger than the service accepts. */
export class DocumentTooLargeError extends Error {
  constructor(
    readonly field: string,
    readonly limitBytes: number,
  ) {
    super(`The document in ${field} is larger than ${limitBytes} bytes`);
    this.name = 'DocumentTooLargeError';
  }
}

/** Thrown when a request asks for a document ID or key that another document already has. */
export class DuplicateDocumentError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super(`A document with this ${field} already exists: ${value}`);
    this.name = 'DuplicateDocumentError';
  }
}

/** Thrown on purpose by the fault settings (`RESTPKI_LOCAL_FAULT_ERROR_RATE`). */
export class InjectedFaultError extends Error {
  constructor() {
    super('Injected fault: the local service was told to fail this request');
    this.name = 'InjectedFaultError';
  }
}

/** Thrown when the user picks a certificate the session's requirements refuse (or one that does not exist). */
export class CertificateRefusedError extends Error {
  constructor(
    readonly sessionId: string,
    readonly certificateId: string,
    readonly reason: string,
  ) {
    super(`Certificate ${certificateId} cannot sign session ${sessionId}: ${reason}`);
    this.name = 'CertificateRefusedError';
  }
}

/** Thrown when the user acts on a session that is no longer `Pending` (already signed, cancelled or expired). */
export class SessionNotPendingError extends Error {
  constructor(
    readonly sessionId: string,
    readonly status: string,
  ) {
    super(`Signature session ${sessionId} is ${status}, no longer Pending`);
    this.name = 'SessionNotPendingError';
  }
}

/** Thrown when the user signs a session that has no documents yet. */
export class NoDocumentsToSignError extends Error {
  constructor(readonly sessionId: string) {
    super(`Signature session ${sessionId} has no documents to sign`);
    this.name = 'NoDocumentsToSignError';
  }
}

/** Thrown when a signer of the test PKI fails on a document (a PDF that does not parse, say). */
export class DocumentSigningError extends Error {
  constructor(
    readonly documentId: string,
    readonly signatureType: string,
    options?: { cause?: unknown },
  ) {
    super(`Document ${documentId} could not be signed as ${signatureType}`, options);
    this.name = 'DocumentSigningError';
  }
}

/** Thrown when the service cannot start: the data folder is unusable or the test PKI cannot be loaded. */
export class LocalRestPkiStartError extends Error {
  constructor(
    readonly dataDir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`The local Rest PKI Core service cannot start with data folder ${dataDir}: ${message}`, options);
    this.name = 'LocalRestPkiStartError';
  }
}
