/**
 * What can go wrong when talking to Rest PKI Core, one class per way the caller should react: fix the request (never
 * retry), wait and retry (the service or the network is down), or report a contract mismatch. Messages name the
 * operation and the resource; they never carry the API key, a file URL's query (its authorization) or document bytes.
 * Each class sets `name`, which is what Temporal's `nonRetryableErrorTypes` matches.
 */

/** What the client was doing, for messages and logs: `get signature session` with its ID, for example. */
export interface RestPkiOperation {
  /** A verb phrase: `create a signature session`, `get document`. */
  readonly action: string;
  /** The ID, key or host the operation was about, when there is one. */
  readonly resource?: string;
}

interface RestPkiErrorFields {
  operation: RestPkiOperation;
  status?: number;
  code?: string | null;
  cause?: unknown;
}

function describe(operation: RestPkiOperation): string {
  return operation.resource === undefined ? operation.action : `${operation.action} ${operation.resource}`;
}

/** The base of every error thrown by the Rest PKI Core client. */
export class RestPkiError extends Error {
  /** The HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** The `ErrorModelV2` code of the answer, when the service gave one (`SignatureSessionNotFound`...). */
  readonly code: string | undefined;
  readonly operation: RestPkiOperation;

  constructor(problem: string, fields: RestPkiErrorFields) {
    super(`Rest PKI Core: could not ${describe(fields.operation)}: ${problem}`, { cause: fields.cause });
    this.name = 'RestPkiError';
    this.status = fields.status;
    this.code = fields.code ?? undefined;
    this.operation = fields.operation;
  }
}

/** How a refused request failed, so callers can branch without parsing codes. */
export type RestPkiRequestErrorKind =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'BadSignatureSessionOperation'
  | 'UnsupportedMediaType'
  | 'Unprocessable'
  | 'Other';

/**
 * Thrown when the service refused the request (400, 401, 403, 404, 415, 422...). Sending it again cannot help, so it
 * is never retried. `details` holds the service's per-field messages (`returnUrl` -> `too long`) when it gave any.
 */
export class RestPkiRequestError extends RestPkiError {
  readonly kind: RestPkiRequestErrorKind;
  readonly details: Readonly<Record<string, string>>;

  constructor(
    problem: string,
    fields: RestPkiErrorFields & { status: number; kind: RestPkiRequestErrorKind; details?: Record<string, string> },
  ) {
    super(problem, fields);
    this.name = 'RestPkiRequestError';
    this.kind = fields.kind;
    this.details = fields.details ?? {};
  }
}

/** Thrown when the session, document or file asked for does not exist (a `...NotFound` code, or a 404). */
export class RestPkiNotFoundError extends RestPkiRequestError {
  constructor(problem: string, fields: RestPkiErrorFields & { status: number; details?: Record<string, string> }) {
    super(problem, { ...fields, kind: 'NotFound' });
    this.name = 'RestPkiNotFoundError';
  }
}

/**
 * Thrown on `BadSignatureSessionOperation`: the session is not in a state that allows the operation, for example a
 * wait for completion on a session that is still `Pending`. Re-read the session instead of retrying.
 */
export class RestPkiBadOperationError extends RestPkiRequestError {
  constructor(problem: string, fields: RestPkiErrorFields & { status: number; details?: Record<string, string> }) {
    super(problem, { ...fields, kind: 'BadSignatureSessionOperation' });
    this.name = 'RestPkiBadOperationError';
  }
}

/**
 * Thrown when the service could not answer: a 5xx, a 408 or 429, a network failure, a timeout, or the
 * `BackgroundProcessing` code (the resource is still being processed). Retrying later is expected to help.
 */
export class RestPkiUnavailableError extends RestPkiError {
  constructor(problem: string, fields: RestPkiErrorFields) {
    super(problem, fields);
    this.name = 'RestPkiUnavailableError';
  }
}

/**
 * Thrown when a success answer cannot be used: its body is not JSON or does not match the model (`model` and `path`
 * say where), or the service redirected an API call. The body itself is never quoted: it may hold personal data.
 */
export class RestPkiResponseError extends RestPkiError {
  /** The model the body was read as, for example `SignatureSessionModel`. */
  readonly model: string | undefined;
  /** Where in the body the first mismatch is, for example `documents[0].id`. */
  readonly path: string | undefined;

  constructor(problem: string, fields: RestPkiErrorFields & { model?: string; path?: string }) {
    super(problem, fields);
    this.name = 'RestPkiResponseError';
    this.model = fields.model;
    this.path = fields.path;
  }
}

/** The `name`s of the client's errors that retrying cannot fix, for Temporal's `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_RESTPKI_ERRORS: readonly string[] = [
  'RestPkiRequestError',
  'RestPkiNotFoundError',
  'RestPkiBadOperationError',
  'RestPkiResponseError',
];
