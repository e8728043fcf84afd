/**
 * Delivering `DocumentSignatureCompleted` events to the application's subscription. Deliveries are queued in
 * SQLite in the same transaction that completes the session, so none is lost to a restart; each is retried on the
 * configured schedule until the receiver answers 2xx. A delivery may therefore arrive more than once, as with the
 * real service. The body is built when sent, so its file URLs are fresh.
 */
import { type ServiceContext } from './context';
import { toDocumentModel } from './models';
import { type FaultSettings, type WebhookAuth } from './settings';
import { type DeliveryRecord } from './store';

/** Deliveries attempted per pass of the background loop; the rest wait for the next pass. */
const BATCH_SIZE = 20;

/** How long a new delivery waits before its first attempt: none, unless the reorder fault is on. */
export function webhookDelay(faults: FaultSettings): number {
  return faults.webhookReorderMaxDelayMs > 0 ? Math.floor(Math.random() * faults.webhookReorderMaxDelayMs) : 0;
}

function authHeaders(auth: WebhookAuth): Record<string, string> {
  switch (auth.kind) {
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'apikey':
      return { 'x-api-key': auth.apiKey };
    case 'none':
      return {};
  }
}

/** Attempts every due delivery once; `signal` aborts attempts in flight when the service closes. */
export async function deliverDueWebhooks(context: ServiceContext, signal: AbortSignal): Promise<void> {
  const { url } = context.config.webhook;
  if (url === null) return;

  for (const delivery of context.store.dueDeliveries(Date.now(), BATCH_SIZE)) {
    if (signal.aborted) return;
    await deliver(context, url, delivery, signal);
  }
}

async function deliver(
  context: ServiceContext,
  url: string,
  delivery: DeliveryRecord,
  signal: AbortSignal,
): Promise<void> {
  const { webhook, faults } = context.config;
  const log = { deliveryId: delivery.id, documentId: delivery.documentId, attempt: delivery.attempts + 1 };
  const document = context.store.getDocument(delivery.documentId);
  if (!document) {
    context.store.markDelivered(delivery.id, Date.now());
    return;
  }

  if (Math.random() < faults.webhookDropRate) {
    context.store.markDelivered(delivery.id, Date.now());
    context.logger.info(log, 'Webhook delivery dropped on purpose (fault setting)');
    return;
  }

  const body = JSON.stringify({ type: delivery.eventType, document: toDocumentModel(context, document) });
  const problem = await post(url, body, webhook.auth, webhook.timeoutMs, signal);
  if (signal.aborted) return;

  if (problem === null) {
    context.store.markDelivered(delivery.id, Date.now());
    context.logger.info(log, 'Webhook delivered');
    if (Math.random() < faults.webhookDuplicateRate) {
      await post(url, body, webhook.auth, webhook.timeoutMs, signal);
      context.logger.info(log, 'Webhook delivered twice on purpose (fault setting)');
    }
    return;
  }

  const schedule = webhook.retryScheduleMs;
  const wait = schedule[Math.min(delivery.attempts, schedule.length - 1)] ?? 60_000;
  context.store.markDeliveryFailed(delivery.id, problem, Date.now() + wait);
  context.logger.warn({ ...log, problem, retryInMs: wait }, 'Webhook delivery failed; will retry');
}

/** Posts one event; returns null on a 2xx answer, else what went wrong (without the URL or credentials). */
async function post(
  url: string,
  body: string,
  auth: WebhookAuth,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string | null> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...authHeaders(auth) },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    return describeFailure(error);
  }
}

/** `ECONNREFUSED`, `TimeoutError`...: what failed, never the URL (it may carry a token). */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'request failed';
}
