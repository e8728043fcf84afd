import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startTestRestPki } from '../helpers/local-restpki';
import { openSigningPage, signAsUser } from '../helpers/signing-page';
import {
  callApi,
  createSession,
  download,
  getSession,
  inlineDocument,
  readModel,
  samplePdf,
  waitUntil,
  type SessionModel,
} from './support';

interface Completion {
  completed: boolean;
  progress: number;
}

const documents = [inlineDocument('a.txt', Buffer.from('a')), inlineDocument('b.txt', Buffer.from('b'))];

async function whenCompleted(service: { url: string; apiKey: string }, sessionId: string): Promise<Completion> {
  const answer = await callApi(service, 'GET', `/api/signature-sessions/${sessionId}/when-completed`);
  return readModel<Completion>(answer, 'SessionCompletionStatus');
}

describe('background processing', () => {
  test('a signed session is Processing for the configured time, then Completed with its signed files', async () => {
    const service = await startTestRestPki({ processingDurationMs: 1500 });
    try {
      const { sessionId, redirectUrl } = await createSession(service, { enableBackgroundProcessing: true, documents });

      await signAsUser(redirectUrl, 'ana-a1');
      const processing = await getSession(service, sessionId);
      await waitUntil(async () => (await getSession(service, sessionId)).status === 'Completed', 5000, 'Completed');
      const completed = await getSession(service, sessionId);

      assert.equal(processing.status, 'Processing');
      assert.notEqual(processing.signerCertificate, null);
      assert.deepEqual(
        processing.documents?.map((document) => [document.status, document.signedFile]),
        [
          ['Processing', null],
          ['Processing', null],
        ],
      );
      assert.deepEqual(
        completed.documents?.map((document) => document.status),
        ['Completed', 'Completed'],
      );
      assert.equal((await download(completed.documents[0]!.signedFile!.url!)).status, 200);
    } finally {
      await service.close();
    }
  });

  test('when-completed holds the request and answers completed as soon as processing ends', async () => {
    const service = await startTestRestPki({ processingDurationMs: 1000, whenCompletedHoldMs: 10_000 });
    try {
      const { sessionId, redirectUrl } = await createSession(service, { enableBackgroundProcessing: true, documents });
      await signAsUser(redirectUrl, 'bruno-a3');
      const startedAt = Date.now();

      const completion = await whenCompleted(service, sessionId);

      const waited = Date.now() - startedAt;
      assert.deepEqual(completion, { completed: true, progress: 100 });
      assert.ok(waited >= 500 && waited < 5000, `answered after ${waited} ms`);
    } finally {
      await service.close();
    }
  });

  test('when-completed answers completed false with the progress so far when its hold time runs out', async () => {
    const service = await startTestRestPki({ processingDurationMs: 4000, whenCompletedHoldMs: 1000 });
    try {
      const { sessionId, redirectUrl } = await createSession(service, { enableBackgroundProcessing: true, documents });
      await signAsUser(redirectUrl, 'ana-a1');
      const startedAt = Date.now();

      const completion = await whenCompleted(service, sessionId);

      assert.equal(completion.completed, false);
      assert.ok(completion.progress > 0 && completion.progress < 100, `progress ${completion.progress}`);
      assert.ok(Date.now() - startedAt >= 900, `answered after ${Date.now() - startedAt} ms`);
    } finally {
      await service.close();
    }
  });

  test('with the revoked certificate processing ends in ProcessingError, with its code and no signed files', async () => {
    const service = await startTestRestPki({ processingDurationMs: 300 });
    try {
      const { sessionId, redirectUrl } = await createSession(service, { enableBackgroundProcessing: true, documents });
      await signAsUser(redirectUrl, 'diego-revoked-a1');

      const completion = await whenCompleted(service, sessionId);
      const session = await getSession(service, sessionId);

      assert.deepEqual(completion, { completed: true, progress: 100 });
      assert.equal(session.status, 'ProcessingError');
      assert.equal(session.processingErrorCode, 'CertificateRevoked');
      assert.deepEqual(
        session.documents?.map((document) => [document.status, document.signedFile]),
        [
          ['ProcessingError', null],
          ['ProcessingError', null],
        ],
      );
    } finally {
      await service.close();
    }
  });

  test('without background processing the revoked certificate signs normally (revocation is only checked in processing)', async () => {
    const service = await startTestRestPki();
    try {
      const { sessionId, redirectUrl } = await createSession(service, { documents });
      await signAsUser(redirectUrl, 'diego-revoked-a1');

      assert.equal((await getSession(service, sessionId)).status, 'Completed');
    } finally {
      await service.close();
    }
  });
});

describe('expiry', () => {
  test('a session not finished within its lifetime reads Expired, and the page no longer signs it', async () => {
    const service = await startTestRestPki({ sessionLifetimeMs: 800 });
    try {
      const { sessionId, redirectUrl } = await createSession(service, { documents });
      await new Promise((resolve) => setTimeout(resolve, 1000));

      const session = await getSession(service, sessionId);
      const page = await openSigningPage(redirectUrl);
      const completion = await whenCompleted(service, sessionId);

      assert.equal(session.status, 'Expired');
      assert.equal(page.endingStatus, 'Expired');
      assert.equal(page.forms.length, 0);
      assert.deepEqual(completion, { completed: true, progress: 100 });
    } finally {
      await service.close();
    }
  });

  test('a session past its lifetime is marked Expired by the background sweep even if nobody reads it', async () => {
    const service = await startTestRestPki({ sessionLifetimeMs: 500 });
    try {
      const { sessionId } = await createSession(service, { documents });
      const database = new Database(join(service.dataDir, 'restpki.sqlite'), { readonly: true });
      try {
        const statusInDatabase = () =>
          (database.prepare('SELECT status FROM sessions WHERE id = ?').get(sessionId) as { status: string }).status;
        assert.equal(statusInDatabase(), 'Pending');

        await waitUntil(() => statusInDatabase() === 'Expired', 3000, 'the sweep to expire the session');
      } finally {
        database.close();
      }
    } finally {
      await service.close();
    }
  });
});

describe('restarts', () => {
  test('a session created before a restart is signed after it, through the same signing page and keys', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-restpki-restart-'));
    try {
      const first = await startTestRestPki({ dataDir });
      const { sessionId, redirectUrl } = await createSession(first, {
        callbackArgument: 'before restart',
        documents: [inlineDocument('contract.pdf', await samplePdf())],
      });
      const originalUrl = (await getSession(first, sessionId)).documents![0]!.originalFile!.url!;
      await first.close();

      const second = await startTestRestPki({ dataDir, port: first.port });
      try {
        const pending = await getSession(second, sessionId);
        const originalAfterRestart = await download(originalUrl);
        await signAsUser(redirectUrl, 'carla-a3');
        const completed: SessionModel = await getSession(second, sessionId);

        assert.equal(second.apiKey, first.apiKey);
        assert.equal(pending.status, 'Pending');
        assert.equal(pending.callbackArgument, 'before restart');
        assert.equal(originalAfterRestart.status, 200);
        assert.equal(completed.status, 'Completed');
        assert.equal((await download(completed.documents![0]!.signedFile!.url!)).status, 200);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('background processing interrupted by a restart resumes and completes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-restpki-restart-'));
    try {
      const first = await startTestRestPki({ dataDir, processingDurationMs: 1000 });
      const { sessionId, redirectUrl } = await createSession(first, { enableBackgroundProcessing: true, documents });
      await signAsUser(redirectUrl, 'ana-a1');
      assert.equal((await getSession(first, sessionId)).status, 'Processing');
      await first.close();

      const second = await startTestRestPki({ dataDir, processingDurationMs: 1000 });
      try {
        await waitUntil(async () => (await getSession(second, sessionId)).status === 'Completed', 5000, 'Completed');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
