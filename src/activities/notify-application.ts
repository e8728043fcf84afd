/**
 * Posts an event to the application's notification URL, signed as the Standard Webhooks specification says
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature` over `id.timestamp.body`). The ID stays the same on every
 * retry so the application can drop repeats; the timestamp and signature are those of each attempt.
 */
import { Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import { type ApplicationEvent } from '../workflows/messages';

export interface NotificationSettings {
  /** The `whsec_...` secret shared with the application. */
  signingSecret: string;
  /** Time allowed for one delivery attempt; default 10 seconds. */
  timeoutMs?: number;
}

/** Thrown when the application did not take the event (a non-2xx answer, a network failure, a timeout): retried. */
export class NotificationNotDeliveredError extends Error {
  constructor(
    readonly eventId: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(`The application did not take event ${eventId}${status === null ? '' : `: it answered ${status}`}`, options);
    this.name = 'NotificationNotDeliveredError';
  }
}

/** Thrown when an event should be sent but the worker has no signing secret: a configuration error, never retried. */
export class NotificationsNotConfiguredError extends Error {
  constructor() {
    super('A session has a notification URL but the worker has no NOTIFICATION_SIGNING_SECRET to sign events with');
    this.name = 'NotificationsNotConfiguredError';
  }
}

export function notifyApplicationActivity(settings: NotificationSettings | undefined) {
  const webhook = settings ? new Webhook(settings.signingSecret) : undefined;

  return async function notifyApplication({ url, event }: { url: string; event: ApplicationEvent }): Promise<void> {
    if (!webhook) throw new NotificationsNotConfiguredError();
    const body = JSON.stringify(event);
    const timestamp = new Date();
    const signal = AbortSignal.any([
      Context.current().cancellationSignal,
      AbortSignal.timeout(settings?.timeoutMs ?? 10_000),
    ]);

    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': webhook.sign(event.id, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      throw new NotificationNotDeliveredError(event.id, null, { cause: error });
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) {
      throw new NotificationNotDeliveredError(event.id, response.status);
    }
  };
}
