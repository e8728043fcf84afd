/**
 * The signature session workflow over hours and days, on the time-skipping test server, against the local Rest PKI
 * Core over HTTP. The tests in this file run one at a time: they share one time-skipping server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import { type StartSessionRequest } from '../../src/client/start-request';
import { type ApplicationEvent } from '../../src/workflows/messages';
import { threeDocuments } from '../helpers/documents';
import { startTestRestPki } from '../helpers/local-restpki';
import { startSessionHarness, TEST_SIGNING_SECRET, type SessionHarness } from '../helpers/sessions';
import { signAsUser } from '../helpers/signing-page';
import { createTimeSkippingEnv, uniqueId } from '../helpers/temporal';

const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTimeSkippingEnv();
});
after(async () => {
  await env?.teardown();
});

async function request(overrides: Partial<StartSessionRequest> = {}): Promise<StartSessionRequest> {
  return {
    applicationKey: uniqueId('order'),
    documents: await threeDocuments(),
    returnUrl: 'http://application.test/signed',
    ...overrides,
  };
}

describe('sessions over hours and days', { concurrency: 1 }, () => {
  let harness: SessionHarness;
  beforeEach(async () => {
    harness = await startSessionHarness(env);
  });
  afterEach(async () => {
    await harness?.close();
  });

  test('a user who never signs is abandoned at the deadline, with reminders recorded at their times', async () => {
    const started = await harness.sessions.start(
      await request({ abandonAfter: '3 days', remindAfter: ['1 day', '2 days'] }),
    );
    const startedAt = Date.parse((await harness.sessions.get(started.applicationKey)).abandonAt) - 3 * 24 * HOUR;

    await env.sleep('23 hours');
    const beforeFirstReminder = await harness.sessions.get(started.applicationKey);
    await env.sleep('2 hours');
    const afterFirstReminder = await harness.sessions.get(started.applicationKey);
    const result = await harness.sessions.result(started.applicationKey);
    const final = await harness.sessions.get(started.applicationKey);

    assert.deepEqual(beforeFirstReminder.remindersDue, []);
    assert.equal(beforeFirstReminder.status, 'waiting-for-user');
    assert.deepEqual(afterFirstReminder.remindersDue, [
      { index: 0, dueAt: new Date(startedAt + 24 * HOUR).toISOString() },
    ]);
    assert.equal(result.outcome, 'abandoned');
    assert.deepEqual(result.documents, []);
    const finishedAt = Date.parse(result.finishedAt);
    assert.ok(finishedAt >= startedAt + 72 * HOUR, `finished at ${result.finishedAt}, before the deadline`);
    assert.ok(finishedAt < startedAt + 72 * HOUR + 60_000, `finished at ${result.finishedAt}, long after the deadline`);
    assert.equal(final.remindersDue.length, 2);
    assert.equal(final.restPkiStatus, 'Pending');
  });

  test('a user who signs but never returns, with no webhook either, is found by a reconciling read', async () => {
    const started = await harness.sessions.start(await request({ abandonAfter: '7 days' }));
    const startedAt = Date.parse((await harness.sessions.get(started.applicationKey)).abandonAt) - 7 * 24 * HOUR;
    await signAsUser(started.redirectUrl, 'ana-a1');

    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(result.outcome, 'completed');
    assert.equal(result.documents.length, 3);
    const tookMs = Date.parse(result.finishedAt) - startedAt;
    assert.ok(tookMs >= 2 * 60_000 && tookMs < 3 * 60_000, `found after ${tookMs} ms instead of at the first read`);
  });

  test('reconciling reads back off from minutes to hours while the user is away', async () => {
    const started = await harness.sessions.start(await request({ abandonAfter: '2 days' }));

    const checks: string[] = [];
    for (let hour = 0; hour < 12; hour++) {
      await env.sleep('1 hour');
      const { lastCheckedAt } = await harness.sessions.get(started.applicationKey);
      if (lastCheckedAt && checks.at(-1) !== lastCheckedAt) checks.push(lastCheckedAt);
    }

    const gaps = checks.slice(1).map((at, i) => Date.parse(at) - Date.parse(checks[i]!));
    assert.ok(gaps.length >= 3, `only ${checks.length} reads in 12 hours`);
    assert.ok(
      gaps.every((gap, i) => i === 0 || gap >= gaps[i - 1]!),
      `gaps shrink: ${gaps.join(', ')}`,
    );
    assert.ok(gaps.at(-1)! >= HOUR, `the last gap is still ${gaps.at(-1)} ms`);
    assert.ok(
      gaps.every((gap) => gap <= 6 * HOUR),
      `a gap over six hours: ${gaps.join(', ')}`,
    );
  });
});

describe('the service side over time', { concurrency: 1 }, () => {
  test('a session that Rest PKI Core expires ends as expired, not abandoned', async () => {
    const harness = await startSessionHarness(env, { sessionLifetimeMs: 1000 });
    try {
      const started = await harness.sessions.start(await request());
      await new Promise((resolve) => setTimeout(resolve, 1500));

      const result = await harness.sessions.result(started.applicationKey);

      assert.equal(result.outcome, 'expired');
    } finally {
      await harness.close();
    }
  });

  test('an API that fails for hours, then recovers, still leads to the stored files', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-restpki-outage-'));
    const harness = await startSessionHarness(env, { dataDir });
    try {
      const started = await harness.sessions.start(await request());
      await signAsUser(started.redirectUrl, 'bruno-a3');
      const { port } = harness.restPki;
      await harness.restPki.close();

      await env.sleep('5 hours');
      const during = await harness.sessions.get(started.applicationKey);
      harness.restPki = await startTestRestPki({ dataDir, port });
      const result = await harness.sessions.result(started.applicationKey);

      assert.equal(during.status, 'waiting-for-user');
      assert.equal(result.outcome, 'completed');
      assert.equal(result.documents.length, 3);
    } finally {
      await harness.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('notifications to the application', { concurrency: 1 }, () => {
  test('reminders and the end are posted, signed, and retried until the application answers', async () => {
    const received: { headers: Record<string, string>; body: string }[] = [];
    let failuresLeft = 3;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (failuresLeft-- > 0) return void res.writeHead(503).end();
        received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const harness = await startSessionHarness(env);
    try {
      const { port } = receiver.address() as AddressInfo;
      const started = await harness.sessions.start(
        await request({
          abandonAfter: '2 days',
          remindAfter: ['1 day'],
          notificationUrl: `http://127.0.0.1:${port}/events`,
        }),
      );

      await harness.sessions.result(started.applicationKey);
      await env.client.workflow.getHandle(`notification-${started.workflowId}.ended`).result();
      await env.client.workflow.getHandle(`notification-${started.workflowId}.reminder-0`).result();

      const webhook = new Webhook(TEST_SIGNING_SECRET);
      const events = received.map(({ headers, body }) => {
        // The signature is checked against the time it was made; the receiver checks it as it arrives.
        assert.doesNotThrow(() => webhook.verify(body, headers));
        return JSON.parse(body) as ApplicationEvent;
      });
      const byType = new Map(events.map((event) => [event.type, event]));
      assert.equal(byType.get('signature-session.reminder-due')?.data.reminder?.index, 0);
      assert.equal(byType.get('signature-session.ended')?.data.result?.outcome, 'abandoned');
      assert.equal(byType.get('signature-session.ended')?.id, `${started.workflowId}.ended`);
      assert.equal(events.length, 2);
    } finally {
      await harness.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
