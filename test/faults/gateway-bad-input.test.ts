/**
 * Bad input to every route of the real gateway, generated with fast-check: each malformed field is refused with a 4xx
 * that names it, never a 5xx, and nothing changes: no session or webhook delivery workflow is started, and the one
 * real session never hears of any of it. Behind the gateway everything is real: the Temporal dev server, a worker
 * process, the local Rest PKI Core and a filesystem store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import { SignatureSessionsClient, type StartedSession } from '../../src/client/signature-sessions-client';
import { type DocumentToStart } from '../../src/client/start-request';
import { type ApiErrorBody } from '../../src/gateway/errors';
import { SESSION_STATUSES } from '../../src/gateway/schemas';
import { METADATA_NAME_PATTERN } from '../../src/restpki/models';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { APPLICATION_KEY_PATTERN, deliveryWorkflowIdForDocument, workflowIdForKey } from '../../src/workflows/messages';
import { threeDocuments } from '../helpers/documents';
import { uniqueId } from '../helpers/temporal';
import { startFaultGateway, type FaultGateway } from './support/gateway';
import { historyEvents } from './support/histories';
import { startFaultRestPki, type FaultRestPki } from './support/restpki';
import { startFaultTemporal, type FaultTemporal } from './support/temporal';
import { startWorkerChild, type WorkerChild } from './support/worker-child';

const API_TOKEN = 'fault-tests-api-token-5f0c2a9e';
const WEBHOOK_TOKEN = 'fault-tests-webhook-token-81d3b7c4';
const RUNS = 40;

let temporal: FaultTemporal;
let restPki: FaultRestPki;
let worker: WorkerChild;
let gateway: FaultGateway;
let storeRoot: string;
let sessions: SignatureSessionsClient;
let real: StartedSession;

before(async () => {
  temporal = await startFaultTemporal();
  restPki = await startFaultRestPki({}, 'warn');
  storeRoot = await mkdtemp(join(tmpdir(), 'faults-store-'));
  const store = new FilesystemDocumentStore(storeRoot);
  const taskQueue = uniqueId('bad-input');
  sessions = new SignatureSessionsClient({ client: temporal.client, taskQueue, store });
  worker = await startWorkerChild(temporal, restPki, { taskQueue, storeRoot });
  gateway = await startFaultGateway({
    client: temporal.client,
    taskQueue,
    store,
    apiTokens: [API_TOKEN],
    webhookAuth: { kind: 'bearer', token: WEBHOOK_TOKEN },
    // A slow worker must not turn a refused return into a durable note: the test checks the session heard nothing.
    overrides: { returnWaitMs: 30_000 },
  });

  const started = await call('POST', '/api/sessions', { body: await validRequest() });
  assert.equal(started.status, 201, started.text);
  real = JSON.parse(started.text) as StartedSession;
});

after(async () => {
  await gateway?.close();
  await worker?.stop();
  await restPki?.close();
  await temporal?.close();
  if (storeRoot) await rm(storeRoot, { recursive: true, force: true });
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: ApiErrorBody | null;
}

/** One request to the gateway: a JSON body (any value) and the API token unless other headers are given. */
async function call(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers = options.headers ?? { authorization: `Bearer ${API_TOKEN}` };
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: options.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    redirect: 'manual',
  });
  const text = await response.text();
  let body: ApiErrorBody | null = null;
  try {
    body = JSON.parse(text) as ApiErrorBody;
  } catch {
    // An HTML page (the return route): the caller reads the text.
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body };
}

let keys = 0;
let sampleDocument: Promise<DocumentToStart> | undefined;
async function validRequest(): Promise<Record<string, unknown>> {
  sampleDocument ??= threeDocuments().then(([document]) => document!);
  const document = await sampleDocument;
  return {
    applicationKey: `bad-input-${process.pid}-${++keys}`,
    documents: [document],
    returnUrl: 'http://application.test/return',
  };
}

/**
 * Whether an issue names the field `name` of the object at `where` (`body`, `querystring`, `params`, `body.document`):
 * its path is the field or inside it, or it is about that object and its message quotes the name (an unknown key).
 */
function namesField(answer: Answer, where: string, name: string): boolean {
  const field = `${where}.${name}`;
  return (answer.body?.issues ?? []).some(
    (issue) =>
      issue.path === field ||
      issue.path.startsWith(`${field}.`) ||
      (issue.path === where && issue.message.includes(`"${name}"`)),
  );
}

function refusedNaming(answer: Answer, where: string, name: string): boolean {
  return answer.status === 400 && answer.body?.code === 'ValidationFailed' && namesField(answer, where, name);
}

/** Whether Temporal knows a workflow with this ID (an ID Temporal itself refuses counts as none). */
async function workflowExists(workflowId: string): Promise<boolean> {
  try {
    await temporal.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** The workflows of a type that visibility lists, after giving it a moment to catch up. */
async function listed(type: string): Promise<string[]> {
  await sleep(1500);
  const ids: string[] = [];
  for await (const execution of temporal.client.workflow.list({ query: `WorkflowType = '${type}'` })) {
    ids.push(execution.workflowId);
  }
  return ids;
}

/** The one real session is still waiting for its user, heard no signal and accepted no update beyond its start. */
async function assertNothingChanged(): Promise<void> {
  assert.deepEqual(await listed('signatureSession'), [real.workflowId]);
  assert.deepEqual(await listed('documentSignedDelivery'), []);
  const state = await sessions.get(real.applicationKey);
  assert.equal(state.status, 'waiting-for-user');
  assert.deepEqual(state.documentsReportedSigned, []);
  assert.equal(state.result, null);
  const events = await historyEvents(temporal.client, real.workflowId);
  assert.equal(events.filter((event) => event.workflowExecutionSignaledEventAttributes).length, 0, 'a signal');
  assert.equal(events.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length, 1, 'an update');
  const unexpected = gateway.logLines.filter((line) => line.includes('failed unexpectedly'));
  assert.deepEqual(unexpected, []);
}

const notJson = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
const anyString = fc.string({ maxLength: 40 });
const nonString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyString, { maxLength: 2 }));
const longString = (min: number) =>
  fc.string({ minLength: min + 1, maxLength: min + 50 }).map((s) => s.padEnd(min + 1));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_FIELDS = [
  'applicationKey',
  'documents',
  'documentMetadata',
  'callbackArgument',
  'disableDownloads',
  'enableBackgroundProcessing',
  'certificateRequirements',
  'securityContextId',
  'pdfSignatureOptions',
  'cmsSignatureOptions',
  'returnUrl',
  'notificationUrl',
  'abandonAfter',
  'remindAfter',
];
const badDuration = fc.oneof(
  fc.stringMatching(/^[a-z]{1,12}$/),
  fc.constantFrom('999ms', '0 seconds', '-5 minutes', '', '1.5 fortnights'),
  fc.integer(),
);
const validDocument = { name: 'a.txt', content: 'QQ==', signatureType: 'Cms' };

/** For each field of the start request, values that are wrong for it by the API's documented rules. */
const BAD_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  applicationKey: fc.oneof(
    anyString.filter((key) => !APPLICATION_KEY_PATTERN.test(key)),
    fc.constantFrom('', '-leading-dash', 'has space', '../../etc/passwd', 'a'.repeat(201)),
    nonString,
  ),
  documents: fc.oneof(
    fc.constant([]),
    fc.oneof(fc.integer(), anyString, fc.constant({ name: 'x' })),
    fc.constantFrom(
      [{ name: '', content: 'QQ==' }],
      [{ name: 'x', content: 'not base64!' }],
      [{ name: 'x' }],
      [{ name: 'x', content: 'QQ==', url: 'http://files.test/x' }],
      [{ name: 'x', url: 'ftp://files.test/x' }],
      [{ name: 'x', content: 'QQ==', signatureType: 'Docx' }],
      [{ name: 'x'.repeat(261), content: 'QQ==' }],
      [{ ...validDocument, extra: 1 }],
      Array.from({ length: 51 }, () => validDocument),
    ),
  ),
  documentMetadata: fc.oneof(
    fc.oneof(anyString, fc.integer(), fc.array(anyString, { maxLength: 2 })),
    anyString
      .filter((name) => !METADATA_NAME_PATTERN.test(name) && !['__proto__', 'constructor', 'prototype'].includes(name))
      .map((name) => ({ [name]: ['value'] })),
    fc.constantFrom({ name: 'not a list' }, { name: ['x'.repeat(501)] }, { name: [1] }),
  ),
  callbackArgument: fc.oneof(longString(1024), nonString),
  disableDownloads: fc.oneof(anyString, fc.integer(), fc.constant(null)),
  enableBackgroundProcessing: fc.oneof(anyString, fc.integer(), fc.constant(null)),
  certificateRequirements: fc.oneof(
    fc.oneof(anyString, fc.integer(), fc.constant({ type: 'Cpf' })),
    fc.constantFrom(
      [{ type: 'Nope' }],
      [{ type: 'Cpf' }],
      [{ type: 'Cpf', argument: '123' }],
      [{ type: 'CryptoDevice', extra: 1 }],
      Array.from({ length: 11 }, () => ({ type: 'CryptoDevice' })),
    ),
  ),
  securityContextId: fc.oneof(
    anyString.filter((id) => !GUID.test(id)),
    fc.integer(),
  ),
  pdfSignatureOptions: fc.oneof(
    fc.oneof(anyString, fc.integer(), fc.array(fc.integer(), { maxLength: 2 })),
    fc.constantFrom({ unknownOption: true }, { measurementUnits: 'Furlongs' }, { convertToPdfA: 'yes' }),
  ),
  cmsSignatureOptions: fc.oneof(
    fc.oneof(anyString, fc.integer()),
    fc.constantFrom({ detached: 'no' }, { dataHashes: [{ algorithm: 'CRC32', value: 'QQ==' }] }, { whatever: 1 }),
  ),
  returnUrl: fc.oneof(
    fc.constantFrom(
      'not a url',
      'ftp://files.test/x',
      'javascript:alert(1)',
      '/relative',
      `http://a.test/${'a'.repeat(900)}`,
    ),
    nonString,
  ),
  notificationUrl: fc.oneof(
    fc.constantFrom('not a url', 'ftp://files.test/x', 'mailto:a@b.test', `http://a.test/${'a'.repeat(1024)}`),
    nonString,
  ),
  abandonAfter: badDuration,
  remindAfter: fc.oneof(
    anyString,
    badDuration.map((duration) => [duration]),
    fc.constant(Array.from({ length: 11 }, () => '1 hour')),
  ),
};

describe('bad input to the gateway', () => {
  test('a start with one malformed field is refused with 400 naming that field, and starts no session', async () => {
    const field = fc.constantFrom(...KNOWN_FIELDS).chain((name) => BAD_VALUES[name]!.map((value) => ({ name, value })));
    const unknownField = anyString
      .filter(
        (name) =>
          name !== '' && !KNOWN_FIELDS.includes(name) && !['__proto__', 'constructor', 'prototype'].includes(name),
      )
      .map((name) => ({ name, value: 1 }));

    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: field, weight: 9 }, { arbitrary: unknownField, weight: 1 }),
        async (bad) => {
          const request = await validRequest();
          request[bad.name] = bad.value;

          const answer = await call('POST', '/api/sessions', { body: request });

          assert.ok(refusedNaming(answer, 'body', bad.name), `${answer.status} ${answer.text}`);
          const key = bad.name === 'applicationKey' ? bad.value : request.applicationKey;
          if (typeof key === 'string' && APPLICATION_KEY_PATTERN.test(key)) {
            assert.equal(await workflowExists(workflowIdForKey(key)), false, 'a workflow was started');
          }
        },
      ),
      { numRuns: RUNS * 3 },
    );
    await assertNothingChanged();
  });

  test('a list query with a malformed parameter is refused with 400 naming that parameter', async () => {
    const parameter = fc.oneof(
      anyString.filter((status) => !(SESSION_STATUSES as readonly string[]).includes(status)).map((v) => ['status', v]),
      fc.constantFrom('0', '1001', '-1', '1.5', 'ten', '').map((v) => ['pageSize', v]),
      fc.constantFrom('yesterday', '2024-13-01T00:00:00Z', '2024-01-01', '').map((v) => ['startedAfter', v]),
      fc.constantFrom('tomorrow', '2024-01-01T25:00:00Z', '1700000000').map((v) => ['startedBefore', v]),
      longString(200).map((v) => ['applicationKey', v]),
      fc.oneof(longString(4096), fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/)).map((v) => ['pageToken', v]),
    );

    await fc.assert(
      fc.asyncProperty(parameter, async ([name, value]) => {
        const answer = await call('GET', `/api/sessions?${new URLSearchParams({ [name!]: value! }).toString()}`);

        const invalidToken = answer.body?.code === 'InvalidPageToken' && answer.body.message.includes(name!);
        assert.ok(
          refusedNaming(answer, 'querystring', name!) ||
            (name === 'pageToken' && answer.status === 400 && invalidToken),
          `${name}=${value!.slice(0, 60)}: ${answer.status} ${answer.text}`,
        );
      }),
      { numRuns: RUNS },
    );
  });

  test('a malformed or unknown application key or document ID in a path is refused with a 4xx naming it', async () => {
    // `.` and `..` are dot segments that the URL itself resolves away before any route sees them.
    const badKey = anyString.filter(
      (key) => key !== '' && key !== '.' && key !== '..' && !APPLICATION_KEY_PATTERN.test(key),
    );
    // Up to the longest key the API accepts (200 characters), colons included, which a URL spells `%3A`.
    const unknownKey = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,191}$/).map((key) => `unknown-${key}`);
    const documentId = fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), longString(200));
    const target = fc.record({
      route: fc.constantFrom('read', 'cancel', 'document'),
      key: fc.oneof(badKey, unknownKey, fc.constant(null)),
      documentId: documentId.filter((id) => id !== '.' && id !== '..'),
    });

    await fc.assert(
      fc.asyncProperty(target, async ({ route, key: chosen, documentId: document }) => {
        // The real session is only asked for documents it does not have: reading or cancelling it is not bad input.
        if (chosen === null && route !== 'document') return;
        const key = chosen ?? real.applicationKey;
        const base = `/api/sessions/${encodeURIComponent(key)}`;
        const answer =
          route === 'read'
            ? await call('GET', base)
            : route === 'cancel'
              ? await call('POST', `${base}/cancel`)
              : await call('GET', `${base}/documents/${encodeURIComponent(document)}`);
        const where = `${route} ${JSON.stringify(key)} ${JSON.stringify(document.slice(0, 40))}: ${answer.status} ${answer.text}`;

        assert.ok(answer.status >= 400 && answer.status < 500, where);
        if (!APPLICATION_KEY_PATTERN.test(key)) {
          assert.ok(refusedNaming(answer, 'params', 'applicationKey'), where);
        } else if (route === 'document' && document.length > 200) {
          assert.ok(refusedNaming(answer, 'params', 'documentId'), where);
        } else if (key === real.applicationKey) {
          assert.equal(answer.body?.code, 'DocumentNotFound', where);
        } else {
          assert.equal(answer.body?.code, 'SessionNotFound', where);
          assert.ok(answer.body?.message.includes(key), where);
          assert.equal(await workflowExists(workflowIdForKey(key)), false, 'a workflow was started');
        }
      }),
      { numRuns: RUNS * 2 },
    );
    await assertNothingChanged();
  });

  test('a return with missing, malformed or foreign parameters is refused with a 400 page and tells no session anything', async () => {
    const query = fc.oneof(
      fc.constant({}),
      anyString.map((workflowId) => ({ workflowId })),
      anyString.map((signatureSessionId) => ({ signatureSessionId })),
      fc.record({ workflowId: longString(300), signatureSessionId: fc.uuid() }),
      fc.record({ workflowId: fc.constant(null), signatureSessionId: fc.oneof(fc.uuid(), longString(100)) }),
      fc.record({ workflowId: fc.uuid().map((id) => `signature-session-${id}`), signatureSessionId: fc.uuid() }),
      fc.record({ workflowId: fc.string({ minLength: 1, maxLength: 300 }), signatureSessionId: fc.uuid() }),
    );

    await fc.assert(
      fc.asyncProperty(query, async (parameters) => {
        const values: Record<string, string> = Object.fromEntries(
          Object.entries(parameters).map(([name, value]: [string, string | null]) => [name, value ?? real.workflowId]),
        );

        const answer = await call('GET', `/return?${new URLSearchParams(values).toString()}`, { headers: {} });

        assert.equal(answer.status, 400, `${JSON.stringify(values)}: ${answer.status} ${answer.text.slice(0, 200)}`);
        assert.match(answer.contentType, /^text\/html/);
      }),
      { numRuns: RUNS },
    );
    await assertNothingChanged();
  });

  test('a webhook with wrong credentials or a malformed event is refused with a 4xx naming the problem and records no delivery', async () => {
    const goodCredentials = { authorization: `Bearer ${WEBHOOK_TOKEN}` };
    const event = (documentId: string) => ({
      type: 'DocumentSignatureCompleted',
      document: { id: documentId, key: null, metadata: {}, signedFile: null },
    });
    const badCredentials = fc.oneof(
      fc.constant({}),
      anyString.map((token) => ({ authorization: `Bearer wrong-${token.replace(/[^\x21-\x7e]/g, '')}` })),
      fc.constant({ authorization: `Basic ${Buffer.from(`user:${WEBHOOK_TOKEN}`).toString('base64')}` }),
      fc.constant({ 'x-api-key': WEBHOOK_TOKEN }),
    );
    const badEvent = fc.oneof(
      nonString.map((type) => ({ where: 'body', name: 'type', body: { ...event(randomUUID()), type } })),
      fc.constant({ where: 'body', name: 'document', body: { type: 'DocumentSignatureCompleted' } }),
      notJson.map((document) => ({
        where: 'body',
        name: 'document',
        body: { type: 'DocumentSignatureCompleted', document },
      })),
      fc
        .oneof(
          fc.constantFrom('', 'has space', 'a/b', '../x', 'x'.repeat(201)),
          anyString.filter((id) => !/^[A-Za-z0-9._:-]{1,200}$/.test(id)),
        )
        .map((id) => ({ where: 'body.document', name: 'id', body: event(id) })),
      nonString.map((id) => ({ where: 'body.document', name: 'id', body: { ...event(''), document: { id } } })),
    );
    const delivery = fc.oneof(
      fc.record({ headers: badCredentials, bad: fc.constant(null), documentId: fc.uuid() }),
      fc.record({ headers: fc.constant(goodCredentials), bad: badEvent, documentId: fc.constant(null) }),
    );

    await fc.assert(
      fc.asyncProperty(delivery, async ({ headers, bad, documentId }) => {
        const body = bad?.body ?? event(documentId!);

        const answer = await call('POST', '/webhooks/restpki', { headers, body });

        if (bad) {
          assert.ok(refusedNaming(answer, bad.where, bad.name), `${bad.name}: ${answer.status} ${answer.text}`);
        } else {
          assert.equal(answer.status, 401, answer.text);
          assert.equal(answer.body?.code, 'Unauthorized');
          assert.match(answer.body?.message ?? '', /Bearer/);
          assert.equal(await workflowExists(deliveryWorkflowIdForDocument(documentId)), false, 'a delivery');
        }
      }),
      { numRuns: RUNS * 2 },
    );
    await assertNothingChanged();
  });

  test('every API route refuses a request without the right bearer token with 401 and changes nothing', async () => {
    const route = fc.constantFrom(
      ['POST', '/api/sessions'],
      ['GET', '/api/sessions'],
      ['GET', '/api/sessions/<the real session>'],
      ['POST', '/api/sessions/<the real session>/cancel'],
      ['GET', '/api/sessions/<the real session>/documents/any'],
    );
    const headers = fc.oneof(
      fc.constant({}),
      anyString.map((token) => ({ authorization: `Bearer ${token.replace(/[^\x21-\x7e]/g, '')}x` })),
      fc.constant({ authorization: `Basic ${Buffer.from(`api:${API_TOKEN}`).toString('base64')}` }),
      fc.constant({ authorization: API_TOKEN }),
      fc.constant({ 'x-api-key': API_TOKEN }),
    );

    await fc.assert(
      fc.asyncProperty(route, headers, async ([method, path], chosen) => {
        const body = method === 'POST' ? await validRequest() : undefined;

        const answer = await call(method, path.replace('<the real session>', real.applicationKey), {
          headers: chosen,
          body,
        });

        assert.equal(answer.status, 401, `${method} ${path} ${JSON.stringify(chosen)}: ${answer.text}`);
        assert.equal(answer.body?.code, 'Unauthorized');
        if (body) assert.equal(await workflowExists(workflowIdForKey(String(body.applicationKey))), false);
      }),
      { numRuns: RUNS },
    );
    await assertNothingChanged();
  });

  test('the longest application key the API accepts is also accepted in every path that names a session', async () => {
    const applicationKey = `${'k'.repeat(100)}:${uniqueId('long').replace(/[^A-Za-z0-9]/g, ':')}`.padEnd(200, ':');
    assert.ok(APPLICATION_KEY_PATTERN.test(applicationKey) && applicationKey.length === 200);
    const started = await call('POST', '/api/sessions', { body: { ...(await validRequest()), applicationKey } });
    assert.equal(started.status, 201, started.text);
    const path = `/api/sessions/${encodeURIComponent(applicationKey)}`;

    const read = await call('GET', path);
    const document = await call('GET', `${path}/documents/${randomUUID()}`);
    const cancelled = await call('POST', `${path}/cancel`);

    assert.equal(read.status, 200, read.text);
    assert.equal(document.status, 404, document.text);
    assert.equal(document.body?.code, 'DocumentNotFound');
    assert.equal(cancelled.status, 200, cancelled.text);
  });
});
