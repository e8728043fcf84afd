/**
 * Notifications to the application, driven through the gateway's API: a session started with a `notificationUrl`
 * posts a Standard Webhooks-signed event when it ends, and keeps trying until the application takes it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import { type ApplicationEvent } from '../../src/workflows/messages';
import { createDevServerEnv } from '../helpers/temporal';
import { startGatewayHarness, startReceiver, startRequest, type GatewayHarness, type Receiver } from './support';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

let env: TestWorkflowEnvironment;
let harness: GatewayHarness;
let receiver: Receiver;
before(async () => {
  env = await createDevServerEnv();
  harness = await startGatewayHarness(env, { subscribeWebhooks: false, notificationSigningSecret: SECRET });
  receiver = await startReceiver();
});
after(async () => {
  await harness?.close();
  await receiver?.close();
  await env?.teardown();
});

test('a notification is retried until the application answers 2xx, each attempt signed as Standard Webhooks says', async () => {
  receiver.answerWith((_request, index) => (index < 2 ? 500 : 200));
  const request = await startRequest({ notificationUrl: `${receiver.url}/events?source=signature-sessions` });
  await harness.api('POST', '/api/sessions', request);

  const cancel = await harness.api('POST', `/api/sessions/${request.applicationKey}/cancel`);
  const deadline = Date.now() + 60_000;
  while (receiver.requests.length < 3 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 250));

  assert.equal(cancel.status, 200);
  assert.equal(receiver.requests.length, 3, 'expected two refused attempts and one accepted');
  const ids = new Set(receiver.requests.map((attempt) => attempt.headers['webhook-id']));
  assert.equal(ids.size, 1, 'the event ID changed between attempts');
  const webhook = new Webhook(SECRET);
  for (const attempt of receiver.requests) {
    assert.equal(attempt.method, 'POST');
    assert.equal(attempt.url, '/events?source=signature-sessions');
    const event = webhook.verify(attempt.body, attempt.headers as Record<string, string>) as ApplicationEvent;
    assert.equal(event.type, 'signature-session.ended');
    assert.equal(event.data.applicationKey, request.applicationKey);
    assert.equal(event.data.status, 'cancelled');
    assert.equal(event.data.result?.outcome, 'cancelled');
  }
  const last = receiver.requests[2]!;
  assert.ok(last.at - receiver.requests[0]!.at >= 4000, 'the attempts were not spaced by a backoff');
  assert.throws(() =>
    webhook.verify(last.body.replace('cancelled', 'completed'), last.headers as Record<string, string>),
  );
});
