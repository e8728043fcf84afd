/**
 * The one table from failures to API answers: HTTP status and wire `code` per error class, and the `ErrorModelV2`
 * body. Unexpected failures answer 500 with an `exceptionCode` that is also logged, so an operator can find the
 * cause of a 500 a developer reports.
 */
import { randomBytes } from 'node:crypto';
import {
  BadSignatureSessionOperationError,
  DocumentDownloadError,
  DocumentNotFoundError,
  DocumentTooLargeError,
  DuplicateDocumentError,
  InjectedFaultError,
  MalformedJsonError,
  MissingApiKeyError,
  ReadOnlyApiKeyError,
  RequestValidationError,
  SignatureSessionNotFoundError,
  UnknownApiKeyError,
  UnsupportedContentTypeError,
} from './errors';

/** `ErrorModelV2`, every property present; a 500 adds `exceptionCode` as the real service does. */
export interface ErrorBody {
  validationResults: null;
  detail: string | null;
  code: string;
  message: string;
  details: Record<string, string> | null;
  exceptionCode?: string;
}

/** An answer for a failure. `unexpected` marks a 500 whose cause must be logged with its `exceptionCode`. */
export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  unexpected: boolean;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Status and wire code per failure. Codes the contract names are kept verbatim; the rest are our own. */
const API_ERRORS: [ErrorClass, number, string][] = [
  [MissingApiKeyError, 401, 'Unauthorized'],
  [UnknownApiKeyError, 401, 'Unauthorized'],
  [ReadOnlyApiKeyError, 403, 'Forbidden'],
  [UnsupportedContentTypeError, 415, 'UnsupportedMediaType'],
  [MalformedJsonError, 400, 'InvalidJson'],
  [RequestValidationError, 400, 'ValidationError'],
  [SignatureSessionNotFoundError, 422, 'SignatureSessionNotFound'],
  [DocumentNotFoundError, 422, 'DocumentNotFound'],
  [BadSignatureSessionOperationError, 422, 'BadSignatureSessionOperation'],
  [DocumentDownloadError, 422, 'DocumentDownloadFailed'],
  [DocumentTooLargeError, 422, 'DocumentTooLarge'],
  [DuplicateDocumentError, 422, 'DuplicateDocument'],
  [InjectedFaultError, 500, 'InternalServerError'],
];

/** Fastify's own failures while reading a request, by their `code`. */
const FASTIFY_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UnsupportedMediaType'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [415, 'UnsupportedMediaType'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'InvalidJson'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'RequestTooLarge'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BadRequest'],
};

function errorBody(code: string, message: string, details: Record<string, string> | null = null): ErrorBody {
  return { validationResults: null, detail: null, code, message, details };
}

/** The answer for the route-not-found case. */
export function notFoundAnswer(method: string, path: string): ErrorAnswer {
  return { status: 404, body: errorBody('NotFound', `No API resource at ${method} ${path}`), unexpected: false };
}

/** Maps any error thrown while handling an API request to its answer. */
export function toErrorAnswer(error: unknown): ErrorAnswer {
  const known = API_ERRORS.find(([type]) => error instanceof type);
  if (known && error instanceof Error && !(error instanceof InjectedFaultError)) {
    const [, status, code] = known;
    return { status, body: errorBody(code, error.message, detailsOf(error)), unexpected: false };
  }

  const fastifyCode = (error as { code?: unknown } | null)?.code;
  const fastify = typeof fastifyCode === 'string' ? FASTIFY_ERRORS[fastifyCode] : undefined;
  if (fastify && error instanceof Error) {
    return { status: fastify[0], body: errorBody(fastify[1], error.message), unexpected: false };
  }

  const exceptionCode = randomBytes(6).toString('hex');
  const message =
    error instanceof InjectedFaultError ? error.message : `An unexpected error occurred (reference ${exceptionCode})`;
  return {
    status: 500,
    body: { ...errorBody('InternalServerError', message), exceptionCode },
    unexpected: !(error instanceof InjectedFaultError),
  };
}

/**
 * Field problems go in `details`, keyed by the field's path. `validationResults` stays null: its item types describe
 * certificate and signature validation, and none of them means "this request field is malformed".
 */
function detailsOf(error: Error): Record<string, string> | null {
  if (error instanceof RequestValidationError) return error.fields;
  if (error instanceof DocumentDownloadError) return { [`${error.field}.file.url`]: error.problem };
  if (error instanceof DocumentTooLargeError) return { [`${error.field}.file`]: error.message };
  if (error instanceof DuplicateDocumentError) return { [error.field]: error.message };
  return null;
}
