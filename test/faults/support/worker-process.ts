/**
 * A signature session worker in a process of its own, so that a fault test can kill it with SIGKILL and start
 * another. It runs `createSignatureWorker` with the real activities over the Rest PKI Core client and the filesystem
 * store, configured from the environment:
 *
 * - `TEMPORAL_ADDRESS`, `TASK_QUEUE`, `WORKFLOW_BUNDLE_PATH` (workflow code bundled by the test);
 * - `RESTPKI_ENDPOINT`, `RESTPKI_API_KEY`, optionally `RESTPKI_TIMEOUT` (per call);
 * - `DOCUMENT_STORE_ROOT`, optionally `NOTIFICATION_SIGNING_SECRET`;
 * - `LOG_LEVEL` for the worker's own logger and `SDK_LOG_LEVEL` for the Temporal SDK's.
 *
 * It logs `Worker polling` once it polls, and shuts down on SIGTERM like any worker.
 */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { z } from 'zod';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import { loadRestPkiSettings, RestPkiClient } from '../../../src/restpki/client';
import { FilesystemDocumentStore } from '../../../src/storage/filesystem-store';
import { loadDocumentStoreSettings } from '../../../src/storage/settings';
import { createSignatureWorker } from '../../../src/worker';

const settingsSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^127\.0\.0\.1:\d+$/, 'expected 127.0.0.1:<port>'),
  TASK_QUEUE: z.string().min(1),
  WORKFLOW_BUNDLE_PATH: z.string().min(1),
  NOTIFICATION_SIGNING_SECRET: z.string().min(1).optional(),
  SDK_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
});

async function main(): Promise<void> {
  const settings = loadConfig(settingsSchema);
  Runtime.install({ logger: new DefaultLogger(settings.SDK_LOG_LEVEL satisfies LogLevel) });
  const log = createLogger('fault-worker');

  const connection = await NativeConnection.connect({ address: settings.TEMPORAL_ADDRESS });
  const worker = await createSignatureWorker({
    connection,
    taskQueue: settings.TASK_QUEUE,
    restPki: new RestPkiClient(loadRestPkiSettings()),
    store: new FilesystemDocumentStore(loadDocumentStoreSettings().root),
    notifications: settings.NOTIFICATION_SIGNING_SECRET
      ? { signingSecret: settings.NOTIFICATION_SIGNING_SECRET }
      : undefined,
    workflowBundle: { codePath: settings.WORKFLOW_BUNDLE_PATH },
    tuning: { shutdownGraceTime: '1 second' },
  });
  log.info({ taskQueue: settings.TASK_QUEUE, pid: process.pid }, 'Worker polling');
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
