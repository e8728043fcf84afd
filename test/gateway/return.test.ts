/**
 * The return route over real HTTP, as the user's browser meets it after the signing page: a verified return, a
 * cancelled one, forged and incomplete links, a return while no worker runs, a late return after the session ended,
 * and a return without an application page to go back to.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { type StartedSession } from '../../src/client/signature-sessions-client';
import { startGateway } from '../../src/gateway';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { type SignatureSessionResult } from '../../src/workflows/messages';
import { cancelAsUser, signAsUser } from '../helpers/signing-page';
import { createDevServerEnv } from '../helpers/temporal';
import {
  API_TOKEN,
  freePort,
  returnParameters,
  startGatewayHarness,
  startRequest,
  waitForState,
  type GatewayHarness,
} from './support';

const APPLICATION_PAGE = 'http://application.test/signed?order=42';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createDevServerEnv();
});
after(async () => {
  await env?.teardown();
});

/** Follows the return link as a browser would, without following the gateway's redirect. */
async function land(url: string): Promise<{ status: number; location: string | null; html: string; type: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  return {
    status: response.status,
    location: response.headers.get('location'),
    html: await response.text(),
    type: response.headers.get('content-type') ?? '',
  };
}

function queryOf(location: string | null): Record<string, string> {
  assert.ok(location, 'no redirect');
  return Object.fromEntries(new URL(location).searchParams);
}

describe('the return route', () => {
  let harness: GatewayHarness;
  beforeEach(async () => {
    harness = await startGatewayHarness(env, { subscribeWebhooks: false, gateway: { returnWaitMs: 1500 } });
  });
  afterEach(async () => {
    await harness?.close();
  });

  async function start(overrides: Parameters<typeof startRequest>[0] = {}): Promise<StartedSession> {
    const answer = await harness.api<StartedSession>('POST', '/api/sessions', await startRequest(overrides));
    assert.equal(answer.status, 201);
    return answer.body;
  }

  test("a verified return sends the user to the application's page with the key, our status and Rest PKI Core's", async () => {
    const started = await start();
    const { location } = await signAsUser(started.redirectUrl, 'ana-a1');

    assert.ok(location?.startsWith(`${harness.url}/return?workflowId=`), `Rest PKI Core returned to ${location}`);
    const landed = await land(location!);

    assert.equal(landed.status, 303);
    assert.ok(landed.location?.startsWith(`${APPLICATION_PAGE}&`), landed.location ?? '');
    const query = queryOf(landed.location);
    assert.equal(query.order, '42');
    assert.equal(query.applicationKey, started.applicationKey);
    assert.equal(query.restPkiStatus, 'Completed');
    assert.ok(['downloading', 'completed'].includes(query.status!), query.status);
    const state = await waitForState(harness, started.applicationKey, (s) => s.result !== null);
    assert.equal(state.result?.outcome, 'completed');
  });

  test('a user who cancels on the signing page is sent on with status and outcome user-cancelled', async () => {
    const started = await start();
    const { location } = await cancelAsUser(started.redirectUrl);

    const landed = await land(location!);

    assert.equal(landed.status, 303);
    const query = queryOf(landed.location);
    assert.equal(query.status, 'user-cancelled');
    assert.equal(query.outcome, 'user-cancelled');
    assert.equal(query.restPkiStatus, 'UserCancelled');
  });

  test('a forged return naming another session shows a page saying the link is not valid, 400, and changes nothing', async () => {
    const started = await start();
    const { location } = await signAsUser(started.redirectUrl, 'ana-a1');
    const { workflowId } = returnParameters(location);

    const forged = await land(`${harness.url}/return?workflowId=${workflowId}&signatureSessionId=${randomUUID()}`);
    const unknownWorkflow = await land(
      `${harness.url}/return?workflowId=nobody&signatureSessionId=${started.sessionId}`,
    );
    const state = await harness.api<{ status: string; restPkiStatus: string | null }>(
      'GET',
      `/api/sessions/${started.applicationKey}`,
    );

    for (const answer of [forged, unknownWorkflow]) {
      assert.equal(answer.status, 400);
      assert.match(answer.type, /^text\/html/);
      assert.match(answer.html, /This link is not valid/);
    }
    assert.equal(state.body.status, 'waiting-for-user');
    assert.equal(state.body.restPkiStatus, null);
  });

  test('a return link without its parameters answers 400 with a page, never a 5xx', async () => {
    for (const query of [
      '',
      '?workflowId=x',
      '?signatureSessionId=y',
      `?workflowId=${'w'.repeat(400)}&signatureSessionId=y`,
    ]) {
      const answer = await land(`${harness.url}/return${query}`);
      assert.equal(answer.status, 400, query);
      assert.match(answer.type, /^text\/html/);
    }
  });

  test('a return while no worker runs sends the user on as verifying, and the session completes once a worker is back', async () => {
    const started = await start();
    const { location } = await signAsUser(started.redirectUrl, 'carla-a3');
    await harness.stopWorker();

    const startedAt = Date.now();
    const landed = await land(location!);
    const waited = Date.now() - startedAt;
    await harness.startWorker();
    // The workflow's first scheduled look is two minutes away: completing sooner proves the return was recorded.
    const state = await waitForState(harness, started.applicationKey, (s) => s.result !== null, 30_000);

    assert.equal(landed.status, 303);
    const query = queryOf(landed.location);
    assert.equal(query.status, 'verifying');
    assert.equal(query.applicationKey, started.applicationKey);
    assert.equal(query.restPkiStatus, undefined);
    assert.ok(waited < 10_000, `the user waited ${waited} ms`);
    assert.equal(state.result?.outcome, 'completed');
  });

  test('a return after the session already ended sends the user on with its outcome; a forged one is still refused', async () => {
    const started = await start();
    const { location } = await signAsUser(started.redirectUrl, 'ana-a1');
    await harness.api('POST', `/api/sessions/${started.applicationKey}/cancel`);
    const result = (await env.client.workflow.getHandle(started.workflowId).result()) as SignatureSessionResult;
    const { workflowId } = returnParameters(location);

    const late = await land(location!);
    const forged = await land(`${harness.url}/return?workflowId=${workflowId}&signatureSessionId=${randomUUID()}`);

    assert.equal(result.outcome, 'completed');
    assert.equal(late.status, 303);
    assert.equal(queryOf(late.location).outcome, 'completed');
    assert.equal(forged.status, 400);
  });

  test('without an application page to go back to, the return shows the outcome on a small page', async () => {
    const started = await start({ returnUrl: undefined });
    const { location } = await cancelAsUser(started.redirectUrl);

    const landed = await land(location!);

    assert.equal(landed.status, 200);
    assert.match(landed.type, /^text\/html/);
    assert.match(landed.html, /data-status="user-cancelled"/);
    assert.match(landed.html, /You cancelled the signature/);
  });
});

describe('the return route with Temporal unreachable', () => {
  test('asks the user to try again with a 503 page instead of hanging', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const gateway = await startGateway({
      temporal: new Client({ connection }),
      store: new FilesystemDocumentStore('/nonexistent/store'),
      publicUrl: 'http://127.0.0.1:1',
      apiTokens: [API_TOKEN],
      webhookAuth: { kind: 'none' },
      returnWaitMs: 1000,
      port: 0,
    });
    try {
      const answer = await land(`${gateway.url}/return?workflowId=signature-session-x&signatureSessionId=y`);

      assert.equal(answer.status, 503);
      assert.match(answer.type, /^text\/html/);
      assert.match(answer.html, /try again/i);
    } finally {
      await gateway.close();
      await connection.close();
    }
  });
});
