/**
 * A scan of everything a representative run writes down: the worker processes' logs (their own at debug, the SDK's at
 * DEBUG), the local Rest PKI Core's logs at debug, the gateway's logs at debug, every error the run caught (message,
 * stack, causes, JSON), every answer of the gateway's API, and every workflow history on the Temporal server. None may
 * hold the Rest PKI Core API key, the gateway's bearer token, a webhook credential, the notification signing secret, a
 * CPF of the test PKI (bare or punctuated) or a distinctive run of a document's bytes (raw, base64 or hex).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { SignatureSessionsClient } from '../../src/client/signature-sessions-client';
import { type DocumentToStart, type StartSessionRequest } from '../../src/client/start-request';
import { type WebhookAuthSettings } from '../../src/gateway/settings';
import { ANA_LIMA_CPF, formatCpf, TEST_PEOPLE } from '../../src/local-restpki/pki';
import { RestPkiClient } from '../../src/restpki/client';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { type SignatureSessionState } from '../../src/workflows/messages';
import { samplePdf, sampleXml } from '../helpers/documents';
import { TEST_SIGNING_SECRET } from '../helpers/sessions';
import { openSigningPage, signAsUser } from '../helpers/signing-page';
import { uniqueId } from '../helpers/temporal';
import { startFaultGateway, type FaultGateway } from './support/gateway';
import { startFaultRestPki, type FaultRestPki } from './support/restpki';
import { freePort } from '../../src/local-temporal/servers';
import { startFaultTemporal, workflowBundleFile, type FaultTemporal } from './support/temporal';
import { WorkerChild } from './support/worker-child';

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const API_TOKEN = secret('scan-api-token');
const WRONG_RESTPKI_KEY = `scan-app|${randomBytes(32).toString('hex')}`;
const WEBHOOK_AUTH: Record<WebhookAuthSettings['kind'], WebhookAuthSettings> = {
  none: { kind: 'none' },
  basic: { kind: 'basic', username: secret('scan-webhook-user'), password: secret('scan-webhook-password') },
  bearer: { kind: 'bearer', token: secret('scan-webhook-token') },
  apikey: { kind: 'apikey', apiKey: secret('scan-webhook-key') },
};
/** Written into the documents, so that their bytes are recognisable wherever they end up. */
const MARKER = secret('document-marker');

let temporal: FaultTemporal;
let restPki: FaultRestPki;
let worker: WorkerChild;
let failingWorker: WorkerChild;
let gateway: FaultGateway;
let gatewayPort: number;
let notifications: { server: Server; url: string; received: { headers: IncomingHttpHeaders; body: string }[] };
let storeRoot: string;
let store: FilesystemDocumentStore;
let taskQueue: string;
let documents: DocumentToStart[];
const gatewayLines: string[] = [];
/** Every error the run caught, and every answer the gateway gave (downloads aside), as text. */
const caught: string[] = [];
const answers: string[] = [];

before(async () => {
  temporal = await startFaultTemporal();
  gatewayPort = await freePort();
  restPki = await startFaultRestPki(
    {
      processingDurationMs: 1000,
      whenCompletedHoldMs: 1000,
      webhook: {
        url: `http://127.0.0.1:${gatewayPort}/webhooks/restpki`,
        auth: { kind: 'none' },
        retryScheduleMs: [500],
      },
    },
    'debug',
  );
  storeRoot = await mkdtemp(join(tmpdir(), 'faults-store-'));
  store = new FilesystemDocumentStore(storeRoot);
  taskQueue = uniqueId('scan');
  const common = {
    temporalAddress: temporal.address,
    restPkiUrl: restPki.url,
    storeRoot,
    bundlePath: await workflowBundleFile(),
    logLevel: 'debug',
    sdkLogLevel: 'DEBUG' as const,
  };
  worker = new WorkerChild({
    ...common,
    taskQueue,
    restPkiApiKey: restPki.apiKey,
    notificationSigningSecret: TEST_SIGNING_SECRET,
  });
  failingWorker = new WorkerChild({ ...common, taskQueue: `${taskQueue}-wrong-key`, restPkiApiKey: WRONG_RESTPKI_KEY });
  await Promise.all([worker.start(), failingWorker.start()]);
  gateway = await startGatewayWith(WEBHOOK_AUTH.none);
  notifications = await startNotificationReceiver();
  documents = [
    { name: 'contract.pdf', content: (await samplePdf(`Contract ${MARKER}`)).toString('base64'), signatureType: 'Pdf' },
    { name: 'terms.xml', content: sampleXml(`Terms ${MARKER}`).toString('base64'), signatureType: 'Xml' },
    {
      name: 'annex.txt',
      content: Buffer.from(`Confidential annex ${MARKER}\n`).toString('base64'),
      signatureType: 'Cms',
    },
  ];
});

after(async () => {
  await gateway?.close();
  await new Promise((resolve) => notifications?.server.close(resolve));
  await worker?.stop();
  await failingWorker?.stop();
  await restPki?.close();
  await temporal?.close();
  if (storeRoot) await rm(storeRoot, { recursive: true, force: true });
});

function startGatewayWith(webhookAuth: WebhookAuthSettings): Promise<FaultGateway> {
  return startFaultGateway({
    client: temporal.client,
    taskQueue,
    store,
    apiTokens: [API_TOKEN],
    webhookAuth,
    logLines: gatewayLines,
    port: gatewayPort,
  });
}

async function startNotificationReceiver(): Promise<typeof notifications> {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The receiver has no port');
  return { server, url: `http://127.0.0.1:${address.port}/events`, received };
}

/** Everything an error carries that a log line or an answer could repeat. */
function describeError(error: unknown): string {
  const parts = [inspect(error, { depth: 20 })];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    parts.push(current.message, current.stack ?? '', JSON.stringify(current, Object.getOwnPropertyNames(current)));
    current = current.cause;
  }
  return parts.join('\n');
}

/** Calls the gateway's API with the token and keeps the answer's text. */
async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Reads the session through the API until `done` holds, for at most `withinMs`. */
async function sessionState(
  applicationKey: string,
  done: (state: SignatureSessionState) => boolean,
  withinMs = 60_000,
): Promise<SignatureSessionState> {
  const giveUpAt = Date.now() + withinMs;
  for (;;) {
    const answer = await api<SignatureSessionState>('GET', `/api/sessions/${applicationKey}`);
    if (answer.status === 200 && done(answer.body)) return answer.body;
    if (Date.now() > giveUpAt) throw new Error(`${applicationKey}: ${JSON.stringify(answer.body)}`);
    await sleep(300);
  }
}

/** Three documents, a return through the gateway, a notification, and every signed file downloaded. */
async function happyPath(): Promise<void> {
  const request: StartSessionRequest = {
    applicationKey: uniqueId('scan-happy'),
    documents,
    returnUrl: 'http://application.test/signed',
    notificationUrl: notifications.url,
  };
  const started = await api<{ redirectUrl: string }>('POST', '/api/sessions', request);
  assert.equal(started.status, 201);

  const { location } = await signAsUser(started.body.redirectUrl, 'ana-a1');
  const landing = await fetch(location!, { redirect: 'manual' });
  await landing.body?.cancel();
  assert.equal(landing.status, 303);
  const state = await sessionState(request.applicationKey, (s) => s.result !== null);
  assert.equal(state.result?.outcome, 'completed');
  assert.equal(state.result?.documents.length, 3);
  for (const document of state.result?.documents ?? []) {
    const response = await fetch(
      `${gateway.url}/api/sessions/${request.applicationKey}/documents/${document.documentId}`,
      {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      },
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), document.sha256);
  }

  const giveUpAt = Date.now() + 60_000;
  while (!notifications.received.some((event) => event.body.includes(request.applicationKey))) {
    if (Date.now() > giveUpAt) throw new Error('The application was never notified');
    await sleep(300);
  }
  const event = notifications.received.find((candidate) => candidate.body.includes(request.applicationKey))!;
  const verified = new Webhook(TEST_SIGNING_SECRET).verify(event.body, event.headers as Record<string, string>);
  assert.ok(verified, 'the notification is not signed with the secret');
}

/** A session in the webhook flow, with Rest PKI Core's subscription and the gateway both set to `auth`. */
async function webhookFlow(auth: WebhookAuthSettings): Promise<void> {
  await gateway.close();
  gateway = await startGatewayWith(auth);
  await restPki.restart({ webhook: { url: `${gateway.url}/webhooks/restpki`, auth, retryScheduleMs: [500] } });

  const applicationKey = uniqueId(`scan-webhook-${auth.kind}`);
  const started = await api<{ redirectUrl: string }>('POST', '/api/sessions', {
    applicationKey,
    documents: [documents[2]],
    enableBackgroundProcessing: true,
  });
  assert.equal(started.status, 201);
  await signAsUser(started.body.redirectUrl, 'bruno-a3');
  const state = await sessionState(applicationKey, (s) => s.result !== null, 90_000);

  assert.equal(state.result?.outcome, 'completed', `the ${auth.kind} webhook flow did not complete`);
  assert.ok(state.documentsReportedSigned.length > 0, `no ${auth.kind} webhook reached the session`);
  if (auth.kind !== 'none') {
    const refused = await fetch(`${gateway.url}/webhooks/restpki`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-webhook-token' },
      body: JSON.stringify({ type: 'DocumentSignatureCompleted', document: { id: randomUUID() } }),
    });
    answers.push(await refused.text());
    assert.equal(refused.status, 401);
  }
}

/** Rest PKI Core failing: a worker with a wrong API key, a spell of 500s, and the client's own errors. */
async function failingApi(): Promise<void> {
  const wrongKeySessions = new SignatureSessionsClient({
    client: temporal.client,
    taskQueue: `${taskQueue}-wrong-key`,
    store,
  });
  const refused = await wrongKeySessions
    .start({ applicationKey: uniqueId('scan-wrong-key'), documents: [documents[2]!] })
    .then(
      () => null,
      (error: unknown) => error,
    );
  assert.ok(refused, 'a worker with a wrong API key created a session');
  caught.push(describeError(refused));

  await restPki.restart({ faults: { errorRate: 1 } });
  const applicationKey = uniqueId('scan-500');
  const starting = api('POST', '/api/sessions', { applicationKey, documents: [documents[1]] });
  const giveUpAt = Date.now() + 60_000;
  while (refusedCreates(restPki.logLines) < 2) {
    if (Date.now() > giveUpAt) throw new Error('The create activity never met a 500 twice');
    await sleep(300);
  }
  await restPki.restart({ faults: {} });
  assert.equal((await starting).status, 201);
  assert.equal((await api('POST', `/api/sessions/${applicationKey}/cancel`)).status, 200);

  const wrongKey = new RestPkiClient({ endpoint: restPki.url, apiKey: WRONG_RESTPKI_KEY });
  const rightKey = new RestPkiClient({ endpoint: restPki.url, apiKey: restPki.apiKey });
  for (const attempt of [
    () => wrongKey.getSession(randomUUID()),
    () => rightKey.getSession(randomUUID()),
    async () => rightKey.downloadFile(`http://127.0.0.1:${await freePort()}/files/x?token=${randomUUID()}`),
    () =>
      api('GET', `/api/sessions/${uniqueId('nobody')}`).then(({ status }) => Promise.reject(new Error(`${status}`))),
  ]) {
    caught.push(
      describeError(
        await attempt().then(
          () => new Error('no error'),
          (error: unknown) => error,
        ),
      ),
    );
  }
}

/** Every workflow history on the server, with each payload's bytes read as text. */
async function allHistories(): Promise<{ count: number; text: string }> {
  const parts: string[] = [];
  let count = 0;
  for await (const execution of temporal.client.workflow.list()) {
    const history = await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    collectText(history, parts);
    count++;
  }
  return { count, text: parts.join('\n') };
}

function collectText(value: unknown, into: string[]): void {
  if (value instanceof Uint8Array) {
    into.push(Buffer.from(value).toString('utf8'));
  } else if (typeof value === 'string') {
    into.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectText(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      into.push(name);
      collectText(item, into);
    }
  }
}

/** The secrets and personal data of the run, each in every spelling it could take. */
function needles(): { name: string; value: string }[] {
  const list = [
    { name: 'the Rest PKI Core API key', value: restPki.apiKey },
    { name: 'the secret part of the Rest PKI Core API key', value: restPki.apiKey.split('|')[1]! },
    { name: 'the read-only API key', value: restPki.readOnlyApiKey },
    { name: 'the wrong API key', value: WRONG_RESTPKI_KEY },
    { name: 'the gateway bearer token', value: API_TOKEN },
    { name: 'the notification signing secret', value: TEST_SIGNING_SECRET },
    { name: 'the signing secret without its prefix', value: TEST_SIGNING_SECRET.replace(/^whsec_/, '') },
  ];
  const basic = WEBHOOK_AUTH.basic as Extract<WebhookAuthSettings, { kind: 'basic' }>;
  list.push(
    { name: 'the webhook Basic password', value: basic.password },
    {
      name: 'the webhook Basic credentials',
      value: Buffer.from(`${basic.username}:${basic.password}`).toString('base64'),
    },
    { name: 'the webhook bearer token', value: (WEBHOOK_AUTH.bearer as { token: string }).token },
    { name: 'the webhook API key', value: (WEBHOOK_AUTH.apikey as { apiKey: string }).apiKey },
  );
  for (const person of TEST_PEOPLE) {
    list.push({ name: `${person.holderName}'s CPF`, value: person.cpf });
    list.push({ name: `${person.holderName}'s CPF, punctuated`, value: formatCpf(person.cpf) });
  }
  const marker = Buffer.from(MARKER);
  list.push(
    { name: 'the document marker', value: MARKER },
    { name: 'the document marker in hex', value: marker.toString('hex') },
    { name: 'the document marker as an inspected Buffer', value: marker.toString('hex').match(/../g)!.join(' ') },
  );
  for (const document of documents) {
    const base64 = document.content!;
    const middle = Math.floor(base64.length / 2);
    list.push({ name: `${document.name} in base64`, value: base64.slice(Math.max(0, middle - 20), middle + 20) });
    list.push({ name: `the start of ${document.name} in base64`, value: base64.slice(0, 40) });
  }
  return list;
}

/** Each needle found in each text, with a little context. */
function leaks(texts: { source: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const { name, value } of needles()) {
    for (const { source, text } of texts) {
      const at = text.indexOf(value);
      if (at >= 0)
        found.push(`${name} in ${source}: ...${text.slice(Math.max(0, at - 80), at + value.length + 20)}...`);
    }
  }
  return found;
}

test(
  'happy path, webhooks of every auth kind, a signed notification and a failing API leave no key, token, webhook credential, signing secret, CPF or document byte in any log, error or history',
  { timeout: 8 * 60_000 },
  async (t) => {
    await happyPath();
    for (const kind of ['none', 'basic', 'bearer', 'apikey'] as const) await webhookFlow(WEBHOOK_AUTH[kind]);
    await failingApi();

    const histories = await allHistories();
    const texts = [
      { source: 'the worker logs', text: worker.output.join('\n') },
      { source: 'the logs of the worker with a wrong key', text: failingWorker.output.join('\n') },
      { source: 'the Rest PKI Core logs', text: restPki.logLines.join('') },
      { source: 'the gateway logs', text: gatewayLines.join('') },
      { source: 'the errors caught', text: caught.join('\n') },
      { source: 'the gateway answers', text: answers.join('\n') },
      { source: 'the workflow histories', text: histories.text },
    ];
    t.diagnostic(
      `scanned ${texts.map(({ source, text }) => `${source} (${text.length} characters)`).join(', ')}; ` +
        `${histories.count} histories`,
    );

    assert.ok(
      worker.output.some((line) => line.includes('"msg":"Worker polling"')),
      'the worker logged nothing',
    );
    assert.ok(
      worker.output.some((line) => line.includes('[DEBUG]')),
      'the SDK logged nothing at DEBUG',
    );
    assert.ok(
      failingWorker.output.some((line) => line.includes('RestPkiRequestError')),
      'no API failure was logged',
    );
    assert.ok(
      restPki.logLines.some((line) => line.includes('Webhook delivered')),
      'Rest PKI Core logged no webhook',
    );
    assert.ok(
      gatewayLines.some((line) => line.includes('Webhook recorded')),
      'the gateway logged no webhook',
    );
    assert.ok(histories.count >= 12, `only ${histories.count} histories`);
    assert.ok(histories.text.includes('RestPkiRequestError'), 'no history records the failing API');
    assert.ok(leaks([{ source: 'a control', text: `x${API_TOKEN}x` }]).length === 1, 'the scan finds nothing');
    assert.deepEqual(leaks(texts), []);
  },
);

test('a Cpf certificate requirement reaches Rest PKI Core but stays out of the workflow history', async () => {
  const sessions = new SignatureSessionsClient({ client: temporal.client, taskQueue, store });
  const started = await sessions.start({
    applicationKey: uniqueId('scan-cpf'),
    documents: [documents[2]!],
    certificateRequirements: [{ type: 'Cpf', argument: formatCpf(ANA_LIMA_CPF) }],
  });
  const page = await openSigningPage(started.redirectUrl);
  const selectable = page.certificates.filter((certificate) => certificate.selectable).map(({ id }) => id);
  await sessions.cancel(started.applicationKey);
  assert.deepEqual(selectable, ['ana-a1'], 'the signing page does not apply the CPF requirement');

  const history = await temporal.client.workflow.getHandle(started.workflowId).fetchHistory();
  const parts: string[] = [];
  collectText(history, parts);
  const text = parts.join('\n');

  assert.ok(!text.includes(formatCpf(ANA_LIMA_CPF)), 'the punctuated CPF is in the history');
  assert.ok(!text.includes(ANA_LIMA_CPF), 'the CPF is in the history');
});

/** How many session creates the service has answered with a 500, from its request log. */
function refusedCreates(logLines: readonly string[]): number {
  return logLines.filter((line) => {
    let entry: { method?: string; route?: string; status?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return false;
    }
    return entry.method === 'POST' && entry.route?.startsWith('/api/signature-sessions') && entry.status === 500;
  }).length;
}
