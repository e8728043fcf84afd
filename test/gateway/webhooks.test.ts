/**
 * The webhook receiver over real HTTP: real deliveries from the local Rest PKI Core under each kind of subscription
 * authentication, forged deliveries, both spellings of the header, odd bodies, and Temporal out of reach.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { type StartedSession } from '../../src/client/signature-sessions-client';
import { startGateway } from '../../src/gateway';
import { type WebhookAuthSettings } from '../../src/gateway/settings';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { deliveryWorkflowIdForDocument } from '../../src/workflows/messages';
import { signAsUser } from '../helpers/signing-page';
import { createDevServerEnv } from '../helpers/temporal';
import { API_TOKEN, freePort, startGatewayHarness, startRequest, waitForState, type GatewayHarness } from './support';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createDevServerEnv();
});
after(async () => {
  await env?.teardown();
});

function event(documentId: string, type = 'DocumentSignatureCompleted'): string {
  return JSON.stringify({ type, document: { id: documentId, status: 'Completed', signatureType: 'Pades' } });
}

async function deliver(harness: GatewayHarness, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${harness.url}/webhooks/restpki`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Each kind of authentication: the subscription's settings, credentials that pass in either header, and forgeries. */
const KINDS: {
  auth: WebhookAuthSettings;
  valid: Record<string, string>[];
  forged: Record<string, string>[];
}[] = [
  { auth: { kind: 'none' }, valid: [{}], forged: [] },
  {
    auth: { kind: 'basic', username: 'restpki', password: 'correct horse battery' },
    valid: [
      { authorization: basic('restpki', 'correct horse battery') },
      { authentication: basic('restpki', 'correct horse battery') },
    ],
    forged: [
      {},
      { authorization: basic('restpki', 'wrong') },
      { authorization: 'Bearer correct horse battery' },
      { 'x-api-key': 'correct horse battery' },
    ],
  },
  {
    auth: { kind: 'bearer', token: 'webhook-token-abcdef0123456789' },
    valid: [
      { authorization: 'Bearer webhook-token-abcdef0123456789' },
      { authentication: 'Bearer webhook-token-abcdef0123456789' },
    ],
    forged: [
      {},
      { authorization: 'Bearer webhook-token-abcdef012345678' },
      { 'x-api-key': 'webhook-token-abcdef0123456789' },
    ],
  },
  {
    auth: { kind: 'apikey', apiKey: 'webhook-key-0123456789abcdef' },
    valid: [{ 'x-api-key': 'webhook-key-0123456789abcdef' }],
    forged: [
      {},
      { 'x-api-key': 'webhook-key-0123456789abcdeF' },
      { authorization: 'Bearer webhook-key-0123456789abcdef' },
    ],
  },
];

for (const { auth, valid, forged } of KINDS) {
  describe(`a webhook subscription with ${auth.kind} authentication`, () => {
    let harness: GatewayHarness;
    beforeEach(async () => {
      harness = await startGatewayHarness(env, { webhookAuth: auth });
    });
    afterEach(async () => {
      await harness?.close();
    });

    test("Rest PKI Core's real deliveries are accepted and complete a session whose user never comes back", async () => {
      const request = await startRequest();
      const started = await harness.api<StartedSession>('POST', '/api/sessions', request);

      await signAsUser(started.body.redirectUrl, 'bruno-a3');
      // No return: only a webhook can tell the workflow before its first scheduled look, two minutes away.
      const state = await waitForState(harness, request.applicationKey, (s) => s.result !== null, 30_000);

      assert.equal(state.result?.outcome, 'completed');
      assert.ok(state.documentsReportedSigned.length >= 1, 'no webhook reached the session');
      const documentId = state.documentsReportedSigned[0]!;
      const delivery = await env.client.workflow.getHandle(deliveryWorkflowIdForDocument(documentId)).describe();
      assert.equal(delivery.type, 'documentSignedDelivery');
    });

    test('a delivery with the right credentials in either header spelling is recorded; forged ones get 401', async () => {
      for (const headers of valid) {
        const documentId = randomUUID();
        const response = await deliver(harness, event(documentId), headers);

        assert.equal(response.status, 200, JSON.stringify(headers));
        assert.deepEqual(await response.json(), { accepted: true, documentId });
        const outcome: unknown = await env.client.workflow
          .getHandle(deliveryWorkflowIdForDocument(documentId))
          .result();
        assert.equal(outcome, 'unknown-document');
      }
      for (const headers of forged) {
        const documentId = randomUUID();
        const response = await deliver(harness, event(documentId), headers);
        const body = (await response.json()) as { code: string };

        assert.equal(response.status, 401, JSON.stringify(headers));
        assert.equal(body.code, 'Unauthorized');
        await assert.rejects(
          env.client.workflow.getHandle(deliveryWorkflowIdForDocument(documentId)).describe(),
          /not found/i,
        );
      }
      const lines = harness.logLines.join('');
      for (const secret of [
        'correct horse battery',
        'webhook-token-abcdef0123456789',
        'webhook-key-0123456789abcdef',
      ]) {
        assert.ok(!lines.includes(secret), 'a log line carries a webhook credential');
      }
    });
  });
}

describe('webhook bodies', () => {
  let harness: GatewayHarness;
  before(async () => {
    harness = await startGatewayHarness(env, { subscribeWebhooks: false });
  });
  after(async () => {
    await harness?.close();
  });

  test('five deliveries of one document are recorded as one, whatever unknown fields they carry', async () => {
    const documentId = randomUUID();
    const body = JSON.stringify({
      type: 'DocumentSignatureCompleted',
      document: { id: documentId, status: 'Completed', signatureType: 'Pades', somethingNew: { nested: true } },
      deliveredBy: 'a newer server',
    });

    const responses = await Promise.all(Array.from({ length: 5 }, () => deliver(harness, body)));

    assert.deepEqual(
      responses.map((response) => response.status),
      [200, 200, 200, 200, 200],
    );
    const { events } = await env.client.workflow.getHandle(deliveryWorkflowIdForDocument(documentId)).fetchHistory();
    assert.equal(events?.filter((e) => e.workflowExecutionStartedEventAttributes).length, 1);
  });

  test('an event of another type is acknowledged with 200 and records nothing', async () => {
    const documentId = randomUUID();

    const response = await deliver(harness, event(documentId, 'DocumentRejected'));

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { accepted: false, documentId });
    await assert.rejects(
      env.client.workflow.getHandle(deliveryWorkflowIdForDocument(documentId)).describe(),
      /not found/i,
    );
  });

  test('a malformed delivery answers 400 and never 5xx', async () => {
    const bodies = [
      '{"type": "DocumentSignatureCompleted"',
      '{}',
      '{"type": "DocumentSignatureCompleted"}',
      '{"type": "DocumentSignatureCompleted", "document": {}}',
      '{"type": "DocumentSignatureCompleted", "document": {"id": 42}}',
      '{"type": "DocumentSignatureCompleted", "document": {"id": "../../etc/passwd"}}',
      `{"type": "DocumentSignatureCompleted", "document": {"id": "${'a'.repeat(5000)}"}}`,
      '{"type": 7, "document": {"id": "5f0c2d1e-0000-4000-8000-000000000000"}}',
      '[]',
      '"DocumentSignatureCompleted"',
    ];
    for (const body of bodies) {
      const response = await deliver(harness, body);
      assert.equal(response.status, 400, body.slice(0, 80));
    }
    const asText = await fetch(`${harness.url}/webhooks/restpki`, { method: 'POST', body: 'hello' });
    assert.equal(asText.status, 400);
  });

  test('the vendor content types text/json and application/*+json are read like application/json', async () => {
    for (const contentType of ['text/json', 'application/json-patch+json', 'application/json; charset=utf-8']) {
      const response = await deliver(harness, event(randomUUID()), { 'content-type': contentType });
      assert.equal(response.status, 200, contentType);
    }
  });
});

describe('with Temporal unreachable', () => {
  test('a delivery answers 503 with Retry-After, so that Rest PKI Core sends it again', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const gateway = await startGateway({
      temporal: new Client({ connection }),
      store: new FilesystemDocumentStore('/nonexistent/store'),
      publicUrl: 'http://127.0.0.1:1',
      apiTokens: [API_TOKEN],
      webhookAuth: { kind: 'none' },
      webhookWaitMs: 1000,
      port: 0,
    });
    try {
      const response = await fetch(`${gateway.url}/webhooks/restpki`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: event(randomUUID()),
      });
      const body = (await response.json()) as { code: string };

      assert.equal(response.status, 503);
      assert.equal(body.code, 'WebhookNotRecorded');
      assert.ok(response.headers.get('retry-after'));
    } finally {
      await gateway.close();
      await connection.close();
    }
  });
});
