/**
 * The user cancels on the signing page: a `Pending` session becomes `UserCancelled`.
 */
import { type ServiceContext } from '../context';
import { SessionNotPendingError } from '../errors';
import { type SessionRecord } from '../store';
import { findSession } from './find-session';

/** Cancels the session; throws {@link SessionNotPendingError} when it was already finished or expired. */
export function cancelSession(context: ServiceContext, sessionId: string): SessionRecord {
  const session = findSession(context, sessionId);
  if (session.status !== 'Pending' || !context.store.cancelSession(sessionId, Date.now())) {
    throw new SessionNotPendingError(sessionId, findSession(context, sessionId).status);
  }

  context.logger.info({ sessionId }, 'Signature session cancelled by the user');
  context.events.changed(sessionId);
  return findSession(context, sessionId);
}
