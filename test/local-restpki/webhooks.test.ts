import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type WebhookAuth } from '../../src/local-restpki';
import { startTestRestPki } from '../helpers/local-restpki';
import { signAsUser } from '../helpers/signing-page';
import { assertHasEveryProperty, assertMatchesContract } from './contract';
import {
  createSession,
  download,
  getSession,
  inlineDocument,
  startFakeApplication,
  type DocumentModel,
  type FakeApplication,
  type ReceivedRequest,
} from './support';

interface WebhookEvent {
  type: string;
  document: DocumentModel;
}

const documents = [inlineDocument('a.txt', Buffer.from('a')), inlineDocument('b.xml', Buffer.from('<b/>'))];

function eventOf(request: ReceivedRequest): WebhookEvent {
  const event = request.json();
  assertMatchesContract('WebhookEventModel', event);
  assertHasEveryProperty('WebhookEventModel', event);
  assertHasEveryProperty('DocumentModel', (event as WebhookEvent).document);
  return event as WebhookEvent;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhooks', () => {
  let receiver: FakeApplication;
  before(async () => {
    receiver = await startFakeApplication();
  });
  after(async () => {
    await receiver?.close();
  });

  const authKinds: { auth: WebhookAuth; expect: (request: ReceivedRequest) => void }[] = [
    {
      auth: { kind: 'none' },
      expect: (request) => {
        assert.equal(request.headers.authorization, undefined);
        assert.equal(request.headers['x-api-key'], undefined);
      },
    },
    {
      auth: { kind: 'basic', username: 'restpki', password: 's3cret:with colon' },
      expect: (request) =>
        assert.equal(
          request.headers.authorization,
          `Basic ${Buffer.from('restpki:s3cret:with colon').toString('base64')}`,
        ),
    },
    {
      auth: { kind: 'bearer', token: 'token-123' },
      expect: (request) => assert.equal(request.headers.authorization, 'Bearer token-123'),
    },
    {
      auth: { kind: 'apikey', apiKey: 'app|key-456' },
      expect: (request) => assert.equal(request.headers['x-api-key'], 'app|key-456'),
    },
  ];
  for (const { auth, expect } of authKinds) {
    test(`with ${auth.kind} authentication, each signed document is delivered once as DocumentSignatureCompleted`, async () => {
      const path = `/webhook-${auth.kind}`;
      const service = await startTestRestPki({ webhook: { url: `${receiver.url}${path}`, auth } });
      try {
        const { sessionId, redirectUrl } = await createSession(service, { documents });
        await signAsUser(redirectUrl, 'ana-a1');

        const received = await receiver.waitForRequests(path, 2);
        const session = await getSession(service, sessionId);

        const events = received.map(eventOf);
        assert.deepEqual(
          events.map((event) => event.type),
          ['DocumentSignatureCompleted', 'DocumentSignatureCompleted'],
        );
        assert.deepEqual(
          events.map((event) => event.document.id).sort(),
          session.documents!.map((document) => document.id).sort(),
        );
        for (const request of received) {
          assert.equal(request.method, 'POST');
          assert.match(String(request.headers['content-type']), /^application\/json/);
          expect(request);
        }
        const signed = await download(events[0]!.document.signedFile!.url!);
        assert.equal(signed.status, 200, 'the event carries a working signed-file URL');
      } finally {
        await service.close();
      }
    });
  }

  test('with background processing, events are sent when processing ends, and none for a ProcessingError', async () => {
    const service = await startTestRestPki({
      processingDurationMs: 800,
      webhook: { url: `${receiver.url}/webhook-processing` },
    });
    try {
      const good = await createSession(service, { enableBackgroundProcessing: true, documents });
      const revoked = await createSession(service, { enableBackgroundProcessing: true, documents });
      await signAsUser(good.redirectUrl, 'ana-a1');
      await signAsUser(revoked.redirectUrl, 'diego-revoked-a1');
      assert.equal(receiver.received.filter((request) => request.url === '/webhook-processing').length, 0);

      const received = await receiver.waitForRequests('/webhook-processing', 2);
      await pause(500);

      assert.equal(received.length, 2);
      const goodDocuments = (await getSession(service, good.sessionId)).documents!.map((document) => document.id);
      for (const request of received) assert.ok(goodDocuments.includes(eventOf(request).document.id));
    } finally {
      await service.close();
    }
  });

  test('a delivery the receiver fails is retried on the schedule until it answers 2xx', async () => {
    let failuresLeft = 2;
    receiver.answerWith((request) => {
      if (request.url !== '/webhook-flaky') return { status: 200, json: {} };
      return failuresLeft-- > 0 ? { status: 503, text: 'busy' } : { status: 204, text: '' };
    });
    const service = await startTestRestPki({
      webhook: { url: `${receiver.url}/webhook-flaky`, retryScheduleMs: [100, 200] },
    });
    try {
      const { redirectUrl } = await createSession(service, { documents: [documents[0]!] });
      await signAsUser(redirectUrl, 'ana-a1');

      const attempts = await receiver.waitForRequests('/webhook-flaky', 3);
      await pause(600);

      assert.equal(receiver.received.filter((request) => request.url === '/webhook-flaky').length, 3);
      assert.deepEqual(new Set(attempts.map((attempt) => eventOf(attempt).document.id)).size, 1);
    } finally {
      receiver.answerWith(() => ({ status: 200, json: {} }));
      await service.close();
    }
  });

  test('deliveries queued while the receiver is down survive a restart of the service', async () => {
    const downReceiver = await startFakeApplication();
    const port = downReceiver.port;
    await downReceiver.close();
    const dataDir = await mkdtemp(join(tmpdir(), 'local-restpki-webhooks-'));
    const webhook = { url: `http://127.0.0.1:${port}/webhook-later`, retryScheduleMs: [200] };
    try {
      const first = await startTestRestPki({ dataDir, webhook });
      const { redirectUrl } = await createSession(first, { documents });
      await signAsUser(redirectUrl, 'ana-a1');
      await pause(300);
      await first.close();

      const upAgain = await startFakeApplication(port);
      const second = await startTestRestPki({ dataDir, webhook });
      try {
        const received = await upAgain.waitForRequests('/webhook-later', 2);
        assert.equal(new Set(received.map((request) => eventOf(request).document.id)).size, 2);
      } finally {
        await second.close();
        await upAgain.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('with the duplicate fault every event is delivered twice; with the drop fault none is', async () => {
    const duplicating = await startTestRestPki({
      webhook: { url: `${receiver.url}/webhook-twice` },
      faults: { webhookDuplicateRate: 1 },
    });
    const dropping = await startTestRestPki({
      webhook: { url: `${receiver.url}/webhook-dropped` },
      faults: { webhookDropRate: 1 },
    });
    try {
      await signAsUser((await createSession(duplicating, { documents: [documents[0]!] })).redirectUrl, 'ana-a1');
      await signAsUser((await createSession(dropping, { documents: [documents[0]!] })).redirectUrl, 'ana-a1');

      const twice = await receiver.waitForRequests('/webhook-twice', 2);
      await pause(500);

      assert.equal(eventOf(twice[0]!).document.id, eventOf(twice[1]!).document.id);
      assert.equal(receiver.received.filter((request) => request.url === '/webhook-dropped').length, 0);
    } finally {
      await duplicating.close();
      await dropping.close();
    }
  });

  test('with the reorder fault deliveries are held back by a random wait, and all still arrive', async () => {
    const service = await startTestRestPki({
      webhook: { url: `${receiver.url}/webhook-reordered` },
      faults: { webhookReorderMaxDelayMs: 600 },
    });
    try {
      const many = [1, 2, 3, 4].map((n) => inlineDocument(`${n}.txt`, Buffer.from(String(n))));
      const { sessionId, redirectUrl } = await createSession(service, { documents: many });
      await signAsUser(redirectUrl, 'ana-a1');

      const received = await receiver.waitForRequests('/webhook-reordered', 4, 5000);

      const ids = (await getSession(service, sessionId)).documents!.map((document) => document.id);
      assert.deepEqual(received.map((request) => eventOf(request).document.id).sort(), [...ids].sort());
    } finally {
      await service.close();
    }
  });
});
