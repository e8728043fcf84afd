/**
 * The baseline: the integration applications write by hand today, kept honest. Its start handler creates the session
 * with one direct call and keeps a `PENDING` row; its return handler re-reads the session from the API and downloads
 * every signed file (re-reading each document for a fresh URL, streaming to disk, syncing) before it answers the
 * browser; its webhook handler downloads inline too. It checks that the return names the order's own session, which
 * many integrations skip; it has no retries, no deadline for users who never come back and no deduplication, which is
 * what the project adds, not what is measured here.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Orders } from './orders';
import { RestPkiCalls } from './restpki-calls';

export interface BaselineOptions {
  restPkiUrl: string;
  restPkiApiKey: string;
  /** Where the database and the signed files go. */
  dataDir: string;
  /** Sync each downloaded file before answering (default true), for the same durability as the document store. */
  syncFiles?: boolean;
}

/** A baseline app listening on loopback. */
export interface RunningBaseline {
  url: string;
  /** Its database, for checks. */
  orders: Orders;
  close(): Promise<void>;
}

const ORDER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const startBodySchema = z.object({
  orderId: z.string().regex(ORDER_ID),
  documents: z
    .array(
      z.object({
        name: z.string().min(1).max(200),
        content: z.base64(),
        signatureType: z.enum(['Pdf', 'Xml', 'Cms']).optional(),
      }),
    )
    .min(1),
});

const returnQuerySchema = z.object({ orderId: z.string().regex(ORDER_ID), signatureSessionId: z.string().min(1) });

const webhookBodySchema = z.object({ type: z.string(), document: z.object({ id: z.string().min(1) }).loose() }).loose();

/** Builds the baseline app; `publicUrl` is where browsers reach it (the return URL is built from it). */
export function buildBaseline(options: BaselineOptions, publicUrl: () => string): FastifyInstance & { orders: Orders } {
  const api = new RestPkiCalls(options.restPkiUrl, options.restPkiApiKey);
  const orders = new Orders(join(options.dataDir, 'orders.db'));
  const filesDir = join(options.dataDir, 'files');
  const sync = options.syncFiles ?? true;
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024, forceCloseConnections: true });

  async function saveSignedFile(orderId: string, documentId: string): Promise<void> {
    const document = await api.getDocument(documentId);
    const url = document.signedFile?.url ?? document.signedFile?.location;
    if (!url) throw new Error(`Document ${documentId} has no signed file`);
    const path = join(filesDir, orderId, documentId);
    const size = await api.downloadTo(url, path, { sync });
    orders.saveFile(documentId, orderId, path, size);
  }

  app.post('/signatures', async (request, reply) => {
    const body = startBodySchema.parse(request.body);
    orders.insertPending(body.orderId);
    const created = await api.createSession({
      returnUrl: `${publicUrl()}/signatures/return?orderId=${encodeURIComponent(body.orderId)}`,
      callbackArgument: body.orderId,
      documentMetadata: { orderId: [body.orderId] },
      documents: body.documents.map((document) => ({
        file: { content: document.content, name: document.name },
        signatureType: document.signatureType,
      })),
    });
    orders.setSession(body.orderId, created.sessionId);
    return reply.send({ orderId: body.orderId, sessionId: created.sessionId, redirectUrl: created.redirectUrl });
  });

  app.get('/signatures/return', async (request, reply) => {
    const query = returnQuerySchema.parse(request.query);
    const order = orders.find(query.orderId);
    if (!order || order.session_id !== query.signatureSessionId) return reply.status(404).send('Unknown signature');

    const session = await api.getSession(query.signatureSessionId);
    if (session.status === 'Completed') {
      for (const document of session.documents ?? []) {
        if (document.status === 'Completed') await saveSignedFile(query.orderId, document.id);
      }
      orders.setStatus(query.orderId, 'COMPLETED');
    } else if (session.status === 'UserCancelled') {
      orders.setStatus(query.orderId, 'CANCELLED');
    }
    const status = orders.find(query.orderId)?.status ?? 'PENDING';
    return reply.redirect(`/orders/${encodeURIComponent(query.orderId)}?signature=${status.toLowerCase()}`, 303);
  });

  app.post('/signatures/webhook', async (request, reply) => {
    const event = webhookBodySchema.parse(request.body);
    if (event.type !== 'DocumentSignatureCompleted') return reply.status(204).send();
    const document = await api.getDocument(event.document.id);
    const orderId = document.metadata?.orderId?.[0];
    if (!orderId || !orders.find(orderId)) return reply.status(204).send();
    await saveSignedFile(orderId, document.id);
    orders.setStatus(orderId, 'COMPLETED');
    return reply.status(204).send();
  });

  app.addHook('onClose', (_instance, done) => {
    orders.close();
    done();
  });
  return Object.assign(app, { orders });
}

/** Builds the baseline and listens on a free loopback port. */
export async function startBaseline(options: BaselineOptions): Promise<RunningBaseline> {
  let url = '';
  const app = buildBaseline(options, () => url);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  return { url, orders: app.orders, close: () => app.close() };
}
