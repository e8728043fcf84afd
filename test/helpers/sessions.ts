/**
 * Everything a signature session test runs against, all real: a Temporal server (given by the test file), the local
 * Rest PKI Core over HTTP, a filesystem document store in a temporary folder, and a worker with the real activities.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { type Worker } from '@temporalio/worker';
import { SignatureSessionsClient } from '../../src/client/signature-sessions-client';
import { type LocalRestPkiOptions } from '../../src/local-restpki/settings';
import { RestPkiClient } from '../../src/restpki/client';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { createSignatureWorker } from '../../src/worker';
import { startTestRestPki, type TestRestPki } from './local-restpki';
import { uniqueId, workflowBundle } from './temporal';

export interface SessionHarness {
  /** The service the worker talks to; a test that restarts it on the same port puts the new one here. */
  restPki: TestRestPki;
  store: FilesystemDocumentStore;
  storeRoot: string;
  taskQueue: string;
  sessions: SignatureSessionsClient;
  /** Starts a worker on the harness's task queue; stop it with `stopWorker`. */
  startWorker(): Promise<void>;
  /** Shuts the running worker down and waits until it has stopped. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

const workflowsPath = require.resolve('../../src/workflows');

/** The Standard Webhooks secret the harness's worker signs application events with. */
export const TEST_SIGNING_SECRET = `whsec_${Buffer.from('signature-sessions test signing secret!').toString('base64')}`;

export async function startSessionHarness(
  env: TestWorkflowEnvironment,
  restPkiOptions: LocalRestPkiOptions = {},
): Promise<SessionHarness> {
  const restPki = await startTestRestPki(restPkiOptions);
  const storeRoot = await mkdtemp(join(tmpdir(), 'signature-sessions-store-'));
  const store = new FilesystemDocumentStore(storeRoot);
  const taskQueue = uniqueId('sessions');
  const sessions = new SignatureSessionsClient({ client: env.client, taskQueue, store });
  // Workflows left running after a test would keep firing timers with no worker to run them, which stalls time
  // skipping for the tests after it: the harness ends whatever its sessions left running.
  const started: string[] = [];
  const startOrJoin = sessions.startOrJoin.bind(sessions);
  sessions.startOrJoin = async (request) => {
    const answer = await startOrJoin(request);
    started.push(answer.session.workflowId);
    return answer;
  };
  let running: { worker: Worker; done: Promise<void> } | undefined;

  const harness: SessionHarness = {
    restPki,
    store,
    storeRoot,
    taskQueue,
    sessions,
    async startWorker() {
      const worker = await createSignatureWorker({
        connection: env.nativeConnection,
        taskQueue,
        restPki: new RestPkiClient({ endpoint: restPki.url, apiKey: restPki.apiKey }),
        store,
        notifications: { signingSecret: TEST_SIGNING_SECRET },
        workflowBundle: await workflowBundle(workflowsPath),
        tuning: { shutdownGraceTime: '1 second' },
      });
      running = { worker, done: worker.run() };
    },
    async stopWorker() {
      if (!running) return;
      const { worker, done } = running;
      running = undefined;
      worker.shutdown();
      await done;
    },
    async close() {
      for (const workflowId of started) {
        await env.client.workflow
          .getHandle(workflowId)
          .terminate('the test is over')
          .catch(() => undefined);
      }
      await harness.stopWorker();
      await harness.restPki.close();
      await rm(storeRoot, { recursive: true, force: true });
    },
  };
  await harness.startWorker();
  return harness;
}
