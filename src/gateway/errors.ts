/**
 * The gateway's failures and the one table that turns any of them into an HTTP answer: status, a stable `code`, and
 * what the caller should do about it. Whatever a route throws goes through {@link toErrorAnswer}; anything the table
 * does not know is a 500 whose `errorId` is logged with its cause, so no input can reach a 500 without a trace.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SessionEndedError, SessionKeyConflictError, SessionNotFoundError } from '../client/signature-sessions-client';

/** Thrown when an API request carries no bearer token or one that is not configured. */
export class ApiUnauthorizedError extends Error {
  constructor(readonly reason: 'missing' | 'invalid') {
    super(reason === 'missing' ? 'This API needs an Authorization: Bearer token' : 'The bearer token is not valid');
    this.name = 'ApiUnauthorizedError';
  }
}

/** Thrown when a webhook delivery lacks the credentials the subscription was configured with. */
export class WebhookUnauthorizedError extends Error {
  constructor(readonly scheme: 'Basic' | 'Bearer' | 'X-Api-Key') {
    super(`The webhook delivery lacks valid ${scheme} credentials`);
    this.name = 'WebhookUnauthorizedError';
  }
}

/** Thrown when a cancel comes after the user finished: the workflow refused it. */
export class SessionNotCancellableError extends Error {
  constructor(
    readonly applicationKey: string,
    options?: { cause?: unknown },
  ) {
    super(`The signature session ${applicationKey} can no longer be cancelled: the user already finished`, options);
    this.name = 'SessionNotCancellableError';
  }
}

/** Thrown when a session has no stored signed document with the asked ID (yet, or at all). */
export class DocumentNotAvailableError extends Error {
  constructor(
    readonly applicationKey: string,
    readonly documentId: string,
    readonly reason: 'session-running' | 'not-stored',
  ) {
    super(
      reason === 'session-running'
        ? `The signature session ${applicationKey} has not finished: its signed documents are not stored yet`
        : `The signature session ${applicationKey} has no stored signed document ${documentId}`,
    );
    this.name = 'DocumentNotAvailableError';
  }
}

/** Thrown when the session's workflow failed to create it at Rest PKI Core (a refused document, an unreachable URL). */
export class SessionNotCreatedError extends Error {
  constructor(
    readonly applicationKey: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`The signature session ${applicationKey} could not be created: ${reason}`, options);
    this.name = 'SessionNotCreatedError';
  }
}

/** Thrown when a list's `pageToken` is not one this API handed out. */
export class InvalidPageTokenError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The pageToken is not one a previous page of this list returned', options);
    this.name = 'InvalidPageTokenError';
  }
}

/** Thrown when a webhook delivery could not be recorded in Temporal in time: Rest PKI Core must send it again. */
export class WebhookNotRecordedError extends Error {
  constructor(
    readonly documentId: string,
    options?: { cause?: unknown },
  ) {
    super(`The delivery for document ${documentId} could not be recorded; send it again later`, options);
    this.name = 'WebhookNotRecordedError';
  }
}

/** One issue of a rejected input: where (`body`, `querystring`, `params`, then the path inside) and what. */
export interface InputIssue {
  path: string;
  message: string;
}

/** The body of every error answer of the API. */
export interface ApiErrorBody {
  code: string;
  message: string;
  /** For `ValidationFailed`: each offending field. */
  issues?: InputIssue[];
  /** For unexpected failures: the ID under which the cause was logged. */
  errorId?: string;
}

/** The error body as documented in the OpenAPI document. */
export const apiErrorBodySchema = z
  .object({
    code: z.string().describe('Stable code; see the table of error codes in the API description'),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    errorId: z.string().optional(),
  })
  .meta({ id: 'ApiError' });

/** An error turned into an answer. `unexpected` asks the caller to log the cause with `errorId`. */
export interface ErrorAnswer {
  status: number;
  body: ApiErrorBody;
  headers: Record<string, string>;
  unexpected: boolean;
}

type ErrorClass = abstract new (...args: never[]) => Error;

interface ErrorRule {
  when: ErrorClass | ((error: unknown) => boolean);
  /** The status; a rule for a family of errors may take it from the error. */
  status: number;
  statusOf?: (error: unknown) => number;
  code: string;
  /** What the caller should do, published in the OpenAPI description. */
  action: string;
  headers?: (error: unknown) => Record<string, string>;
  /** The message to answer with instead of the error's own (which may name internals). */
  message?: string;
}

/** The one table: first match wins. */
const ERROR_TABLE: ErrorRule[] = [
  {
    when: ApiUnauthorizedError,
    status: 401,
    code: 'Unauthorized',
    action: 'Send `Authorization: Bearer <token>` with one of the tokens the gateway is configured with.',
    headers: (error): Record<string, string> => ({
      'www-authenticate':
        (error as ApiUnauthorizedError).reason === 'missing'
          ? 'Bearer realm="signature-sessions"'
          : 'Bearer realm="signature-sessions", error="invalid_token"',
    }),
  },
  {
    when: WebhookUnauthorizedError,
    status: 401,
    code: 'Unauthorized',
    action: 'Configure the webhook subscription with the credentials the gateway expects.',
    headers: (error): Record<string, string> => {
      const { scheme } = error as WebhookUnauthorizedError;
      return scheme === 'X-Api-Key' ? {} : { 'www-authenticate': `${scheme} realm="signature-sessions-webhooks"` };
    },
  },
  {
    when: (error) => hasZodFastifySchemaValidationErrors(error) || error instanceof z.ZodError,
    status: 400,
    code: 'ValidationFailed',
    action: 'Fix the fields named in `issues` and send the request again.',
    message: 'The request is not valid',
  },
  {
    when: SessionNotFoundError,
    status: 404,
    code: 'SessionNotFound',
    action: 'Check the application key; a session exists only once a start with that key succeeded.',
  },
  {
    when: DocumentNotAvailableError,
    status: 404,
    code: 'DocumentNotFound',
    action: 'Wait until the session completed, then use a `documentId` from its `result.documents`.',
  },
  {
    when: SessionKeyConflictError,
    status: 409,
    code: 'SessionKeyConflict',
    action: 'Use a new application key for a different request, or send exactly the original request again.',
  },
  {
    when: SessionEndedError,
    status: 409,
    code: 'SessionEnded',
    action: 'Nothing to cancel: read the session to see how it ended.',
  },
  {
    when: SessionNotCancellableError,
    status: 409,
    code: 'SessionNotCancellable',
    action: 'The user already signed; wait for the session to complete and collect its documents.',
  },
  {
    when: SessionNotCreatedError,
    status: 422,
    code: 'SessionNotCreated',
    action:
      'Rest PKI Core refused the session (the message says why: a document it cannot read, a URL it cannot fetch); ' +
      'fix the request and start it under a new application key.',
  },
  {
    when: InvalidPageTokenError,
    status: 400,
    code: 'InvalidPageToken',
    action: 'Start the list again without `pageToken`, or pass the `nextPageToken` of the previous page verbatim.',
  },
  {
    when: WebhookNotRecordedError,
    status: 503,
    code: 'WebhookNotRecorded',
    action: 'Deliver the event again later.',
    headers: () => ({ 'retry-after': '5' }),
  },
  {
    when: isTemporalUnavailable,
    status: 503,
    code: 'TemporalUnavailable',
    action: 'Temporal could not be reached in time: send the same request again later (starts are idempotent).',
    headers: () => ({ 'retry-after': '5' }),
    message: 'The workflow service did not answer in time',
  },
  {
    when: fastifyCode('FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY'),
    status: 400,
    code: 'InvalidJson',
    action: 'Send a well-formed JSON body.',
  },
  {
    when: fastifyCode('FST_ERR_CTP_BODY_TOO_LARGE'),
    status: 413,
    code: 'RequestTooLarge',
    action: 'Send smaller documents, or documents by URL.',
  },
  {
    when: fastifyCode('FST_ERR_CTP_INVALID_MEDIA_TYPE'),
    status: 415,
    code: 'UnsupportedMediaType',
    action: 'Send `Content-Type: application/json`.',
  },
  {
    when: (error) => clientErrorStatus(error) !== null,
    status: 400,
    statusOf: (error) => clientErrorStatus(error) ?? 400,
    code: 'BadRequest',
    action: 'The request could not be read (a bad header, a multipart limit): fix it as the message says.',
  },
];

/** Every code the API answers with, its status and what to do about it, for the API description. */
export function documentedErrorCodes(): { status: number; code: string; action: string }[] {
  return [
    ...ERROR_TABLE.map(({ status, code, action }) => ({ status, code, action })),
    { status: 404, code: 'NotFound', action: 'Check the method and path.' },
    { status: 500, code: 'InternalError', action: 'Report the `errorId` to the operators.' },
  ];
}

/** Maps anything thrown while handling a request to its answer. */
export function toErrorAnswer(error: unknown, errorId: string): ErrorAnswer {
  const rule = ERROR_TABLE.find((candidate) => matches(candidate.when, error));
  if (rule) {
    return {
      status: rule.statusOf?.(error) ?? rule.status,
      body: { code: rule.code, message: rule.message ?? messageOf(error), ...issuesOf(error) },
      headers: rule.headers?.(error) ?? {},
      unexpected: false,
    };
  }

  return {
    status: 500,
    body: { code: 'InternalError', message: 'The gateway failed unexpectedly', errorId },
    headers: {},
    unexpected: true,
  };
}

/** The answer for a path no route serves. */
export function notFoundAnswer(method: string, path: string): ErrorAnswer {
  return {
    status: 404,
    body: { code: 'NotFound', message: `Nothing is served at ${method} ${path}` },
    headers: {},
    unexpected: false,
  };
}

/** Whether `error` says Temporal could not be reached or did not answer in time. */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(current)) {
      return [grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED, grpcStatus.CANCELLED].includes(current.code);
    }
    if (!(current instanceof ServiceError) && !(current instanceof Error && current.name === 'TransportError')) {
      return false;
    }
    current = current.cause;
  }
  return false;
}

function matches(when: ErrorRule['when'], error: unknown): boolean {
  if (when.prototype instanceof Error || when === Error) return error instanceof (when as ErrorClass);
  return (when as (error: unknown) => boolean)(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'The request failed';
}

function issuesOf(error: unknown): { issues?: InputIssue[] } {
  if (error instanceof z.ZodError) {
    return {
      issues: error.issues.map((issue) => ({ path: ['body', ...issue.path].join('.'), message: issue.message })),
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    return {
      issues: error.validation.map((issue) => ({
        path: [where, ...issue.instancePath.split('/').filter((segment) => segment !== '')].join('.'),
        message: issue.message ?? 'invalid',
      })),
    };
  }
  return {};
}

/** Matches Fastify's own failures while reading a request, by their `code`. */
function fastifyCode(...codes: string[]): (error: unknown) => boolean {
  return (error) =>
    typeof error === 'object' && error !== null && codes.includes((error as { code?: unknown }).code as string);
}

/** The 4xx status a library error carries (Fastify's, the multipart parser's), or `null`. */
function clientErrorStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const { statusCode } = error as { statusCode?: unknown };
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : null;
}
