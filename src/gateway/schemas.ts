/**
 * The API's shapes as zod schemas: what routes validate and what the OpenAPI document is generated from. The start
 * request is the client's own schema; the answers are typed against the workflow's definitions (`satisfies`), so a
 * change there that the API does not follow fails the type check instead of drifting silently.
 */
import { z } from 'zod';
import {
  type ListSessionsFilter,
  type SessionListItem,
  type StartedSession,
} from '../client/signature-sessions-client';
import { startSessionRequestSchema } from '../client/start-request';
import {
  APPLICATION_KEY_PATTERN,
  type SessionOutcome,
  type SessionStatus,
  type SignatureSessionResult,
  type SignatureSessionState,
} from '../workflows/messages';

/** Every status of our own, in the order a session goes through them. */
export const SESSION_STATUSES = [
  'creating',
  'waiting-for-user',
  'processing',
  'downloading',
  'completed',
  'user-cancelled',
  'expired',
  'processing-error',
  'abandoned',
  'cancelled',
] as const satisfies readonly SessionStatus[];

/** The statuses a session ends with. */
export const SESSION_OUTCOMES = [
  'completed',
  'user-cancelled',
  'expired',
  'processing-error',
  'abandoned',
  'cancelled',
] as const satisfies readonly SessionOutcome[];

/** Whether `status` is one a session ends with. */
export function isFinalStatus(status: string): status is SessionOutcome {
  return (SESSION_OUTCOMES as readonly string[]).includes(status);
}

const sessionStatusSchema = z.enum(SESSION_STATUSES).meta({ id: 'SessionStatus' });

/** The start request, registered under a name for the OpenAPI document. */
export const startRequestBodySchema = startSessionRequestSchema.meta({ id: 'StartSessionRequest' });

/** The `:applicationKey` path parameter. */
export const applicationKeyParamsSchema = z.object({
  applicationKey: z.string().regex(APPLICATION_KEY_PATTERN, 'not an application key'),
});

/** The `:applicationKey` and `:documentId` path parameters. */
export const documentParamsSchema = applicationKeyParamsSchema.extend({
  documentId: z.string().min(1).max(200),
});

/** The answer to a start: the session and where to send the user. */
export const startedSessionSchema = z
  .object({
    applicationKey: z.string(),
    workflowId: z.string(),
    sessionId: z.string().describe('The Rest PKI Core signature session ID'),
    redirectUrl: z.string().describe('Where to send the user to sign'),
  })
  .meta({ id: 'StartedSession' }) satisfies z.ZodType<StartedSession, StartedSession>;

const signerSchema = z.object({
  name: z.string().nullable(),
  certificateType: z.string().nullable(),
  issuerName: z.string().nullable(),
  thumbprintSha256: z.string().nullable(),
  validityEnd: z.string().nullable(),
});

const storedDocumentSchema = z.object({
  documentId: z.string(),
  fileName: z.string().nullable(),
  signatureType: z.string().nullable(),
  storageKey: z.string(),
  sha256: z.string().describe('SHA-256 of the signed file, lowercase hex'),
  size: z.number().int(),
});

const resultSchema = z
  .object({
    outcome: z.enum(SESSION_OUTCOMES),
    applicationKey: z.string(),
    sessionId: z.string(),
    processingErrorCode: z.string().nullable(),
    signer: signerSchema.nullable(),
    documents: z.array(storedDocumentSchema),
    finishedAt: z.string(),
  })
  .meta({ id: 'SignatureSessionResult' }) satisfies z.ZodType<SignatureSessionResult, SignatureSessionResult>;

/** A session's state as its workflow reports it. */
export const sessionStateSchema = z
  .object({
    applicationKey: z.string(),
    status: sessionStatusSchema,
    waitingFor: z.string(),
    sessionId: z.string().nullable(),
    redirectUrl: z.string().nullable(),
    restPkiStatus: z.string().nullable().describe('The Rest PKI Core status from the latest read of its API'),
    lastCheckedAt: z.string().nullable(),
    abandonAt: z.string(),
    remindersDue: z.array(z.object({ index: z.number().int(), dueAt: z.string() })),
    documentsReportedSigned: z.array(z.string()),
    applicationReturnUrl: z.string().nullable(),
    notificationUrl: z.string().nullable(),
    result: resultSchema.nullable(),
  })
  .meta({ id: 'SignatureSessionState' }) satisfies z.ZodType<SignatureSessionState, SignatureSessionState>;

/** The list's filters; times are ISO 8601 with an offset. */
export const listQuerySchema = z.object({
  status: z.enum(SESSION_STATUSES).optional(),
  applicationKey: z.string().max(200).optional(),
  startedAfter: z.iso.datetime({ offset: true }).optional(),
  startedBefore: z.iso.datetime({ offset: true }).optional(),
  pageSize: z.coerce.number().int().min(1).max(1000).optional(),
  pageToken: z.string().max(4096).optional(),
});

/** The list filter as the client takes it, without the page token (the route opens it). */
export function toListFilter(query: z.infer<typeof listQuerySchema>): ListSessionsFilter {
  return {
    status: query.status,
    applicationKey: query.applicationKey,
    startedAfter: query.startedAfter === undefined ? undefined : new Date(query.startedAfter),
    startedBefore: query.startedBefore === undefined ? undefined : new Date(query.startedBefore),
    pageSize: query.pageSize,
  };
}

/** One page of the list. */
export const sessionListSchema = z
  .object({
    sessions: z.array(
      z.object({
        workflowId: z.string(),
        applicationKey: z.string().nullable(),
        status: z.string().nullable(),
        restPkiSessionId: z.string().nullable(),
        startedAt: z.string(),
        closedAt: z.string().nullable(),
      }) satisfies z.ZodType<SessionListItem, SessionListItem>,
    ),
    nextPageToken: z.string().nullable().describe('Pass as `pageToken` for the next page; null on the last page'),
  })
  .meta({ id: 'SessionList' });
