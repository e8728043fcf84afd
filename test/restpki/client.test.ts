import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError } from '../../src/config';
import { loadOptionalRestPkiSettings, loadRestPkiSettings, RestPkiClient } from '../../src/restpki/client';
import {
  NON_RETRYABLE_RESTPKI_ERRORS,
  RestPkiBadOperationError,
  RestPkiError,
  RestPkiNotFoundError,
  RestPkiRequestError,
  RestPkiResponseError,
  RestPkiUnavailableError,
} from '../../src/restpki/errors';
import { type CreateSignatureSessionRequest } from '../../src/restpki/models';
import { samplePdf } from '../helpers/documents';
import { startTestRestPki, type TestRestPki } from '../helpers/local-restpki';
import { cancelAsUser, signAsUser } from '../helpers/signing-page';

const unknownId = '00000000-0000-4000-8000-000000000000';
/** The key the stand-in server (for answers the local service never gives) expects and sometimes echoes. */
const standInKey = `standin|${'5e'.repeat(32)}`;

/** Every error the client threw in this file, checked at the end for every API key used. */
const thrown: unknown[] = [];
const keysUsed: string[] = [standInKey, `local|${'0'.repeat(64)}`];

/** Awaits a call that must fail and returns its error (also kept for the final check). */
async function failureOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    thrown.push(error);
    return error;
  }
  assert.fail('the call succeeded');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

describe('the Rest PKI Core client, against the local service', () => {
  let service: TestRestPki;
  let client: RestPkiClient;
  let pdf: Buffer;

  function sessionRequest(extra: Partial<CreateSignatureSessionRequest> = {}): CreateSignatureSessionRequest {
    return {
      returnUrl: 'https://app.example/return?workflowId=wf-1',
      callbackArgument: 'order-42',
      documentMetadata: { 'Contract id': ['42'] },
      documents: [
        { file: { content: pdf.toString('base64'), name: 'contract.pdf', mimeType: 'application/pdf' } },
        {
          file: { content: Buffer.from('Annex: the fine print.\n').toString('base64'), name: 'annex.txt' },
          signatureType: 'Cms',
          metadata: { Part: ['annex'] },
        },
      ],
      ...extra,
    };
  }

  before(async () => {
    service = await startTestRestPki({ processingDurationMs: 1_500, whenCompletedHoldMs: 300 });
    // The endpoint with a trailing slash: the client must not produce `//api/...`.
    client = new RestPkiClient({ endpoint: `${service.url}/`, apiKey: service.apiKey });
    keysUsed.push(service.apiKey, service.readOnlyApiKey);
    pdf = await samplePdf('Contract');
  });
  after(async () => {
    await service?.close();
  });

  test('creates a session with inline documents and reads it back Pending, documents and callbackArgument included', async () => {
    const created = await client.createSession(sessionRequest());
    const session = await client.getSession(created.sessionId);

    assert.match(created.redirectUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(session.id, created.sessionId);
    assert.equal(session.status, 'Pending');
    assert.equal(session.callbackArgument, 'order-42');
    assert.equal(session.signerCertificate, null);
    assert.deepEqual(
      session.documents.map((document) => [document.status, document.originalFile?.name, document.signedFile]),
      [
        ['PendingSignature', 'contract.pdf', null],
        ['PendingSignature', 'annex.txt', null],
      ],
    );
    assert.ok(URL.canParse(session.documents[0]?.originalFile?.url ?? ''));
  });

  test('reads a signed document, its signers and finds it by key; an unknown key is found: false, not an error', async () => {
    const created = await client.createSession(sessionRequest());
    await signAsUser(created.redirectUrl, 'ana-a1');
    const session = await client.getSession(created.sessionId);
    const summary = session.documents[0]!;

    const document = await client.getDocument(summary.id);
    const signers = await client.getDocumentSigners(summary.id);
    const byFormattedKey = await client.findDocumentByKey(summary.formattedKey!);
    const byKey = await client.findDocumentByKey(summary.key!);
    const unknown = await client.findDocumentByKey('ZZZZ-ZZZZ-ZZZZ-ZZZZ');

    assert.equal(session.status, 'Completed');
    assert.ok(session.signerCertificate?.subjectCommonName);
    assert.equal(document.id, summary.id);
    assert.deepEqual(document.metadata, { 'Contract id': ['42'] });
    assert.equal(signers.length, 1);
    assert.deepEqual(document.signers, signers);
    assert.match(signers[0]?.certificate?.thumbprintSHA256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok(signers[0]?.date);
    assert.equal(byFormattedKey.found, true);
    assert.equal(byFormattedKey.document?.id, summary.id);
    assert.equal(byKey.document?.id, summary.id);
    assert.deepEqual(unknown, { found: false, document: null });
  });

  test('streams a signed file from its URL, whose length and type match the document', async () => {
    const created = await client.createSession(sessionRequest());
    await signAsUser(created.redirectUrl, 'bruno-a3');
    const session = await client.getSession(created.sessionId);
    const signedFile = session.documents[0]!.signedFile!;

    const download = await client.downloadFile(signedFile.url!);
    const { sha256, size } = await sha256Of(download.body);

    assert.ok(download.body instanceof Readable);
    assert.equal(download.contentLength, signedFile.length);
    assert.equal(size, signedFile.length);
    assert.match(download.contentType ?? '', /^application\/pdf/);
    assert.notEqual(
      sha256,
      createHash('sha256').update(pdf).digest('hex'),
      'the signed file differs from the original',
    );
  });

  test('a file URL whose authorization was tampered with is a non-retryable RestPkiRequestError', async () => {
    const created = await client.createSession(sessionRequest());
    await signAsUser(created.redirectUrl, 'ana-a1');
    const url = new URL((await client.getSession(created.sessionId)).documents[0]!.signedFile!.url!);
    url.searchParams.set('token', 'forged');

    const error = await failureOf(client.downloadFile(url.href));

    assert.ok(error instanceof RestPkiRequestError);
    assert.ok(error.status === 401 || error.status === 403 || error.status === 404, `status ${error.status}`);
    assert.ok(NON_RETRYABLE_RESTPKI_ERRORS.includes(error.name));
    assert.doesNotMatch(error.message, /forged|token/);
  });

  test('waits for background processing with one long poll per call, until completed', async () => {
    const created = await client.createSession(sessionRequest({ enableBackgroundProcessing: true }));
    await signAsUser(created.redirectUrl, 'carla-a3');

    const processing = await client.getSession(created.sessionId);
    const first = await client.waitForSessionCompletion(created.sessionId);
    let latest = first;
    for (let poll = 0; poll < 30 && !latest.completed; poll++) {
      latest = await client.waitForSessionCompletion(created.sessionId);
    }
    const completed = await client.getSession(created.sessionId);

    assert.equal(processing.status, 'Processing');
    assert.equal(first.completed, false);
    assert.ok(first.progress !== null && first.progress >= 0 && first.progress <= 100);
    assert.equal(latest.completed, true);
    assert.equal(completed.status, 'Completed');
  });

  test('waiting for a Pending session is a RestPkiBadOperationError, and a cancelled session reads UserCancelled', async () => {
    const created = await client.createSession(sessionRequest());

    const error = await failureOf(client.waitForSessionCompletion(created.sessionId));
    await cancelAsUser(created.redirectUrl);

    assert.ok(error instanceof RestPkiBadOperationError);
    assert.equal(error.kind, 'BadSignatureSessionOperation');
    assert.equal(error.code, 'BadSignatureSessionOperation');
    assert.equal(error.status, 422);
    assert.ok(NON_RETRYABLE_RESTPKI_ERRORS.includes(error.name));
    assert.equal((await client.getSession(created.sessionId)).status, 'UserCancelled');
  });

  test('a wrong API key is a RestPkiRequestError with status 401', async () => {
    const wrongKey = new RestPkiClient({ endpoint: service.url, apiKey: `local|${'0'.repeat(64)}` });

    const error = await failureOf(wrongKey.getSession(unknownId));

    assert.ok(error instanceof RestPkiRequestError);
    assert.equal(error.status, 401);
    assert.equal(error.kind, 'Unauthorized');
    assert.match(error.message, new RegExp(`get signature session ${unknownId}`));
  });

  test('the read-only key reads sessions but creating one with it is a 403', async () => {
    const readOnly = new RestPkiClient({ endpoint: service.url, apiKey: service.readOnlyApiKey });
    const created = await client.createSession(sessionRequest());

    const session = await readOnly.getSession(created.sessionId);
    const error = await failureOf(readOnly.createSession(sessionRequest()));

    assert.equal(session.id, created.sessionId);
    assert.ok(error instanceof RestPkiRequestError);
    assert.equal(error.status, 403);
    assert.equal(error.kind, 'Forbidden');
  });

  test('an unknown session or document is a RestPkiNotFoundError carrying the service code', async () => {
    const session = await failureOf(client.getSession(unknownId));
    const document = await failureOf(client.getDocument(unknownId));

    assert.ok(session instanceof RestPkiNotFoundError);
    assert.equal(session.kind, 'NotFound');
    assert.equal(session.code, 'SignatureSessionNotFound');
    assert.equal(session.status, 422);
    assert.ok(session instanceof RestPkiRequestError);
    assert.ok(document instanceof RestPkiNotFoundError);
    assert.equal(document.code, 'DocumentNotFound');
    assert.match(document.message, new RegExp(unknownId));
  });

  test('a request the service finds malformed is a 400 that names the field', async () => {
    const tooLong = { returnUrl: `https://app.example/${'r'.repeat(1100)}` } as CreateSignatureSessionRequest;

    const error = await failureOf(client.createSession(tooLong));

    assert.ok(error instanceof RestPkiRequestError);
    assert.equal(error.status, 400);
    assert.equal(error.kind, 'BadRequest');
    assert.ok('returnUrl' in error.details, `details: ${JSON.stringify(error.details)}`);
    assert.match(error.message, /returnUrl/);
    assert.ok(NON_RETRYABLE_RESTPKI_ERRORS.includes(error.name));
  });

  test('a failing service (500) is a retryable RestPkiUnavailableError', async () => {
    const failing = await startTestRestPki({ faults: { errorRate: 1 } });
    try {
      const failingClient = new RestPkiClient({ endpoint: failing.url, apiKey: failing.apiKey });
      keysUsed.push(failing.apiKey);

      const error = await failureOf(failingClient.getSession(unknownId));

      assert.ok(error instanceof RestPkiUnavailableError);
      assert.equal(error.status, 500);
      assert.ok(!NON_RETRYABLE_RESTPKI_ERRORS.includes(error.name));
    } finally {
      await failing.close();
    }
  });

  test('an endpoint nobody listens on is a retryable RestPkiUnavailableError', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await closeServer(closed);
    const unreachable = new RestPkiClient({ endpoint: url, apiKey: service.apiKey });

    const error = await failureOf(unreachable.getSession(unknownId));

    assert.ok(error instanceof RestPkiUnavailableError);
    assert.equal(error.status, undefined);
    assert.ok(error.cause instanceof Error);
    assert.ok(!NON_RETRYABLE_RESTPKI_ERRORS.includes(error.name));
  });
});

describe('the Rest PKI Core client, on answers the local service never gives', () => {
  let server: Server;
  let endpoint: string;
  let client: RestPkiClient;
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  let releaseSlowFile: () => void = () => undefined;

  before(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '';
      seen.push({ path, headers: request.headers });
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      switch (path) {
        case '/api/documents/throttled':
          return json(429, { code: 'TooManyRequests', message: 'slow down' });
        case '/api/documents/busy':
          return json(422, { code: 'BackgroundProcessing', message: 'The document is still being processed' });
        case '/api/documents/echo':
          return json(400, { code: 'ValidationError', message: `Bad key ${String(request.headers['x-api-key'])}` });
        case '/api/documents/not-json':
          response.writeHead(200, { 'content-type': 'text/html' });
          return response.end('<html>a login page</html>');
        case '/api/documents/mismatch':
          return json(200, { id: 42, metadata: { contract: ['secret'] } });
        case '/api/documents/redirected':
          response.writeHead(302, { location: `${endpoint}/elsewhere` });
          return response.end();
        case '/api/documents/hang':
        case '/api/signature-sessions/hang/when-completed':
          return; // never answers
        case '/files/slow?token=abc':
          response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '8' });
          response.write('%PDF');
          releaseSlowFile = () => response.end('-1.7');
          return;
        default:
          return json(404, { code: 'NotFound', message: 'no such route' });
      }
    });
    endpoint = await listen(server);
    client = new RestPkiClient({ endpoint, apiKey: standInKey, timeoutMs: 2_000 });
  });
  after(async () => {
    await closeServer(server);
  });

  test('a 429 and the BackgroundProcessing code are retryable RestPkiUnavailableErrors', async () => {
    const throttled = await failureOf(client.getDocument('throttled'));
    const busy = await failureOf(client.getDocument('busy'));

    assert.ok(throttled instanceof RestPkiUnavailableError);
    assert.equal(throttled.status, 429);
    assert.ok(busy instanceof RestPkiUnavailableError);
    assert.equal(busy.code, 'BackgroundProcessing');
  });

  test('a success answer that is not the model is a RestPkiResponseError naming model and path, not the body', async () => {
    const notJson = await failureOf(client.getDocument('not-json'));
    const mismatch = await failureOf(client.getDocument('mismatch'));

    assert.ok(notJson instanceof RestPkiResponseError);
    assert.equal(notJson.model, 'DocumentModel');
    assert.doesNotMatch(inspect(notJson, { depth: 10 }), /login page/);
    assert.ok(mismatch instanceof RestPkiResponseError);
    assert.equal(mismatch.path, 'id');
    assert.match(mismatch.message, /DocumentModel at id/);
    assert.doesNotMatch(inspect(mismatch, { depth: 10 }), /secret/);
    assert.ok(NON_RETRYABLE_RESTPKI_ERRORS.includes(mismatch.name));
  });

  test('a redirect is not followed, so the API key never leaves the endpoint', async () => {
    const error = await failureOf(client.getDocument('redirected'));

    assert.ok(error instanceof RestPkiResponseError);
    assert.equal(error.status, 302);
    assert.equal(
      seen.some((request) => request.path === '/elsewhere'),
      false,
    );
  });

  test('a server that echoes the API key in its error message has it redacted', async () => {
    const error = await failureOf(client.getDocument('echo'));

    assert.ok(error instanceof RestPkiRequestError);
    assert.match(error.message, /Bad key \[redacted\]/);
  });

  test('a call with no answer times out as RestPkiUnavailableError; a caller abort rejects with its own reason', async () => {
    const impatient = new RestPkiClient({ endpoint, apiKey: standInKey, timeoutMs: 200 });
    const controller = new AbortController();
    const reason = new Error('the activity was cancelled');
    setTimeout(() => controller.abort(reason), 50);
    const calledAt = Date.now();

    const [timedOut, aborted] = await Promise.all([
      failureOf(impatient.getDocument('hang')),
      failureOf(client.waitForSessionCompletion('hang', { signal: controller.signal })),
    ]);

    assert.ok(timedOut instanceof RestPkiUnavailableError);
    assert.match(timedOut.message, /no answer within 200 ms/);
    assert.equal(aborted, reason);
    assert.ok(seen.some((request) => request.path === '/api/signature-sessions/hang/when-completed'));
    assert.ok(Date.now() - calledAt < 1_000);
  });

  test('a download starts before the file has fully arrived, and is sent without the API key', async () => {
    const download = await client.downloadFile(`${endpoint}/files/slow?token=abc`);
    const request = seen.find((candidate) => candidate.path === '/files/slow?token=abc');
    releaseSlowFile();
    const chunks: Buffer[] = [];
    for await (const chunk of download.body) chunks.push(chunk as Buffer);

    assert.equal(Buffer.concat(chunks).toString(), '%PDF-1.7');
    assert.equal(download.contentLength, 8);
    assert.ok(request);
    assert.equal(request.headers['x-api-key'], undefined);
    assert.equal(request.headers.authorization, undefined);
  });

  test('a file URL that is not absolute http(s) is refused before any request', async () => {
    const error = await failureOf(client.downloadFile('file:///etc/passwd'));

    assert.ok(error instanceof RestPkiResponseError);
    assert.equal(error.path, 'url');
  });
});

describe('the Rest PKI Core client settings and secrecy', () => {
  test('the client shows its endpoint but never its API key in JSON or inspection', () => {
    const client = new RestPkiClient({ endpoint: 'https://restpki.example/base', apiKey: standInKey });

    assert.equal(client.endpoint, 'https://restpki.example/base/');
    const views = [
      JSON.stringify(client),
      JSON.stringify({ ...client }),
      inspect(client, { showHidden: true, depth: 5 }),
      inspect({ nested: client }),
    ];
    for (const shown of views) {
      assert.doesNotMatch(shown, /5e5e5e/);
    }
    assert.match(JSON.stringify(client), /restpki\.example/);
  });

  test('settings need RESTPKI_API_KEY once RESTPKI_ENDPOINT is set, and errors name variables, not values', () => {
    const secret = `app|${'ab'.repeat(32)}`;

    const missingKey = (() => {
      try {
        loadRestPkiSettings({ RESTPKI_ENDPOINT: 'https://restpki.example' });
      } catch (error) {
        return error;
      }
    })();
    const badEndpoint = (() => {
      try {
        loadRestPkiSettings({ RESTPKI_ENDPOINT: `not a url ${secret}`, RESTPKI_API_KEY: secret });
      } catch (error) {
        return error;
      }
    })();

    assert.ok(missingKey instanceof ConfigError);
    assert.deepEqual(
      missingKey.settings.map((setting) => setting.name),
      ['RESTPKI_API_KEY'],
    );
    assert.ok(badEndpoint instanceof ConfigError);
    assert.deepEqual(
      badEndpoint.settings.map((setting) => setting.name),
      ['RESTPKI_ENDPOINT'],
    );
    assert.doesNotMatch(badEndpoint.message, /abab/);
    assert.throws(() => loadRestPkiSettings({}), ConfigError);
    assert.equal(loadOptionalRestPkiSettings({}), undefined);
    assert.deepEqual(
      loadRestPkiSettings({
        RESTPKI_ENDPOINT: 'https://restpki.example',
        RESTPKI_API_KEY: secret,
        RESTPKI_TIMEOUT: '10s',
      }),
      { endpoint: 'https://restpki.example', apiKey: secret, timeoutMs: 10_000 },
    );
  });
});

describe('after every call above', () => {
  test('no error thrown in this file carries an API key in its message, stack, JSON or inspection', () => {
    const secretParts = (key: string) => [key, key.slice(key.indexOf('|') + 1)];
    const secrets = keysUsed.flatMap(secretParts);

    assert.ok(thrown.length >= 15, `only ${thrown.length} errors were collected`);
    for (const error of thrown) {
      if (!(error instanceof RestPkiError)) continue;
      const views = [error.message, error.stack ?? '', JSON.stringify(error), inspect(error, { depth: 10 })];
      for (const view of views) {
        for (const secret of secrets) assert.ok(!view.includes(secret), `${error.name} reveals an API key`);
      }
    }
  });
});
