/**
 * `/api/signature-sessions` (registered under the `/api` prefix): create a session, read it, and wait for it to complete.
 */
import { type FastifyInstance } from 'fastify';
import { type ServiceContext } from '../context';
import { parseCreateSessionRequest } from '../create-session-request';
import { BadSignatureSessionOperationError } from '../errors';
import { toSessionModel } from '../models';
import { type SessionRecord } from '../store';
import { createSession } from '../use-cases/create-session';
import { findSession, parseId } from '../use-cases/find-session';

/** `SessionCompletionStatus`. */
interface CompletionStatus {
  completed: boolean;
  progress: number;
}

/**
 * When-completed answers `completed: true` once the session is past `Processing`, whichever way it ended (Completed,
 * ProcessingError, UserCancelled, Expired): what the real service does for the failed ends is unverified, and a
 * caller looping on `completed: false` for a session that will never complete would loop until its own deadline.
 */
function completionOf(session: SessionRecord): CompletionStatus | null {
  if (session.status === 'Pending') {
    throw new BadSignatureSessionOperationError(session.id, session.status, 'wait for the completion of');
  }
  if (session.status !== 'Processing') return { completed: true, progress: 100 };
  return null;
}

function progressOf(session: SessionRecord, now: number): number {
  const started = session.processingStartedAt ?? now;
  const due = session.processingDueAt ?? now;
  if (due <= started) return 99;
  return Math.min(99, Math.max(0, Math.floor(((now - started) / (due - started)) * 100)));
}

/** Registers the signature-session routes. */
export function signatureSessionRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.post('/signature-sessions', async (request) => {
    return createSession(context, parseCreateSessionRequest(request.body));
  });

  app.get<{ Params: { id: string } }>('/signature-sessions/:id', (request) => {
    const session = findSession(context, parseId(request.params.id));
    return toSessionModel(context, session, context.store.listDocuments(session.id));
  });

  app.get<{ Params: { id: string } }>('/signature-sessions/:id/when-completed', async (request, reply) => {
    const sessionId = parseId(request.params.id);
    const deadline = Date.now() + context.config.whenCompletedHoldMs;
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());

    for (;;) {
      const session = findSession(context, sessionId);
      const now = Date.now();
      const completion = completionOf(session);
      if (completion) return completion;
      if (now >= deadline || gone.signal.aborted) return { completed: false, progress: progressOf(session, now) };
      await context.events.nextChange(sessionId, deadline - now, gone.signal);
    }
  });
}
