/**
 * The signature session workflow on the Temporal dev server, against the local Rest PKI Core over HTTP, with the
 * user's actions played by posting the signing page as a browser would.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import {
  SessionEndedError,
  SessionKeyConflictError,
  SignatureSessionsClient,
} from '../../src/client/signature-sessions-client';
import { type StartSessionRequest } from '../../src/client/start-request';
import { RestPkiClient } from '../../src/restpki/client';
import type { documentSignedDelivery } from '../../src/workflows/document-signed-delivery';
import { storageKeyFor } from '../../src/storage/document-store';
import {
  deliveryWorkflowIdForDocument,
  workflowIdForKey,
  type SignatureSessionState,
} from '../../src/workflows/messages';
import { samplePdf, threeDocuments } from '../helpers/documents';
import { startSessionHarness, type SessionHarness } from '../helpers/sessions';
import { cancelAsUser, signAsUser } from '../helpers/signing-page';
import { createDevServerEnv, uniqueId } from '../helpers/temporal';

const APPLICATION_RETURN_URL = 'http://application.test/signed?order=42';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createDevServerEnv();
});
after(async () => {
  await env?.teardown();
});

/** Polls the session's state until `done` holds, for steps that happen outside the test's control. */
async function waitForState(
  harness: SessionHarness,
  applicationKey: string,
  done: (state: SignatureSessionState) => boolean,
  timeoutMs = 30_000,
): Promise<SignatureSessionState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await harness.sessions.get(applicationKey);
    if (done(state)) return state;
    if (Date.now() > deadline) throw new Error(`Timed out waiting; last state ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The SHA-256 of a document's signed file as Rest PKI Core serves it right now. */
async function servedDigest(harness: SessionHarness, documentId: string): Promise<string> {
  const client = new RestPkiClient({ endpoint: harness.restPki.url, apiKey: harness.restPki.apiKey });
  const document = await client.getDocument(documentId);
  const download = await client.downloadFile(document.signedFile!.url!);
  const hash = createHash('sha256');
  for await (const chunk of download.body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function request(overrides: Partial<StartSessionRequest> = {}): Promise<StartSessionRequest> {
  return {
    applicationKey: uniqueId('order'),
    documents: await threeDocuments(),
    returnUrl: APPLICATION_RETURN_URL,
    ...overrides,
  };
}

function signatureSessionIdFrom(location: string | null): string {
  assert.ok(location, 'the signing page redirected nowhere');
  const id = new URL(location).searchParams.get('signatureSessionId');
  assert.ok(id, `no signatureSessionId in ${location}`);
  return id;
}

describe('a session with a user who comes back', () => {
  let harness: SessionHarness;
  beforeEach(async () => {
    harness = await startSessionHarness(env);
  });
  afterEach(async () => {
    await harness?.close();
  });

  test('a user who signs and returns completes the session with every signed file stored', async () => {
    const started = await harness.sessions.start(await request());
    const state = await harness.sessions.get(started.applicationKey);
    assert.equal(state.status, 'waiting-for-user');
    assert.equal(state.sessionId, started.sessionId);

    const { location } = await signAsUser(started.redirectUrl, 'ana-a1');
    assert.ok(location?.startsWith('http://application.test/signed?order=42&'), `returned to ${location}`);
    const verdict = await harness.sessions.reportReturn(started.workflowId, signatureSessionIdFrom(location));
    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(verdict.restPkiStatus, 'Completed');
    assert.equal(result.outcome, 'completed');
    assert.equal(result.sessionId, started.sessionId);
    assert.equal(result.documents.length, 3);
    assert.deepEqual(result.documents.map((d) => d.signatureType).sort(), ['Cms', 'Pdf', 'Xml']);
    for (const document of result.documents) {
      const stored = await harness.store.stat(document.storageKey);
      assert.equal(stored?.sha256, document.sha256);
      assert.equal(stored?.size, document.size);
      assert.equal(document.sha256, await servedDigest(harness, document.documentId));
    }
    assert.equal(result.signer?.name, 'ANA LIMA');
    assert.equal(result.signer?.certificateType, 'A1');
  });

  test('a user who cancels on the signing page ends the session as user-cancelled with nothing stored', async () => {
    const started = await harness.sessions.start(await request());

    const { location } = await cancelAsUser(started.redirectUrl);
    const verdict = await harness.sessions.reportReturn(started.workflowId, signatureSessionIdFrom(location));
    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(verdict.restPkiStatus, 'UserCancelled');
    assert.equal(result.outcome, 'user-cancelled');
    assert.deepEqual(result.documents, []);
    const client = new RestPkiClient({ endpoint: harness.restPki.url, apiKey: harness.restPki.apiKey });
    for (const document of (await client.getSession(started.sessionId)).documents ?? []) {
      const key = storageKeyFor({ workflowId: started.workflowId, documentId: document.id, fileName: null });
      assert.equal(await harness.store.stat(key), undefined, `document ${document.id} was stored`);
    }
  });

  test('a return naming another session is refused and changes nothing', async () => {
    const started = await harness.sessions.start(await request());

    await assert.rejects(
      harness.sessions.reportReturn(started.workflowId, '00000000-0000-4000-8000-000000000000'),
      WorkflowUpdateFailedError,
    );

    const state = await harness.sessions.get(started.applicationKey);
    assert.equal(state.status, 'waiting-for-user');
    assert.equal(state.restPkiStatus, null);
  });

  test('a return before the user has signed is answered Pending and the session keeps waiting', async () => {
    const started = await harness.sessions.start(await request());

    const verdict = await harness.sessions.reportReturn(started.workflowId, started.sessionId);

    assert.equal(verdict.restPkiStatus, 'Pending');
    assert.equal(verdict.status, 'waiting-for-user');
    assert.equal(verdict.applicationReturnUrl, null);
    const state = await harness.sessions.get(started.applicationKey);
    assert.equal(state.status, 'waiting-for-user');
    assert.equal(state.restPkiStatus, 'Pending');
  });

  test('a webhook arriving before the return leads to the same completed session', async () => {
    const started = await harness.sessions.start(await request());
    const { location } = await signAsUser(started.redirectUrl, 'bruno-a3');
    const session = await harness.sessions.get(started.applicationKey);

    const client = new RestPkiClient({ endpoint: harness.restPki.url, apiKey: harness.restPki.apiKey });
    const remote = await client.getSession(session.sessionId!);
    await harness.sessions.reportDocumentSigned(started.workflowId, remote.documents[0]!.id);
    const verdict = await harness.sessions.reportReturn(started.workflowId, signatureSessionIdFrom(location));
    const result = await harness.sessions.result(started.applicationKey);

    assert.ok(['Completed'].includes(verdict.restPkiStatus));
    assert.equal(result.outcome, 'completed');
    assert.equal(result.documents.length, 3);
  });

  test('a return noted without waiting for an answer still makes the workflow look at the API at once', async () => {
    const startedAt = Date.now();
    const started = await harness.sessions.start(await request());
    const { location } = await signAsUser(started.redirectUrl, 'ana-a1');

    await harness.sessions.noteReturn(started.workflowId, signatureSessionIdFrom(location));
    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(result.outcome, 'completed');
    const tookMs = Date.parse(result.finishedAt) - startedAt;
    assert.ok(tookMs < 100_000, `the session ended after ${tookMs} ms: it waited for the first reconciling read`);
  });

  test('the return target is read from the memo, with no worker running', async () => {
    const throughGateway = new SignatureSessionsClient({
      client: env.client,
      taskQueue: harness.taskQueue,
      store: harness.store,
      returnRouteUrl: 'http://gateway.test/return',
    });
    const started = await throughGateway.start(await request());
    await harness.stopWorker();

    const target = await throughGateway.returnTarget(started.workflowId);
    await harness.startWorker();

    assert.deepEqual(target, { applicationKey: started.applicationKey, applicationReturnUrl: APPLICATION_RETURN_URL });
    assert.ok(started.redirectUrl);
    assert.equal(await harness.sessions.returnTarget('signature-session-nobody'), null);
  });

  test('starting twice with the same key and request gives the same session', async () => {
    const first = await request();

    const one = await harness.sessions.start(first);
    const two = await harness.sessions.start(first);

    assert.deepEqual(two, one);
    const client = new RestPkiClient({ endpoint: harness.restPki.url, apiKey: harness.restPki.apiKey });
    assert.equal((await client.getSession(one.sessionId)).status, 'Pending');
  });

  test('starting with a used key and a different request is refused as a conflict', async () => {
    const first = await request();
    await harness.sessions.start(first);

    await assert.rejects(
      harness.sessions.start({ ...first, callbackArgument: 'something else' }),
      SessionKeyConflictError,
    );
  });

  test('a session started again after it ended answers with its link, and a different request is a conflict', async () => {
    const first = await request();
    const started = await harness.sessions.start(first);
    await cancelAsUser(started.redirectUrl);
    await harness.sessions.reportReturn(started.workflowId, started.sessionId);
    await harness.sessions.result(started.applicationKey);

    assert.deepEqual(await harness.sessions.start(first), started);
    await assert.rejects(harness.sessions.start({ ...first, disableDownloads: true }), SessionKeyConflictError);
  });

  test('an application cancel ends a waiting session as cancelled, and a later cancel is refused', async () => {
    const started = await harness.sessions.start(await request());

    const state = await harness.sessions.cancel(started.applicationKey);
    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(state.status, 'cancelled');
    assert.equal(result.outcome, 'cancelled');
    await assert.rejects(harness.sessions.cancel(started.applicationKey), SessionEndedError);
  });

  test('sessions are found in visibility by status, key and Rest PKI Core session ID', async () => {
    const started = await harness.sessions.start(await request());

    let found: Awaited<ReturnType<typeof harness.sessions.list>>['sessions'] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      found = (await harness.sessions.list({ status: 'waiting-for-user', applicationKey: started.applicationKey }))
        .sessions;
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }

    assert.equal(found.length, 1);
    assert.equal(found[0]?.workflowId, workflowIdForKey(started.applicationKey));
    assert.equal(found[0]?.restPkiSessionId, started.sessionId);
  });

  test('the happy-path history of three documents stays small and holds no API key, document byte or CPF', async () => {
    const documents = await threeDocuments();
    const started = await harness.sessions.start(await request({ documents }));
    const { location } = await signAsUser(started.redirectUrl, 'ana-a1');
    await harness.sessions.reportReturn(started.workflowId, signatureSessionIdFrom(location));
    await harness.sessions.result(started.applicationKey);

    const history = await env.client.workflow.getHandle(started.workflowId).fetchHistory();
    const text = JSON.stringify(history);
    const events = history.events ?? [];

    assert.ok(events.length < 40, `${events.length} events`);
    assert.ok(!text.includes(harness.restPki.apiKey), 'the API key is in the history');
    for (const document of documents) {
      const bytes = Buffer.from(document.content!, 'base64');
      assert.ok(!text.includes(document.content!.slice(0, 40)), `${document.name}'s base64 is in the history`);
      assert.ok(!text.includes(bytes.toString('base64').slice(8, 48)), `${document.name}'s bytes are in the history`);
    }
    const ana = harness.restPki.pki.find('ana-a1')!;
    assert.ok(!text.includes(ana.cpf), 'the signer’s CPF is in the history');
    for (const event of events) {
      for (const payload of JSON.stringify(event).matchAll(/"data":\{"type":"Buffer","data":\[([\d,]*)\]/g)) {
        assert.ok(payload[1]!.split(',').length <= 4096, 'a payload over 4 KB');
      }
    }
  });
});

describe('background processing', () => {
  let harness: SessionHarness;
  beforeEach(async () => {
    harness = await startSessionHarness(env, { processingDurationMs: 1500, whenCompletedHoldMs: 500 });
  });
  afterEach(async () => {
    await harness?.close();
  });

  test('a return before processing ends is answered Processing and the files are stored once it ends', async () => {
    const started = await harness.sessions.start(await request({ enableBackgroundProcessing: true }));
    const { location } = await signAsUser(started.redirectUrl, 'carla-a3');

    const verdict = await harness.sessions.reportReturn(started.workflowId, signatureSessionIdFrom(location));
    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(verdict.restPkiStatus, 'Processing');
    assert.equal(verdict.status, 'processing');
    assert.equal(result.outcome, 'completed');
    assert.equal(result.documents.length, 3);
  });

  test('processing that fails for a revoked certificate ends the session as processing-error', async () => {
    const started = await harness.sessions.start(await request({ enableBackgroundProcessing: true }));
    const { location } = await signAsUser(started.redirectUrl, 'diego-revoked-a1');

    await harness.sessions.reportReturn(started.workflowId, signatureSessionIdFrom(location));
    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(result.outcome, 'processing-error');
    assert.ok(result.processingErrorCode, 'no processing error code');
    assert.deepEqual(result.documents, []);
  });
});

describe('the webhook flow', () => {
  let harness: SessionHarness;
  let receiver: Server;
  const deliveries: { documentId: string; workflowId: string | undefined }[] = [];

  beforeEach(async () => {
    deliveries.length = 0;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          document: { id: string; metadata?: Record<string, string[]> };
        };
        const workflowId = event.document.metadata?.['signature-sessions-workflow-id']?.[0];
        deliveries.push({ documentId: event.document.id, workflowId });
        // Five deliveries of the same event, as an at-least-once sender may make.
        const sends = Array.from({ length: 5 }, () => harness.sessions.acceptDocumentSignedWebhook(event.document.id));
        void Promise.all(sends).then(
          () => res.writeHead(200).end(),
          () => res.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    harness = await startSessionHarness(env, {
      processingDurationMs: 500,
      whenCompletedHoldMs: 500,
      webhook: { url: `http://127.0.0.1:${port}/webhooks` },
    });
  });
  afterEach(async () => {
    await harness?.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('a user who signs and never returns is found through the webhook, each document counted once', async () => {
    const started = await harness.sessions.start(
      await request({ returnUrl: undefined, enableBackgroundProcessing: true }),
    );

    await signAsUser(started.redirectUrl, 'ana-a1');
    const result = await harness.sessions.result(started.applicationKey);
    const state = await harness.sessions.get(started.applicationKey);

    assert.equal(result.outcome, 'completed');
    assert.equal(result.documents.length, 3);
    assert.ok(deliveries.length >= 1);
    assert.ok(deliveries.every((delivery) => delivery.workflowId === started.workflowId));
    assert.equal(new Set(state.documentsReportedSigned).size, state.documentsReportedSigned.length);
    assert.ok(state.documentsReportedSigned.length >= 1);
    const delivery = env.client.workflow.getHandle<typeof documentSignedDelivery>(
      deliveryWorkflowIdForDocument(state.documentsReportedSigned[0]!),
    );
    assert.ok(['signalled', 'session-ended'].includes(await delivery.result()));
  });

  test('a webhook for a document no session created is recorded and ends as unknown', async () => {
    const documentId = '7d2f7a8e-0000-4000-8000-000000000000';

    await harness.sessions.acceptDocumentSignedWebhook(documentId);
    await harness.sessions.acceptDocumentSignedWebhook(documentId);

    const delivery = env.client.workflow.getHandle<typeof documentSignedDelivery>(
      deliveryWorkflowIdForDocument(documentId),
    );
    assert.equal(await delivery.result(), 'unknown-document');
  });
});

describe('a worker stopped in the middle of a download', () => {
  let harness: SessionHarness;
  beforeEach(async () => {
    harness = await startSessionHarness(env, { faults: { latencyMs: 700 } });
  });
  afterEach(async () => {
    await harness?.close();
  });

  test('stores every file exactly once with the right digest after the worker starts again', async () => {
    const documents = await Promise.all(
      ['one', 'two', 'three'].map(async (name) => ({
        name: `${name}.pdf`,
        content: (await samplePdf(name, 5 * 1024 * 1024)).toString('base64'),
        signatureType: 'Pdf' as const,
      })),
    );
    const started = await harness.sessions.start(await request({ documents }));
    const { location } = await signAsUser(started.redirectUrl, 'ana-a1');
    void harness.sessions.reportReturn(started.workflowId, signatureSessionIdFrom(location)).catch(() => undefined);

    await waitForState(harness, started.applicationKey, (state) => state.status === 'downloading', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await harness.stopWorker();
    await harness.startWorker();
    const result = await harness.sessions.result(started.applicationKey);

    assert.equal(result.outcome, 'completed');
    assert.equal(result.documents.length, 3);
    assert.equal(new Set(result.documents.map((d) => d.storageKey)).size, 3);
    for (const document of result.documents) {
      assert.equal(document.sha256, await servedDigest(harness, document.documentId));
    }
    const leftovers = await findTemporaryFiles(harness.storeRoot);
    assert.deepEqual(leftovers, []);
  });
});

/** Temporary files of interrupted writes, and document folders holding more than one copy of their bytes. */
async function findTemporaryFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const temporary = entries.filter((entry) => entry.name.startsWith('.tmp-')).map((entry) => entry.name);
  const copies = new Map<string, number>();
  for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith('.bin'))) {
    copies.set(entry.parentPath, (copies.get(entry.parentPath) ?? 0) + 1);
  }
  const duplicated = [...copies].filter(([, count]) => count > 1).map(([folder]) => folder);
  return [...temporary, ...duplicated];
}
