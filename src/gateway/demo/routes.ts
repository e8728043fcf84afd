/**
 * The demo application, served by the gateway at `/demo`: it plays a backend system that uses the API. A person
 * starts a session with sample documents (or his own), signs on Rest PKI Core's page, comes back to `/demo/return`,
 * watches the outcome and downloads the signed files. The demo calls the gateway's own API in process with a token
 * it holds, so the browser never sees one; it only ever shows sessions it started (their keys begin with `demo-`).
 */
import { randomUUID } from 'node:crypto';
import multipart, { type Multipart } from '@fastify/multipart';
import { type FastifyInstance, type FastifyReply, type LightMyRequestResponse } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { type DocumentToStart, type StartSessionRequest } from '../../client/start-request';
import {
  APPLICATION_KEY_PATTERN,
  type ApplicationEvent,
  type SignatureSessionState,
  workflowIdForKey,
} from '../../workflows/messages';
import { type ApiErrorBody } from '../errors';
import { PAGE_HEADERS } from '../html';
import { SAMPLE_KINDS, sampleDocuments, signatureTypeFor, type SampleKind } from './sample-documents';
import { noticePage, outcomePage, startPage } from './views';

/** What the demo needs from the gateway that serves it. */
export interface DemoRoutesOptions {
  /** The gateway's root app: the demo calls its API through `inject`. */
  app: FastifyInstance;
  /** A token the API accepts. */
  apiToken: string;
  publicUrl: string;
  temporalUiUrl: string | null;
  namespace: string;
  /**
   * The secret the worker signs notifications with; when given, the demo asks for notifications and verifies each
   * one it receives at `/demo/notifications`.
   */
  notificationSigningSecret?: string | null;
}

const KEY_PREFIX = 'demo-';
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_UPLOADS = 5;
/** Notifications are kept in memory for this many sessions, the most recent ones. */
const MAX_SESSIONS_WITH_NOTIFICATIONS = 200;
/** Response headers of a download passed on to the browser. */
const DOWNLOAD_HEADERS = ['content-type', 'content-length', 'content-disposition', 'etag', 'repr-digest'];

/** What the start form sent. */
interface StartForm {
  signer: string;
  samples: SampleKind[];
  uploads: DocumentToStart[];
  backgroundProcessing: boolean;
  disableDownloads: boolean;
}

/** Thrown when the start form cannot be turned into a request: shown to the person on the form. */
class DemoFormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoFormError';
  }
}

/** The `/demo` routes; register with the `/demo` prefix. */
export function demoRoutes(options: DemoRoutesOptions) {
  const { app: gateway, apiToken, publicUrl } = options;
  const webhook = options.notificationSigningSecret ? new Webhook(options.notificationSigningSecret) : null;
  const notifications = new Map<string, ApplicationEvent[]>();

  const callApi = (method: 'GET' | 'POST', url: string, payload?: unknown): Promise<LightMyRequestResponse> =>
    gateway.inject({
      method,
      url,
      headers: { authorization: `Bearer ${apiToken}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  return async function demo(app: FastifyInstance): Promise<void> {
    await app.register(multipart, {
      throwFileSizeLimit: false,
      limits: { fileSize: MAX_UPLOAD_BYTES, files: MAX_UPLOADS, fields: 20, parts: 30 },
    });
    // Notifications are verified over their exact bytes, so this scope keeps JSON bodies as text.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    app.get('/', { schema: { hide: true } }, async (_request, reply) => sendPage(reply, 200, startPage()));

    app.post('/sessions', { schema: { hide: true } }, async (request, reply) => {
      let form: StartForm;
      try {
        form = await readStartForm(request.parts());
      } catch (error) {
        if (error instanceof DemoFormError) return sendPage(reply, 400, startPage({ error: error.message }));
        throw error;
      }

      const documents = [...(await sampleDocuments(form.samples, form.signer)), ...form.uploads];
      const body: StartSessionRequest = {
        applicationKey: `${KEY_PREFIX}${randomUUID()}`,
        ...(documents.length > 0 ? { documents } : {}),
        returnUrl: `${publicUrl}/demo/return`,
        enableBackgroundProcessing: form.backgroundProcessing || undefined,
        disableDownloads: form.disableDownloads || undefined,
        abandonAfter: '1 day',
        ...(webhook ? { notificationUrl: `${publicUrl}/demo/notifications` } : {}),
      };
      const answer = await callApi('POST', '/api/sessions', body);
      if (answer.statusCode !== 200 && answer.statusCode !== 201) {
        const error = answer.json<ApiErrorBody>();
        const detail = error.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
        request.log.warn({ status: answer.statusCode, code: error.code }, 'Demo could not start a session');
        return sendPage(reply, 400, startPage({ error: detail ? `${error.message} (${detail})` : error.message }));
      }
      const started = answer.json<{ redirectUrl: string }>();
      return reply.redirect(started.redirectUrl, 303);
    });

    app.get<{ Querystring: { applicationKey?: string } }>(
      '/return',
      { schema: { hide: true } },
      async (request, reply) => {
        const applicationKey = request.query.applicationKey ?? '';
        if (!isDemoKey(applicationKey)) {
          return sendPage(reply, 404, noticePage('Unknown session', 'This demo started no session with that key.'));
        }
        const answer = await callApi('GET', `/api/sessions/${encodeURIComponent(applicationKey)}`);
        if (answer.statusCode === 404) {
          return sendPage(reply, 404, noticePage('Unknown session', 'This demo started no session with that key.'));
        }
        const state = answer.statusCode === 200 ? answer.json<SignatureSessionState>() : null;
        const workflowId = workflowIdForKey(applicationKey);
        return sendPage(
          reply,
          200,
          outcomePage(
            state,
            applicationKey,
            {
              workflowUi: options.temporalUiUrl
                ? `${options.temporalUiUrl}/namespaces/${encodeURIComponent(options.namespace)}/workflows/${encodeURIComponent(workflowId)}`
                : null,
              download: (documentId) =>
                `/demo/sessions/${encodeURIComponent(applicationKey)}/documents/${encodeURIComponent(documentId)}`,
            },
            notifications.get(applicationKey) ?? [],
          ),
        );
      },
    );

    app.get<{ Params: { applicationKey: string; documentId: string } }>(
      '/sessions/:applicationKey/documents/:documentId',
      { schema: { hide: true } },
      async (request, reply) => {
        const { applicationKey, documentId } = request.params;
        if (!isDemoKey(applicationKey)) {
          return sendPage(reply, 404, noticePage('Unknown document', 'This demo started no session with that key.'));
        }
        const answer = await callApi(
          'GET',
          `/api/sessions/${encodeURIComponent(applicationKey)}/documents/${encodeURIComponent(documentId)}`,
        );
        if (answer.statusCode !== 200) {
          const text =
            answer.statusCode === 404 ? 'The session has no such signed document (yet).' : 'Try again later.';
          return sendPage(reply, answer.statusCode === 404 ? 404 : 503, noticePage('No download', text));
        }
        for (const name of DOWNLOAD_HEADERS) {
          const value = answer.headers[name];
          if (typeof value === 'string') reply.header(name, value);
        }
        return reply.status(200).send(answer.rawPayload);
      },
    );

    app.post<{ Body: string }>('/notifications', { schema: { hide: true } }, async (request, reply) => {
      if (!webhook) return reply.status(404).send();
      let event: ApplicationEvent;
      try {
        event = webhook.verify(request.body, request.headers as Record<string, string>) as ApplicationEvent;
      } catch (error) {
        request.log.warn({ err: error }, 'Demo refused a notification with a bad signature');
        return reply.status(401).send();
      }
      const key = event.data?.applicationKey;
      if (typeof key === 'string' && isDemoKey(key)) remember(notifications, key, event);
      return reply.status(204).send();
    });
  };
}

function isDemoKey(key: string): boolean {
  return key.startsWith(KEY_PREFIX) && APPLICATION_KEY_PATTERN.test(key);
}

function remember(notifications: Map<string, ApplicationEvent[]>, key: string, event: ApplicationEvent): void {
  const events = notifications.get(key) ?? [];
  if (events.some((known) => known.id === event.id)) return;
  notifications.delete(key);
  notifications.set(key, [...events, event]);
  while (notifications.size > MAX_SESSIONS_WITH_NOTIFICATIONS) {
    notifications.delete(notifications.keys().next().value!);
  }
}

type Parts = AsyncIterableIterator<Multipart>;

async function readStartForm(parts: Parts): Promise<StartForm> {
  const form: StartForm = {
    signer: '',
    samples: [],
    uploads: [],
    backgroundProcessing: false,
    disableDownloads: false,
  };
  for await (const part of parts) {
    if (part.type === 'file') {
      if (part.filename === '') {
        part.file.resume();
        continue;
      }
      const bytes = await part.toBuffer();
      if (part.file.truncated) throw new DemoFormError(`${part.filename} is larger than 10 MB`);
      if (bytes.length === 0) throw new DemoFormError(`${part.filename} is empty`);
      form.uploads.push({
        name: part.filename.slice(0, 200),
        content: bytes.toString('base64'),
        signatureType: signatureTypeFor(part.filename),
      });
      continue;
    }
    const value = typeof part.value === 'string' ? part.value : '';
    if (part.fieldname === 'signer') form.signer = value.trim().slice(0, 80);
    if (part.fieldname === 'sample' && (SAMPLE_KINDS as readonly string[]).includes(value)) {
      form.samples.push(value as SampleKind);
    }
    if (part.fieldname === 'backgroundProcessing') form.backgroundProcessing = value === 'on';
    if (part.fieldname === 'disableDownloads') form.disableDownloads = value === 'on';
  }
  return form;
}

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .headers(PAGE_HEADERS)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}
