/**
 * The return route: where Rest PKI Core sends the user's browser when he is done (`/return?workflowId=…&
 * signatureSessionId=…`). Landing here proves nothing, so the route asks the session's workflow, which asks the API,
 * and sends the user on to the application's page with the verified status. When the workflow cannot answer in time
 * (no worker, a slow API), the return is recorded durably instead and the user goes on as `verifying`: the workflow
 * finishes the job and the application learns the outcome by reading the session or by notification.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { type FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { type FastifyBaseLogger, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { type SignatureSessionResult } from '../../workflows/messages';
import { type GatewayContext } from '../context';
import { html, page, PAGE_HEADERS } from '../html';
import { isFinalStatus } from '../schemas';

/** What the application's page is told, in its query string. */
export interface ReturnOutcome {
  applicationKey: string;
  /** Our status, or `verifying` when the workflow could not answer in time. */
  status: string;
  /** The vendor's status, when the workflow read it. */
  restPkiStatus: string | null;
}

/** How long the fallback (recording the return as a signal) may take once the verdict's wait ran out. */
const NOTE_WAIT_MS = 5000;
/** How long reading where a return goes may take once no verdict came: the server alone answers it, in milliseconds. */
const ROUTE_WAIT_MS = 2000;

const returnQuerySchema = z.object({
  workflowId: z.string().min(1).max(300),
  signatureSessionId: z.string().min(1).max(100),
});

/** The `/return` route. It needs no token: it is the user's browser that calls it. */
export function returnRoutes(context: GatewayContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/return',
      {
        schema: {
          summary: "The user's return from the signing page (the returnUrl given to Rest PKI Core)",
          description:
            "Redirects (303) to the application's return URL with `applicationKey`, `status`, `outcome` (once final) " +
            'and `restPkiStatus` added to its query; `status=verifying` when the workflow could not answer in time.',
          tags: ['browser'],
          querystring: z.object({ workflowId: z.string().optional(), signatureSessionId: z.string().optional() }),
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
        const query = returnQuerySchema.safeParse(request.query);
        if (!query.success) {
          return notice(reply, 400, 'This link is incomplete', 'The link that brought you here lacks what it needs.');
        }
        const { workflowId, signatureSessionId } = query.data;
        const log = request.log.child({ workflowId });

        const verified = await verifyReturn(context, log, workflowId, signatureSessionId);
        if (verified === 'unreachable') {
          reply.header('retry-after', '5');
          return notice(
            reply,
            503,
            'Please try again',
            'We could not check your signature right now. Reload this page in a moment.',
          );
        }
        if (verified === null) return invalidLink(reply);

        const { outcome, applicationReturnUrl } = verified;
        if (applicationReturnUrl === null) return outcomePage(reply, outcome);
        return reply.redirect(applicationUrl(applicationReturnUrl, outcome), 303);
      },
    );
    done();
  };
}

/**
 * Asks the workflow to verify the return: its verdict; the result of a session that already ended; or, when the
 * workflow cannot answer in time, the return recorded for later and `verifying`. `null` means the return names no
 * session of ours or another one: a forged or stale link. `unreachable` means Temporal itself did not answer.
 */
async function verifyReturn(
  context: GatewayContext,
  log: FastifyBaseLogger,
  workflowId: string,
  signatureSessionId: string,
): Promise<{ outcome: ReturnOutcome; applicationReturnUrl: string | null } | null | 'unreachable'> {
  let unanswered: unknown;
  try {
    const verdict = await context.temporal.withDeadline(Date.now() + context.returnWaitMs, () =>
      context.sessions.reportReturn(workflowId, signatureSessionId),
    );
    log.info({ status: verdict.status, restPkiStatus: verdict.restPkiStatus }, 'Return verified');
    return {
      outcome: { applicationKey: verdict.applicationKey, status: verdict.status, restPkiStatus: verdict.restPkiStatus },
      applicationReturnUrl: verdict.applicationReturnUrl,
    };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      log.warn('Return refused: it names another signature session');
      return null;
    }
    unanswered = error;
  }

  // No verdict: the session ended, never existed, or did not answer in time. Its memo says which, and where to go.
  let target: Awaited<ReturnType<typeof context.sessions.returnTarget>>;
  try {
    target = await context.temporal.withDeadline(Date.now() + ROUTE_WAIT_MS, () =>
      context.sessions.returnTarget(workflowId),
    );
  } catch (error) {
    log.warn({ err: error }, 'Return could not be routed: Temporal did not answer');
    return 'unreachable';
  }
  if (target === null) return null;
  const { applicationKey, applicationReturnUrl } = target;

  if (unanswered instanceof WorkflowNotFoundError) {
    // The session already ended (a webhook or the schedule got there first): its result tells the outcome.
    const result = await finishedResult(context, applicationKey);
    if (result !== null && result.sessionId !== signatureSessionId) return null;
    return {
      outcome: { applicationKey, status: result?.outcome ?? 'verifying', restPkiStatus: null },
      applicationReturnUrl,
    };
  }

  log.warn({ err: unanswered }, 'Return not verified in time; recording it for the workflow');
  await noteReturn(context, workflowId, signatureSessionId).catch((noteError: unknown) =>
    log.warn({ err: noteError }, 'Return could not be recorded; the session will find out by itself'),
  );
  return { outcome: { applicationKey, status: 'verifying', restPkiStatus: null }, applicationReturnUrl };
}

/** The application's return URL with the outcome added to its query. */
export function applicationUrl(base: string, outcome: ReturnOutcome): string {
  const url = new URL(base);
  url.searchParams.set('applicationKey', outcome.applicationKey);
  url.searchParams.set('status', outcome.status);
  if (isFinalStatus(outcome.status)) url.searchParams.set('outcome', outcome.status);
  if (outcome.restPkiStatus !== null) url.searchParams.set('restPkiStatus', outcome.restPkiStatus);
  return url.toString();
}

async function noteReturn(context: GatewayContext, workflowId: string, signatureSessionId: string): Promise<void> {
  await context.temporal.withDeadline(Date.now() + NOTE_WAIT_MS, () =>
    context.sessions.noteReturn(workflowId, signatureSessionId),
  );
}

async function finishedResult(context: GatewayContext, applicationKey: string): Promise<SignatureSessionResult | null> {
  try {
    return await context.temporal.withDeadline(Date.now() + NOTE_WAIT_MS, () =>
      context.sessions.result(applicationKey),
    );
  } catch {
    return null;
  }
}

function invalidLink(reply: FastifyReply): FastifyReply {
  return notice(
    reply,
    400,
    'This link is not valid',
    'It does not belong to a signature session we know. Nothing was changed. Go back to the application and start again.',
  );
}

function outcomePage(reply: FastifyReply, outcome: ReturnOutcome): FastifyReply {
  const texts: Record<string, string> = {
    completed: 'Your documents are signed.',
    processing: 'Your signature is being processed.',
    downloading: 'Your documents are signed and being stored.',
    'user-cancelled': 'You cancelled the signature.',
    verifying: 'We are checking your signature.',
  };
  const text = texts[outcome.status] ?? `The signature session is ${outcome.status}.`;
  return notice(reply, 200, text, 'You can close this window and go back to the application.', outcome.status);
}

function notice(reply: FastifyReply, status: number, title: string, text: string, outcome?: string): FastifyReply {
  const body = html`<h1 id="notice" data-status="${outcome ?? ''}">${title}</h1>
    <p>${text}</p>`;
  return reply.status(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page(title, body));
}
