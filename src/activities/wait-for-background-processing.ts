/**
 * Waits for Rest PKI Core to finish processing a signed session: the `when-completed` long poll in a loop, with a
 * heartbeat after every poll, then one read of the session for its final status.
 */
import { Context } from '@temporalio/activity';
import { type SessionSnapshot } from '../workflows/messages';
import { type ActivityDependencies } from './index';
import { toSnapshot } from './read-signature-session';

export function waitForBackgroundProcessingActivity({ restPki }: ActivityDependencies) {
  return async function waitForBackgroundProcessing({ sessionId }: { sessionId: string }): Promise<SessionSnapshot> {
    const context = Context.current();
    const signal = context.cancellationSignal;

    for (;;) {
      const completion = await restPki.waitForSessionCompletion(sessionId, { signal });
      context.heartbeat({ progress: completion.progress });
      if (completion.completed) break;
    }

    return toSnapshot(await restPki.getSession(sessionId, { signal }));
  };
}
