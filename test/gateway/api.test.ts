/**
 * The sessions API over real HTTP: start, read, list, cancel and download, their errors, the bearer token, the
 * OpenAPI document, and odd input that must never reach a 5xx. Everything behind it is real: the Temporal dev server,
 * a worker, the local Rest PKI Core and a filesystem store.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { type StartedSession } from '../../src/client/signature-sessions-client';
import { startGateway } from '../../src/gateway';
import { type SignatureSessionResult, type SignatureSessionState } from '../../src/workflows/messages';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { signAsUser } from '../helpers/signing-page';
import { createDevServerEnv, uniqueId } from '../helpers/temporal';
import {
  API_TOKEN,
  freePort,
  SECOND_API_TOKEN,
  startGatewayHarness,
  startRequest,
  waitForState,
  type GatewayHarness,
} from './support';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createDevServerEnv();
});
after(async () => {
  await env?.teardown();
});

describe('the sessions API', () => {
  let harness: GatewayHarness;
  beforeEach(async () => {
    harness = await startGatewayHarness(env, {
      subscribeWebhooks: false,
      gateway: { bodyLimitBytes: 2 * 1024 * 1024 },
    });
  });
  afterEach(async () => {
    await harness?.close();
  });

  test('a start answers 201 with where to send the user; the same request again answers 200 with the same session', async () => {
    const request = await startRequest();

    const first = await harness.api<StartedSession>('POST', '/api/sessions', request);
    const second = await harness.api<StartedSession>('POST', '/api/sessions', request);

    assert.equal(first.status, 201);
    assert.equal(first.headers.get('location'), `/api/sessions/${request.applicationKey}`);
    assert.equal(first.body.applicationKey, request.applicationKey);
    assert.match(first.body.sessionId, /^[0-9a-f-]{36}$/);
    assert.ok(first.body.redirectUrl.startsWith(harness.restPki.url), first.body.redirectUrl);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
  });

  test('a start with a used key and a different request is refused with 409 SessionKeyConflict', async () => {
    const request = await startRequest();
    await harness.api('POST', '/api/sessions', request);

    const conflict = await harness.api('POST', '/api/sessions', { ...request, callbackArgument: 'another' });

    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, 'SessionKeyConflict');
  });

  test('a start with a malformed field is refused with 400 ValidationFailed naming the field path', async () => {
    const request = await startRequest();
    request.documents![1]!.content = 'not base64!';

    const answer = await harness.api('POST', '/api/sessions', { ...request, abandonAfter: 'soon' });

    assert.equal(answer.status, 400);
    assert.equal(answer.body.code, 'ValidationFailed');
    const paths = answer.body.issues?.map((issue) => issue.path) ?? [];
    assert.ok(paths.includes('body.documents.1.content'), JSON.stringify(answer.body));
    assert.ok(paths.includes('body.abandonAfter'), JSON.stringify(answer.body));
  });

  test('a start that Rest PKI Core refuses (a document URL it cannot fetch) answers 422 SessionNotCreated', async () => {
    const request = await startRequest({
      documents: [{ name: 'remote.pdf', url: `http://127.0.0.1:${await freePort()}/x.pdf` }],
    });

    const answer = await harness.api('POST', '/api/sessions', request);

    assert.equal(answer.status, 422);
    assert.equal(answer.body.code, 'SessionNotCreated');
    assert.match(answer.body.message, /could not be downloaded/);
  });

  test('reading a session answers its state, and an unknown key answers 404 SessionNotFound', async () => {
    const request = await startRequest();
    const started = await harness.api<StartedSession>('POST', '/api/sessions', request);

    const state = await harness.api<SignatureSessionState>('GET', `/api/sessions/${request.applicationKey}`);
    const unknown = await harness.api('GET', `/api/sessions/${uniqueId('unknown')}`);

    assert.equal(state.status, 200);
    assert.equal(state.body.status, 'waiting-for-user');
    assert.equal(state.body.sessionId, started.body.sessionId);
    assert.equal(state.body.applicationReturnUrl, request.returnUrl);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'SessionNotFound');
  });

  test('the list finds sessions by key and status, pages with its token, and refuses a forged page token', async () => {
    const requests = await Promise.all([startRequest(), startRequest()]);
    for (const request of requests) await harness.api('POST', '/api/sessions', request);

    type List = { sessions: { applicationKey: string; status: string }[]; nextPageToken: string | null };
    let byKey = await harness.api<List>('GET', `/api/sessions?applicationKey=${requests[0].applicationKey}`);
    for (let attempt = 0; attempt < 50 && byKey.body.sessions.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      byKey = await harness.api<List>('GET', `/api/sessions?applicationKey=${requests[0].applicationKey}`);
    }
    const since = new Date(Date.now() - 60_000).toISOString();
    const firstPage = await harness.api<List>(
      'GET',
      `/api/sessions?status=waiting-for-user&startedAfter=${since}&pageSize=1`,
    );
    const secondPage = await harness.api<List>(
      'GET',
      `/api/sessions?status=waiting-for-user&startedAfter=${since}&pageSize=1&pageToken=${firstPage.body.nextPageToken}`,
    );
    const forged = await harness.api('GET', '/api/sessions?pageToken=bm90LWEtdG9rZW4');
    const tampered = await harness.api('GET', `/api/sessions?pageToken=x${firstPage.body.nextPageToken}`);
    const badStatus = await harness.api('GET', '/api/sessions?status=finished');

    assert.deepEqual(
      byKey.body.sessions.map((session) => [session.applicationKey, session.status]),
      [[requests[0].applicationKey, 'waiting-for-user']],
    );
    assert.equal(firstPage.body.sessions.length, 1);
    assert.ok(firstPage.body.nextPageToken, 'no next page token');
    assert.equal(secondPage.status, 200);
    assert.notEqual(secondPage.body.sessions[0]?.applicationKey, firstPage.body.sessions[0]?.applicationKey);
    for (const answer of [forged, tampered]) {
      assert.equal(answer.status, 400);
      assert.equal(answer.body.code, 'InvalidPageToken');
    }
    assert.equal(badStatus.status, 400);
    assert.equal(badStatus.body.issues?.[0]?.path, 'querystring.status');
  });

  test('cancelling a waiting session answers its cancelled state, and a second cancel answers 409 SessionEnded', async () => {
    const request = await startRequest();
    await harness.api('POST', '/api/sessions', request);

    const cancelled = await harness.api<SignatureSessionState>(
      'POST',
      `/api/sessions/${request.applicationKey}/cancel`,
    );
    const again = await harness.api('POST', `/api/sessions/${request.applicationKey}/cancel`, undefined, {
      authorization: `Bearer ${API_TOKEN}`,
      'content-type': 'application/json',
    });
    const unknown = await harness.api('POST', `/api/sessions/${uniqueId('unknown')}/cancel`);

    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'SessionEnded');
    assert.equal(unknown.status, 404);
  });

  test('a cancel that arrives after the user signed answers 409 SessionNotCancellable and the session completes', async () => {
    const request = await startRequest();
    const started = await harness.api<StartedSession>('POST', '/api/sessions', request);
    await signAsUser(started.body.redirectUrl, 'ana-a1');

    const cancel = await harness.api('POST', `/api/sessions/${request.applicationKey}/cancel`);
    const state = await waitForState(harness, request.applicationKey, (s) => s.result !== null);

    assert.equal(cancel.status, 409);
    assert.equal(cancel.body.code, 'SessionNotCancellable');
    assert.equal(state.result?.outcome, 'completed');
  });

  test('a completed session without downloads on the page serves each signed file with its digest, 304 on a match', async () => {
    const request = await startRequest({ disableDownloads: true });
    const started = await harness.api<StartedSession>('POST', '/api/sessions', request);
    const early = await harness.api('GET', `/api/sessions/${request.applicationKey}/documents/anything`);
    const { location } = await signAsUser(started.body.redirectUrl, 'ana-a1');
    await fetch(location!, { redirect: 'manual' });
    const state = await waitForState(harness, request.applicationKey, (s) => s.result !== null);
    const documents = (state.result as SignatureSessionResult).documents;

    assert.equal(early.status, 404);
    assert.equal(early.body.code, 'DocumentNotFound');
    assert.equal(documents.length, 3);
    for (const document of documents) {
      const path = `/api/sessions/${request.applicationKey}/documents/${document.documentId}`;
      const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      const bytes = Buffer.from(await response.arrayBuffer());
      const sha256 = createHash('sha256').update(bytes).digest();

      assert.equal(response.status, 200);
      assert.equal(sha256.toString('hex'), document.sha256);
      assert.equal(response.headers.get('repr-digest'), `sha-256=:${sha256.toString('base64')}:`);
      assert.equal(response.headers.get('etag'), `"sha256-${document.sha256}"`);
      assert.equal(response.headers.get('content-length'), String(document.size));
      assert.match(
        response.headers.get('content-disposition') ?? '',
        /^attachment; filename="[^"/\\]+"; filename\*=UTF-8''/,
      );
      const notModified = await fetch(`${harness.url}${path}`, {
        headers: { authorization: `Bearer ${API_TOKEN}`, 'if-none-match': response.headers.get('etag')! },
      });
      assert.equal(notModified.status, 304);
    }
    const pdf = documents.find((document) => document.signatureType === 'Pdf')!;
    const pdfResponse = await fetch(
      `${harness.url}/api/sessions/${request.applicationKey}/documents/${pdf.documentId}`,
      {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      },
    );
    assert.equal(pdfResponse.headers.get('content-type'), 'application/pdf');
    const missing = await harness.api('GET', `/api/sessions/${request.applicationKey}/documents/not-a-document`);
    const unknownSession = await harness.api('GET', `/api/sessions/${uniqueId('unknown')}/documents/${pdf.documentId}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'DocumentNotFound');
    assert.equal(unknownSession.status, 404);
    assert.equal(unknownSession.body.code, 'SessionNotFound');
  });

  test('a request without a token, with a wrong token, or with the token in the query is refused with 401', async () => {
    const none = await harness.api('GET', '/api/sessions', undefined, {});
    const wrong = await harness.api('GET', '/api/sessions', undefined, {
      authorization: 'Bearer not-the-token-at-all',
    });
    const basic = await harness.api('GET', '/api/sessions', undefined, { authorization: `Basic ${API_TOKEN}` });
    const inQuery = await harness.api('GET', `/api/sessions?access_token=${API_TOKEN}`, undefined, {});
    const second = await harness.api('GET', '/api/sessions', undefined, {
      authorization: `bearer ${SECOND_API_TOKEN}`,
    });

    for (const answer of [none, wrong, basic, inQuery]) {
      assert.equal(answer.status, 401);
      assert.equal(answer.body.code, 'Unauthorized');
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
    }
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal(second.status, 200);
    assert.ok(!harness.logLines.join('').includes(API_TOKEN), 'a log line carries the API token');
  });

  test('the OpenAPI document describes every API route from the same schemas, and the reference page is served', async () => {
    const document = await harness.api<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    }>('GET', '/api/openapi.json', undefined, {});
    const docs = await fetch(`${harness.url}/api/docs`);

    assert.equal(document.status, 200);
    assert.equal(document.body.openapi, '3.1.0');
    assert.deepEqual(Object.keys(document.body.paths['/api/sessions'] ?? {}).sort(), ['get', 'post']);
    for (const path of [
      '/api/sessions/{applicationKey}',
      '/api/sessions/{applicationKey}/cancel',
      '/api/sessions/{applicationKey}/documents/{documentId}',
      '/return',
      '/webhooks/restpki',
    ]) {
      assert.ok(document.body.paths[path], `${path} is not documented`);
    }
    assert.ok(!Object.keys(document.body.paths).some((path) => path.startsWith('/demo')));
    const schemas = JSON.stringify(document.body.components.schemas);
    assert.match(schemas, /"applicationKey":\{"type":"string","pattern"/);
    assert.match(schemas, /SignatureSessionState/);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/i);
  });
});

describe('odd input', () => {
  let harness: GatewayHarness;
  before(async () => {
    harness = await startGatewayHarness(env, { gateway: { bodyLimitBytes: 1024 * 1024 } });
  });
  after(async () => {
    await harness?.close();
  });

  async function post(path: string, body: string | Buffer, contentType: string | null): Promise<Response> {
    return fetch(`${harness.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    });
  }

  test('broken JSON, wrong content types, empty and oversized bodies answer 4xx with a code, never 5xx', async () => {
    const cases: [string, string | Buffer, string | null, number, string][] = [
      ['/api/sessions', '{"applicationKey": "a",', 'application/json', 400, 'InvalidJson'],
      ['/api/sessions', '{"__proto__": {"polluted": true}}', 'application/json', 400, 'InvalidJson'],
      ['/api/sessions', '', 'application/json', 400, 'ValidationFailed'],
      ['/api/sessions', '[]', 'application/json', 400, 'ValidationFailed'],
      ['/api/sessions', 'null', 'application/json', 400, 'ValidationFailed'],
      ['/api/sessions', 'applicationKey=a', 'application/x-www-form-urlencoded', 415, 'UnsupportedMediaType'],
      ['/api/sessions', 'hello', 'text/plain', 400, 'ValidationFailed'],
      ['/api/sessions', '{"applicationKey":"a"}', 'application/xml', 415, 'UnsupportedMediaType'],
      ['/api/sessions', '{"applicationKey":1}', 'application/json; charset=latin-9000', 400, 'ValidationFailed'],
      ['/api/sessions', `${'['.repeat(20_000)}${']'.repeat(20_000)}`, 'application/json', 400, 'ValidationFailed'],
      ['/api/sessions', Buffer.alloc(2 * 1024 * 1024, 'a'), 'application/json', 413, 'RequestTooLarge'],
      [
        '/api/sessions',
        JSON.stringify({ applicationKey: '../../etc/passwd' }),
        'application/json',
        400,
        'ValidationFailed',
      ],
      ['/api/sessions', JSON.stringify({ applicationKey: 'a', extra: 1 }), 'application/json', 400, 'ValidationFailed'],
      ['/api/sessions/a b/cancel', '', null, 400, 'ValidationFailed'],
      ['/api/nothing-here', '{}', 'application/json', 404, 'NotFound'],
    ];
    for (const [path, body, contentType, status, code] of cases) {
      const response = await post(path, body, contentType);
      const text = await response.text();
      assert.equal(response.status, status, `${contentType} ${String(body).slice(0, 40)}: ${text}`);
      assert.equal((JSON.parse(text) as { code: string }).code, code, text);
    }
  });

  test('a few dozen arbitrary JSON bodies, query strings and paths never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const response = await post('/api/sessions', JSON.stringify(value), 'application/json');
        await response.body?.cancel();
        return response.status >= 400 && response.status < 500;
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          applicationKey: fc.string(),
          documents: fc.array(fc.record({ name: fc.string(), content: fc.string() })),
        }),
        async (value) => {
          const response = await post('/api/sessions', JSON.stringify(value), 'application/json');
          await response.body?.cancel();
          return response.status < 500;
        },
      ),
      { numRuns: 30 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('status', 'pageSize', 'startedAfter', 'pageToken', 'x'), fc.string()),
        async (query) => {
          const response = await fetch(`${harness.url}/api/sessions?${new URLSearchParams(query).toString()}`, {
            headers: { authorization: `Bearer ${API_TOKEN}` },
          });
          await response.body?.cancel();
          return response.status < 500;
        },
      ),
      { numRuns: 25 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), async (key) => {
        const response = await fetch(
          `${harness.url}/api/sessions/${encodeURIComponent(key)}/documents/${encodeURIComponent(key)}`,
          {
            headers: { authorization: `Bearer ${API_TOKEN}` },
          },
        );
        await response.body?.cancel();
        return response.status < 500;
      }),
      { numRuns: 25 },
    );
  });
});

describe('with Temporal unreachable', () => {
  test('the API answers 503 TemporalUnavailable with Retry-After instead of hanging', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const gateway = await startGateway({
      temporal: new Client({ connection }),
      store: new FilesystemDocumentStore('/nonexistent/store'),
      publicUrl: 'http://127.0.0.1:1',
      apiTokens: [API_TOKEN],
      webhookAuth: { kind: 'none' },
      apiWaitMs: 1000,
      port: 0,
    });
    try {
      const response = await fetch(`${gateway.url}/api/sessions/${uniqueId('key')}`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      const body = (await response.json()) as { code: string };

      assert.equal(response.status, 503);
      assert.equal(body.code, 'TemporalUnavailable');
      assert.ok(response.headers.get('retry-after'));
    } finally {
      await gateway.close();
      await connection.close();
    }
  });
});
