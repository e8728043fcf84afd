/**
 * The gateway under test, with everything real around it: a Temporal server (given by the test file), a worker with
 * the real activities on its own task queue, the local Rest PKI Core over HTTP (its webhooks subscribed to the
 * gateway when asked), a filesystem document store in a temporary folder, and the gateway over HTTP on a free port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { type Worker } from '@temporalio/worker';
import pino from 'pino';
import { type StartSessionRequest } from '../../src/client/start-request';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/gateway';
import { type ApiErrorBody } from '../../src/gateway/errors';
import { type WebhookAuthSettings } from '../../src/gateway/settings';
import { type LocalRestPkiOptions } from '../../src/local-restpki/settings';
import { freePort } from '../../src/local-temporal/servers';
import { RestPkiClient } from '../../src/restpki/client';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { type SignatureSessionState } from '../../src/workflows/messages';
import { createSignatureWorker } from '../../src/worker';
import { threeDocuments } from '../helpers/documents';
import { startTestRestPki, type TestRestPki } from '../helpers/local-restpki';
import { uniqueId, workflowBundle } from '../helpers/temporal';

/** The token the test gateways accept. */
export const API_TOKEN = 'test-token-0123456789abcdef';
/** A second accepted token, to show that any configured token works. */
export const SECOND_API_TOKEN = 'test-token-second-fedcba9876543210';

export interface GatewayHarnessOptions {
  /** How the gateway checks webhooks; Rest PKI Core's subscription uses matching credentials. Default none. */
  webhookAuth?: WebhookAuthSettings;
  /** Subscribe Rest PKI Core's webhooks to the gateway; default true. */
  subscribeWebhooks?: boolean;
  restPki?: LocalRestPkiOptions;
  /** Passed to the worker, so that sessions with a notification URL can notify. */
  notificationSigningSecret?: string;
  gateway?: Partial<GatewayOptions>;
}

export interface GatewayHarness {
  env: TestWorkflowEnvironment;
  restPki: TestRestPki;
  store: FilesystemDocumentStore;
  taskQueue: string;
  gateway: RunningGateway;
  /** The gateway's base URL. */
  url: string;
  /** Every line the gateway logged, as written. */
  logLines: string[];
  /**
   * Calls the gateway with the test token (or only the given headers) and answers status, headers and the JSON body
   * read as `T` (the test asserts what it reads), or the text when the body is not JSON.
   */
  api<T = ApiErrorBody>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer<T>>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface ApiAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

const workflowsPath = require.resolve('../../src/workflows');

export { freePort };

export async function startGatewayHarness(
  env: TestWorkflowEnvironment,
  options: GatewayHarnessOptions = {},
): Promise<GatewayHarness> {
  const webhookAuth = options.webhookAuth ?? { kind: 'none' };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const restPki = await startTestRestPki({
    ...options.restPki,
    webhook:
      options.subscribeWebhooks === false
        ? { url: null }
        : {
            url: `${url}/webhooks/restpki`,
            auth: webhookAuth,
            retryScheduleMs: [500],
            ...options.restPki?.webhook,
          },
  });
  const storeRoot = await mkdtemp(join(tmpdir(), 'gateway-store-'));
  const store = new FilesystemDocumentStore(storeRoot);
  const taskQueue = uniqueId('gateway');
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      if (process.env.LOG_LEVEL === 'debug') process.stdout.write(chunk);
      done();
    },
  });

  const gateway = await startGateway({
    temporal: env.client,
    taskQueue,
    store,
    publicUrl: url,
    apiTokens: [API_TOKEN, SECOND_API_TOKEN],
    webhookAuth,
    // No redaction here: the test reads what the gateway itself chose to log.
    logger: pino({ level: 'debug' }, logStream),
    host: '127.0.0.1',
    port,
    ...options.gateway,
  });

  let running: { worker: Worker; done: Promise<void> } | undefined;
  const harness: GatewayHarness = {
    env,
    restPki,
    store,
    taskQueue,
    gateway,
    url,
    logLines,
    async api<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(headers ?? { authorization: `Bearer ${API_TOKEN}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: the test reads the text.
      }
      return { status: response.status, headers: response.headers, body: parsed as T, text };
    },
    async startWorker() {
      const worker = await createSignatureWorker({
        connection: env.nativeConnection,
        taskQueue,
        restPki: new RestPkiClient({ endpoint: restPki.url, apiKey: restPki.apiKey }),
        store,
        notifications: options.notificationSigningSecret
          ? { signingSecret: options.notificationSigningSecret }
          : undefined,
        workflowBundle: await workflowBundle(workflowsPath),
        tuning: { shutdownGraceTime: '1 second' },
      });
      running = { worker, done: worker.run() };
    },
    async stopWorker() {
      if (!running) return;
      const { worker, done } = running;
      running = undefined;
      worker.shutdown();
      await done;
    },
    async close() {
      await harness.stopWorker();
      await gateway.close();
      await restPki.close();
      await rm(storeRoot, { recursive: true, force: true });
    },
  };
  await harness.startWorker();
  return harness;
}

/** A start request with the three sample documents and the application's own return page. */
export async function startRequest(overrides: Partial<StartSessionRequest> = {}): Promise<StartSessionRequest> {
  return {
    applicationKey: uniqueId('order'),
    documents: await threeDocuments(),
    returnUrl: 'http://application.test/signed?order=42',
    ...overrides,
  };
}

/** Polls the session's state through the API until `done` holds. */
export async function waitForState(
  harness: GatewayHarness,
  applicationKey: string,
  done: (state: SignatureSessionState) => boolean,
  timeoutMs = 30_000,
): Promise<SignatureSessionState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await harness.api<SignatureSessionState>('GET', `/api/sessions/${applicationKey}`);
    if (answer.status === 200 && done(answer.body)) return answer.body;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting; last answer ${answer.status} ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One request a {@link Receiver} got. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP server standing in for an application: it records requests and answers as the test says. */
export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  answerWith(status: (request: ReceivedRequest, index: number) => number): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let statusFor: (request: ReceivedRequest, index: number) => number = () => 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(request);
      res.writeHead(statusFor(request, requests.length - 1)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerWith(status) {
      statusFor = status;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `signatureSessionId` and `workflowId` of a return URL. */
export function returnParameters(location: string | null): { workflowId: string; signatureSessionId: string } {
  if (!location) throw new Error('no return location');
  const url = new URL(location);
  return {
    workflowId: url.searchParams.get('workflowId') ?? '',
    signatureSessionId: url.searchParams.get('signatureSessionId') ?? '',
  };
}
