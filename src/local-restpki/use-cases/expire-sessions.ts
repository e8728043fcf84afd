/**
 * Giving up on sessions the user did not finish within the session lifetime: `Pending` becomes `Expired`.
 */
import { type ServiceContext } from '../context';

/** Expires every `Pending` session past its deadline and tells waiters; returns how many expired. */
export function expireDueSessions(context: ServiceContext): number {
  const expired = context.store.expireDueSessions(Date.now());
  for (const sessionId of expired) {
    context.logger.info({ sessionId }, 'Signature session expired');
    context.events.changed(sessionId);
  }
  return expired.length;
}
