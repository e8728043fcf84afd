/**
 * The sessions API for backend systems: start (idempotent per application key), read, list and cancel. Every answer
 * comes from the session's workflow or from Temporal's visibility; the gateway keeps no state of its own.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, ServiceError, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { type FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workflowIdForKey } from '../../workflows/messages';
import { type GatewayContext } from '../context';
import {
  apiErrorBodySchema,
  InvalidPageTokenError,
  SessionNotCancellableError,
  SessionNotCreatedError,
} from '../errors';
import {
  applicationKeyParamsSchema,
  listQuerySchema,
  sessionListSchema,
  sessionStateSchema,
  startedSessionSchema,
  startRequestBodySchema,
  toListFilter,
} from '../schemas';

/** The longest a read of a session's state waits for a worker. */
const READ_WAIT_MS = 10_000;

const security = [{ bearerAuth: [] }];
const errors = {
  400: apiErrorBodySchema,
  401: apiErrorBodySchema,
  503: apiErrorBodySchema,
};

/** The `/api/sessions` routes; register under `/api` behind the bearer token check. */
export function sessionRoutes(context: GatewayContext): FastifyPluginCallbackZod {
  const { sessions } = context;
  const withinWait = <T>(call: () => Promise<T>): Promise<T> =>
    context.temporal.withDeadline(Date.now() + context.apiWaitMs, call);

  return (app, _options, done) => {
    app.post(
      '/sessions',
      {
        schema: {
          summary: 'Start a signature session, or get the one already started with this application key',
          description:
            'Answers once Rest PKI Core has created the session, with where to send the user. The same key with the ' +
            'same request answers the same session (200); the same key with a different request is refused (409). ' +
            'Inline documents are staged in the document store: their bytes never enter workflow history.',
          tags: ['sessions'],
          security,
          body: startRequestBodySchema,
          response: {
            200: startedSessionSchema.describe('The session already existed for this request'),
            201: startedSessionSchema.describe('The session was started'),
            409: apiErrorBodySchema,
            413: apiErrorBodySchema,
            422: apiErrorBodySchema,
            415: apiErrorBodySchema,
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { body } = request;
        const { session: started, created } = await withinWait(() => sessions.startOrJoin(body)).catch(
          async (error: unknown) => {
            if (!(error instanceof WorkflowUpdateFailedError)) throw error;
            const reason = await withinWait(() => failureOf(context, workflowIdForKey(body.applicationKey)));
            throw new SessionNotCreatedError(body.applicationKey, reason, { cause: error });
          },
        );
        request.log.info(
          { applicationKey: started.applicationKey, workflowId: started.workflowId, existed: !created },
          created ? 'Session started' : 'Session joined',
        );
        return reply
          .status(created ? 201 : 200)
          .header('location', `/api/sessions/${encodeURIComponent(started.applicationKey)}`)
          .send(started);
      },
    );

    app.get(
      '/sessions',
      {
        schema: {
          summary: 'List sessions, newest first, filtered by status, application key and start time',
          description: 'Read from Temporal visibility, which may lag the sessions themselves by a second or so.',
          tags: ['sessions'],
          security,
          querystring: listQuerySchema,
          response: { 200: sessionListSchema, ...errors },
        },
      },
      async (request) => {
        const { pageToken } = request.query;
        const filter = {
          ...toListFilter(request.query),
          nextPageToken: pageToken && context.pageTokens.open(pageToken),
        };
        try {
          const page = await withinWait(() => sessions.list(filter));
          return { ...page, nextPageToken: context.pageTokens.seal(page.nextPageToken) };
        } catch (error) {
          if (pageToken !== undefined && isInvalidArgument(error)) {
            throw new InvalidPageTokenError({ cause: error });
          }
          throw error;
        }
      },
    );

    app.get(
      '/sessions/:applicationKey',
      {
        schema: {
          summary: "Read a session's state",
          tags: ['sessions'],
          security,
          params: applicationKeyParamsSchema,
          response: { 200: sessionStateSchema, 404: apiErrorBodySchema, ...errors },
        },
      },
      // A read is answered by a worker; when none is running, say so soon rather than after the full wait.
      async (request) =>
        context.temporal.withDeadline(Date.now() + Math.min(context.apiWaitMs, READ_WAIT_MS), () =>
          sessions.get(request.params.applicationKey),
        ),
    );

    app.post(
      '/sessions/:applicationKey/cancel',
      {
        schema: {
          summary: 'Cancel a session whose user has not finished',
          description:
            'Answers the state once the session ended as `cancelled`. Refused (409) when the session already ended or ' +
            'the user finished first (the session then goes on to complete).',
          tags: ['sessions'],
          security,
          params: applicationKeyParamsSchema,
          body: z.unknown().optional().describe('Ignored'),
          response: { 200: sessionStateSchema, 404: apiErrorBodySchema, 409: apiErrorBodySchema, ...errors },
        },
      },
      async (request) => {
        const { applicationKey } = request.params;
        try {
          const state = await withinWait(() => sessions.cancel(applicationKey));
          // The user may finish while the cancel is on its way: the workflow then follows the user, not the cancel.
          if (state.status !== 'cancelled') throw new SessionNotCancellableError(applicationKey);
          request.log.info({ applicationKey }, 'Session cancelled');
          return state;
        } catch (error) {
          if (error instanceof WorkflowUpdateFailedError)
            throw new SessionNotCancellableError(applicationKey, { cause: error });
          throw error;
        }
      },
    );
    done();
  };
}

function isInvalidArgument(error: unknown): boolean {
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpc) && grpc.code === grpcStatus.INVALID_ARGUMENT;
}

/** Why a session's workflow failed before the session existed: the innermost failure's message. */
async function failureOf(context: GatewayContext, workflowId: string): Promise<string> {
  try {
    await context.temporal.workflow.getHandle(workflowId).result();
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      let failure: unknown = error.cause;
      while (failure instanceof Error && failure.cause instanceof Error) failure = failure.cause;
      if (failure instanceof Error) return failure.message;
    }
  }
  return 'the workflow ended before the session was created';
}
