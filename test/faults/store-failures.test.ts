/**
 * The document store failing under a running worker: a store on a tiny tmpfs that is full (ENOSPC), a store root made
 * immutable with `chattr +i` (EPERM, even for root), and a store root below a regular file (ENOTDIR). Each time the
 * download must fail with a message that names the problem and the storage key, be retried, leave nothing half-written
 * for a reader to see, and complete once the condition is fixed. The document is given by URL, so that nothing is staged
 * in the failing store before the session exists.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test, type TestContext } from 'node:test';
import { SignatureSessionsClient } from '../../src/client/signature-sessions-client';
import { storageKeyFor } from '../../src/storage/document-store';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { sampleXml } from '../helpers/documents';
import { signAsUser } from '../helpers/signing-page';
import { uniqueId } from '../helpers/temporal';
import { pendingActivitiesOf, type PendingActivity } from './support/histories';
import { checkingClient, startFaultRestPki, type FaultRestPki } from './support/restpki';
import { patiently, type DrivenSession } from './support/sessions';
import { checkOutcomes, cleanUpAndInspect, inspectStore } from './support/store-check';
import { startFaultTemporal, type FaultTemporal } from './support/temporal';
import { startWorkerChild } from './support/worker-child';

/** About 400 KB once signed: more than the full tmpfs has left, less than it holds once the filler is gone. */
const DOCUMENT_BYTES = 400 * 1024;

let temporal: FaultTemporal;
let restPki: FaultRestPki;
let documentServer: Server;
let documentUrl: string;
let scratch: string;

before(async () => {
  temporal = await startFaultTemporal();
  restPki = await startFaultRestPki({}, 'warn');
  scratch = await mkdtemp(join(tmpdir(), 'faults-store-failures-'));
  // Random content, so that no compression on the way makes the signed file smaller than the space that is missing.
  const xml = sampleXml(randomBytes((DOCUMENT_BYTES * 3) / 4).toString('base64'));
  documentServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/xml', 'content-length': xml.length }).end(xml);
  });
  await new Promise<void>((resolve) => documentServer.listen(0, '127.0.0.1', resolve));
  const address = documentServer.address();
  if (address === null || typeof address === 'string') throw new Error('The document server has no port');
  documentUrl = `http://127.0.0.1:${address.port}/document.xml`;
});

after(async () => {
  await new Promise((resolve) => documentServer?.close(resolve));
  await restPki?.close();
  await temporal?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Whether `command` runs here (a tool that may be missing, or an operation the kernel refuses in a container). */
function canRun(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface StoreFailure {
  /** Where the worker's store lives; the case has already made it fail. */
  root: string;
  /** The system error code the failure must name. */
  code: string;
  /** Makes the store work again. */
  fix(): void | Promise<void>;
}

/** Polls the session's pending download until it has failed at least twice and is waiting for another attempt. */
async function failingDownload(session: DrivenSession): Promise<PendingActivity> {
  const giveUpAt = Date.now() + 90_000;
  for (;;) {
    const [download] = (await pendingActivitiesOf(temporal.client, [session])).filter(
      (activity) => activity.activity === 'downloadSignedDocuments',
    );
    if (download && download.attempt >= 3 && download.lastFailure !== null) return download;
    if (Date.now() > giveUpAt) {
      const { status } = await temporal.client.workflow.getHandle(session.workflowId).describe();
      throw new Error(`The download never failed twice; the workflow is ${status.name}: ${JSON.stringify(download)}`);
    }
    await sleep(500);
  }
}

/**
 * Runs one session against a worker whose store fails as `failure` says: checks the retried failure and what a
 * reader sees, fixes the store, and checks that the session completes with its file stored whole.
 */
async function sessionThroughFailingStore(t: TestContext, failure: StoreFailure): Promise<void> {
  const taskQueue = uniqueId('store-failure');
  const worker = await startWorkerChild(temporal, restPki, { taskQueue, storeRoot: failure.root });
  try {
    await runThroughFailure(t, failure, taskQueue);
  } finally {
    await worker.stop();
  }
}

async function runThroughFailure(t: TestContext, failure: StoreFailure, taskQueue: string): Promise<void> {
  const sessions = new SignatureSessionsClient({ client: temporal.client, taskQueue });
  const reader = new FilesystemDocumentStore(failure.root);
  const restPkiChecks = checkingClient(restPki);

  const started = await patiently(temporal.client, 'start', () =>
    sessions.start({
      applicationKey: uniqueId('store-failure'),
      documents: [{ name: 'large.xml', url: documentUrl, signatureType: 'Xml' }],
      returnUrl: 'http://application.test/return',
    }),
  );
  const session: DrivenSession = {
    kind: 'sign-then-note-return',
    applicationKey: started.applicationKey,
    workflowId: started.workflowId,
    sessionId: started.sessionId,
    documentCount: 1,
    startedAt: Date.now(),
  };
  const { location } = await signAsUser(started.redirectUrl, 'ana-a1');
  await sessions.noteReturn(started.workflowId, new URL(location!).searchParams.get('signatureSessionId')!);

  const download = await failingDownload(session);
  const [document] = (await restPkiChecks.getSession(started.sessionId)).documents;
  const key = storageKeyFor({ workflowId: started.workflowId, documentId: document!.id, fileName: null }).id;
  t.diagnostic(`attempt ${download.attempt} waits after: ${download.lastFailure}`);
  assert.equal(download.lastFailureType, 'DocumentStoreError');
  assert.ok(download.lastFailure?.includes(failure.code), `the failure does not name ${failure.code}`);
  assert.ok(download.lastFailure?.includes(key), 'the failure does not name the storage key');
  assert.equal((await sessions.get(started.applicationKey)).status, 'downloading');
  assert.equal(await reader.stat(key), undefined);
  const failing = await inspectStore(reader);
  assert.deepEqual(failing.problems, []);
  assert.equal(failing.visibleKeys, 0);

  await failure.fix();
  const result = await patiently(temporal.client, 'result', () => sessions.result(started.applicationKey), {
    withinMs: 120_000,
    attemptMs: 120_000,
  });

  const problems = await checkOutcomes(reader, restPkiChecks, [session], new Map([[session.applicationKey, result]]));
  assert.deepEqual(problems, []);
  const fixed = await cleanUpAndInspect(reader);
  assert.deepEqual(fixed.problems, []);
  assert.deepEqual(fixed.leftovers, []);
  assert.equal(fixed.visibleKeys, 1);
}

describe('a store that cannot be written', () => {
  test(
    'a full disk (ENOSPC) fails the download naming the problem and the key, keeps retrying with nothing half-written visible, and completes once space is freed',
    { timeout: 4 * 60_000 },
    async (t) => {
      const disk = join(scratch, 'tmpfs');
      await mkdir(disk);
      if (!canRun('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk])) {
        t.skip('cannot mount a tmpfs here (needs root and a kernel that allows it)');
        return;
      }
      t.after(() => {
        if (!canRun('umount', [disk])) canRun('umount', ['-l', disk]);
      });
      const filler = join(disk, 'filler');
      await writeFile(filler, Buffer.alloc(768 * 1024, 1));

      await sessionThroughFailingStore(t, { root: join(disk, 'store'), code: 'ENOSPC', fix: () => rm(filler) });
    },
  );

  test(
    'an immutable store root (EPERM even for root) fails the download naming the problem and the key, keeps retrying, and completes once it is writable',
    { timeout: 4 * 60_000 },
    async (t) => {
      const root = join(scratch, 'immutable');
      await mkdir(root);
      if (!canRun('chattr', ['+i', root])) {
        t.skip('chattr +i is not available on this file system');
        return;
      }
      t.after(() => void canRun('chattr', ['-i', root]));

      await sessionThroughFailingStore(t, {
        root,
        code: 'EPERM',
        fix: () => assert.ok(canRun('chattr', ['-i', root]), 'chattr -i failed'),
      });
    },
  );

  test(
    'a store root below a regular file (ENOTDIR) fails the download naming the problem and the key, keeps retrying, and completes once the path is a folder',
    { timeout: 4 * 60_000 },
    async (t) => {
      const blocker = join(scratch, 'not-a-folder');
      await writeFile(blocker, 'a file where the store folder should be');

      await sessionThroughFailingStore(t, {
        root: join(blocker, 'store'),
        code: 'ENOTDIR',
        fix: async () => {
          await rm(blocker);
          await mkdir(blocker);
        },
      });
    },
  );
});
