/**
 * A tiny webhook receiver standing in for the application: every `DocumentSignatureCompleted` delivery is recorded in
 * Temporal with `acceptDocumentSignedWebhook` and answered 200, or 500 when Temporal could not record it (Rest PKI
 * Core then sends it again). It keeps a list of what arrived, for tests about dropped, repeated and reordered events.
 */
import { createServer } from 'node:http';
import { type SignatureSessionsClient } from '../../../src/client/signature-sessions-client';

export interface WebhookDelivery {
  documentId: string;
  at: number;
  /** The answer the receiver gave. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  deliveries: WebhookDelivery[];
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  /**
   * Answer 503 to the first delivery of each document even though it was recorded, as when the answer is lost on the
   * way back: the service sends it again.
   */
  loseFirstAnswer?: boolean;
  /** Time allowed for Temporal to record one delivery; default 10 s. */
  recordWaitMs?: number;
}

export async function startWebhookReceiver(
  sessions: Pick<SignatureSessionsClient, 'acceptDocumentSignedWebhook'>,
  options: WebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  // A recording answered 500 for taking too long may still be retrying inside the client: closing waits for it, so
  // that no call outlives the connection it runs on.
  const recording = new Set<Promise<void>>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let documentId: string;
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { document?: { id?: unknown } };
        if (typeof event.document?.id !== 'string') throw new Error('no document ID');
        documentId = event.document.id;
      } catch {
        response.writeHead(400).end();
        return;
      }
      const first = !deliveries.some((delivery) => delivery.documentId === documentId);
      const answer = (status: number) => {
        deliveries.push({ documentId, at: Date.now(), status });
        response.writeHead(status).end();
      };
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('not recorded in time')), options.recordWaitMs ?? 10_000).unref(),
      );
      const record = sessions.acceptDocumentSignedWebhook(documentId);
      const settled = record.then(
        () => undefined,
        () => undefined,
      );
      recording.add(settled);
      void settled.finally(() => recording.delete(settled));
      Promise.race([record, timeout]).then(
        () => answer(options.loseFirstAnswer && first ? 503 : 200),
        () => answer(500),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}/webhooks`,
    deliveries,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await Promise.all(recording);
    },
  };
}
