import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logger';
import { buildLocalRestPki } from '../../src/local-restpki';
import { startTestRestPki, type TestRestPki } from '../helpers/local-restpki';
import { assertMatchesContract } from './contract';
import { callApi, createSession, inlineDocument, readError, readModel, type ErrorModel } from './support';

const unknownId = '00000000-0000-4000-8000-000000000000';
const oneDocument = { documents: [inlineDocument('note.txt', Buffer.from('a note'))] };

describe('the local Rest PKI Core API', () => {
  let service: TestRestPki;
  before(async () => {
    service = await startTestRestPki();
  });
  after(async () => {
    await service?.close();
  });

  describe('API keys', () => {
    test('a request without an API key is refused with 401', async () => {
      const answer = await callApi(service, 'GET', `/api/signature-sessions/${unknownId}`, { apiKey: null });
      readError(answer, 401);
    });

    test('an unknown API key is refused with 401', async () => {
      const answer = await callApi(service, 'GET', `/api/signature-sessions/${unknownId}`, {
        apiKey: 'local|' + '0'.repeat(64),
      });
      readError(answer, 401);
    });

    test('the read-only key reads but creating a session with it is refused with 403', async () => {
      const { sessionId } = await createSession(service, oneDocument);

      const read = await callApi(service, 'GET', `/api/signature-sessions/${sessionId}`, {
        apiKey: service.readOnlyApiKey,
      });
      const write = await callApi(service, 'POST', '/api/signature-sessions', {
        apiKey: service.readOnlyApiKey,
        body: oneDocument,
      });

      readModel(read, 'SignatureSessionModel');
      readError(write, 403);
    });

    test('the key is also accepted as "Bearer <key>" in X-Api-Key or Authorization, as the Python client sends it', async () => {
      const inApiKeyHeader = await callApi(service, 'POST', '/api/signature-sessions', {
        apiKey: `Bearer ${service.apiKey}`,
        body: oneDocument,
      });
      const inAuthorization = await callApi(service, 'POST', '/api/signature-sessions', {
        apiKey: null,
        headers: { authorization: `Bearer ${service.apiKey}` },
        body: oneDocument,
      });

      readModel(inApiKeyHeader, 'CreateSignatureSessionResponse');
      readModel(inAuthorization, 'CreateSignatureSessionResponse');
    });

    test('default keys look like the real service keys: a name, a bar and 64 hex characters', () => {
      assert.match(service.apiKey, /^local\|[0-9a-f]{64}$/);
      assert.match(service.readOnlyApiKey, /^local\|[0-9a-f]{64}$/);
      assert.notEqual(service.apiKey, service.readOnlyApiKey);
    });
  });

  describe('request bodies', () => {
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json-patch+json',
      'text/json',
      'application/vnd.example+json',
      'application/vnd.example+json; charset=utf-8',
    ]) {
      test(`a session is created from a body sent as ${contentType}`, async () => {
        const answer = await callApi(service, 'POST', '/api/signature-sessions', {
          rawBody: JSON.stringify(oneDocument),
          contentType,
        });
        const created = readModel<{ sessionId: string; redirectUrl: string }>(answer, 'CreateSignatureSessionResponse');
        assert.match(created.redirectUrl, /^http:\/\/127\.0\.0\.1:\d+\/signing\//);
      });
    }

    test('an empty JSON body is refused with 415', async () => {
      const answer = await callApi(service, 'POST', '/api/signature-sessions', {
        rawBody: '',
        contentType: 'application/json',
      });
      readError(answer, 415);
    });

    test('a POST without body or content type is refused with 415', async () => {
      readError(await callApi(service, 'POST', '/api/signature-sessions', { contentType: null }), 415);
    });

    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      test(`a body sent as ${contentType} is refused with 415`, async () => {
        const answer = await callApi(service, 'POST', '/api/signature-sessions', {
          rawBody: JSON.stringify(oneDocument),
          contentType,
        });
        readError(answer, 415);
      });
    }

    test('malformed JSON is refused with 400', async () => {
      readError(await callApi(service, 'POST', '/api/signature-sessions', { rawBody: '{"documents": [' }), 400);
    });

    test('Accept-Language and X-Subscription headers make no difference', async () => {
      const answer = await callApi(service, 'POST', '/api/signature-sessions', {
        body: oneDocument,
        headers: { 'accept-language': 'pt', 'x-subscription': 'a4f8d1c2-0a3b-4c5d-8e9f-0123456789ab' },
      });
      readModel(answer, 'CreateSignatureSessionResponse');
    });

    test('unknown request fields (from later server versions) are ignored', async () => {
      const answer = await callApi(service, 'POST', '/api/signature-sessions', {
        body: { ...oneDocument, pdfSignatureOptions: { convertToPdfA: true }, somethingNew: 1 },
      });
      readModel(answer, 'CreateSignatureSessionResponse');
    });
  });

  describe('malformed fields are refused with 400 naming the field', () => {
    const cases: { name: string; body: unknown; field: string }[] = [
      {
        name: 'a returnUrl over 1024 characters',
        body: { returnUrl: `https://app.example/${'a'.repeat(1010)}` },
        field: 'returnUrl',
      },
      { name: 'a relative returnUrl', body: { returnUrl: '/return' }, field: 'returnUrl' },
      {
        name: 'a callbackArgument over 1024 characters',
        body: { callbackArgument: 'x'.repeat(1025) },
        field: 'callbackArgument',
      },
      {
        name: 'a metadata name with punctuation',
        body: { documentMetadata: { 'case!': ['1'] } },
        field: 'documentMetadata.case!',
      },
      {
        name: 'a metadata name over 50 characters',
        body: { documentMetadata: { ['n'.repeat(51)]: ['1'] } },
        field: `documentMetadata.${'n'.repeat(51)}`,
      },
      {
        name: 'a metadata value over 500 characters',
        body: { documentMetadata: { case: ['v'.repeat(501)] } },
        field: 'documentMetadata.case[0]',
      },
      {
        name: 'a per-document metadata value over 500 characters',
        body: { documents: [{ ...inlineDocument('a.txt', Buffer.from('a')), metadata: { case: ['v'.repeat(501)] } }] },
        field: 'documents[0].metadata.case[0]',
      },
      {
        name: 'document content that is not base64',
        body: { documents: [{ file: { name: 'a.txt', content: '***' } }] },
        field: 'documents[0].file.content',
      },
      {
        name: 'a document with neither content nor url',
        body: { documents: [{ file: { name: 'a.txt' } }] },
        field: 'documents[0].file.content',
      },
      {
        name: 'an unknown signature type',
        body: { documents: [{ ...inlineDocument('a.pdf', Buffer.from('a')), signatureType: 'Pades' }] },
        field: 'documents[0].signatureType',
      },
      {
        name: 'a Cpf requirement without a valid CPF',
        body: { certificateRequirements: [{ type: 'Cpf', argument: '123.456.789-00' }] },
        field: 'certificateRequirements[0].argument',
      },
      {
        name: 'an unknown requirement type',
        body: { certificateRequirements: [{ type: 'Biometry' }] },
        field: 'certificateRequirements[0].type',
      },
      {
        name: 'a non-boolean enableBackgroundProcessing',
        body: { enableBackgroundProcessing: 'yes' },
        field: 'enableBackgroundProcessing',
      },
      {
        name: 'a securityContextId that is not a UUID',
        body: { securityContextId: 'default' },
        field: 'securityContextId',
      },
      { name: 'a body that is not an object', body: [1, 2], field: 'body' },
    ];
    for (const { name, body, field } of cases) {
      test(name, async () => {
        const error = readError(await callApi(service, 'POST', '/api/signature-sessions', { body }), 400);
        assert.ok(error.details && field in error.details, `details ${JSON.stringify(error.details)} lack ${field}`);
        assert.ok(error.message?.includes(field), `message "${error.message}" does not name ${field}`);
      });
    }

    test('a session ID that is not a UUID', async () => {
      const error = readError(await callApi(service, 'GET', '/api/signature-sessions/12345'), 400);
      assert.deepEqual(Object.keys(error.details ?? {}), ['id']);
    });
  });

  describe('unknown resources', () => {
    test('an unknown session is 422 SignatureSessionNotFound naming the ID', async () => {
      const error = readError(
        await callApi(service, 'GET', `/api/signature-sessions/${unknownId}`),
        422,
        'SignatureSessionNotFound',
      );
      assert.equal(error.message, `Signature session not found: ${unknownId}`);
    });

    test('when-completed of an unknown session is 422 SignatureSessionNotFound', async () => {
      const answer = await callApi(service, 'GET', `/api/signature-sessions/${unknownId}/when-completed`);
      readError(answer, 422, 'SignatureSessionNotFound');
    });

    test('an unknown document, and its signers, are 422 DocumentNotFound', async () => {
      readError(await callApi(service, 'GET', `/api/documents/${unknownId}`), 422, 'DocumentNotFound');
      readError(await callApi(service, 'GET', `/api/documents/${unknownId}/signers`), 422, 'DocumentNotFound');
    });

    test('an unknown document key is 200 with found false and a null document', async () => {
      const answer = await callApi(service, 'GET', '/api/documents/keys/ABCD-EFGH-JKLM-NPQR');
      const result = readModel<{ found: boolean; document: unknown }>(answer, 'DocumentQueryResponse');
      assert.deepEqual(result, { found: false, document: null });
    });

    test('waiting for completion of a Pending session is 422 BadSignatureSessionOperation', async () => {
      const { sessionId } = await createSession(service, oneDocument);
      const answer = await callApi(service, 'GET', `/api/signature-sessions/${sessionId}/when-completed`);
      readError(answer, 422, 'BadSignatureSessionOperation');
    });

    test('a path the API does not have is 404 with an ErrorModelV2 body', async () => {
      readError(await callApi(service, 'GET', '/api/signature-sessions-v3'), 404);
    });
  });

  describe('trailing slashes', () => {
    test('every path also answers with a trailing slash', async () => {
      const created = readModel<{ sessionId: string }>(
        await callApi(service, 'POST', '/api/signature-sessions/', { body: oneDocument }),
        'CreateSignatureSessionResponse',
      );
      const session = readModel<{ documents: { id: string; key: string }[] }>(
        await callApi(service, 'GET', `/api/signature-sessions/${created.sessionId}/`),
        'SignatureSessionModel',
      );
      const document = session.documents[0]!;

      readError(
        await callApi(service, 'GET', `/api/signature-sessions/${created.sessionId}/when-completed/`),
        422,
        'BadSignatureSessionOperation',
      );
      readModel(await callApi(service, 'GET', `/api/documents/${document.id}/`), 'DocumentModel');
      readModel(await callApi(service, 'GET', `/api/documents/${document.id}/signers/`), 'SignerSummary[]');
      const byKey = readModel<{ found: boolean }>(
        await callApi(service, 'GET', `/api/documents/keys/${document.key}/`),
        'DocumentQueryResponse',
      );
      assert.equal(byKey.found, true);
    });
  });
});

describe('the fault settings', () => {
  test('with an error rate of 1 every API request answers 500 with an exceptionCode', async () => {
    const service = await startTestRestPki({ faults: { errorRate: 1 } });
    try {
      const error: ErrorModel = readError(
        await callApi(service, 'POST', '/api/signature-sessions', { body: oneDocument }),
        500,
      );
      assert.match(error.exceptionCode ?? '', /^[0-9a-f]{12}$/);
    } finally {
      await service.close();
    }
  });

  test('added latency delays every API answer', async () => {
    const service = await startTestRestPki({ faults: { latencyMs: 300 } });
    try {
      const startedAt = Date.now();
      const answer = await callApi(service, 'GET', '/api/documents/keys/NONE');
      assert.ok(Date.now() - startedAt >= 300, `answered after ${Date.now() - startedAt} ms`);
      assertMatchesContract('DocumentQueryResponse', answer.body);
    } finally {
      await service.close();
    }
  });
});

describe('the app built apart from listen()', () => {
  test('answers inject() requests, with absolute URLs under its public URL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-restpki-inject-'));
    const app = await buildLocalRestPki(
      { dataDir, publicUrl: 'https://restpki.test.example' },
      createLogger('local-restpki', { level: 'error' }),
    );
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/api/signature-sessions',
        headers: { 'x-api-key': app.localRestPki.apiKey, 'content-type': 'application/json' },
        payload: oneDocument,
      });

      const created = readModel<{ redirectUrl: string }>(
        { status: response.statusCode, headers: new Headers(), body: response.json() },
        'CreateSignatureSessionResponse',
      );
      assert.match(created.redirectUrl, /^https:\/\/restpki\.test\.example\/signing\//);
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
