/**
 * The signature session worker in a process of its own, as `npm run worker` runs it (default tuning, and the Node.js
 * flags that the benchmark passes), so that its memory can be read from `/proc` without the benchmark's. The workflow
 * code comes prebuilt from the benchmark, which bundles it once per run.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { RestPkiClient } from '../../src/restpki/client';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { createSignatureWorker } from '../../src/worker';
import { childConfig, serveAsChild } from './children';

/** How the benchmark configures the worker child. */
export interface WorkerChildConfig {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  restPkiUrl: string;
  restPkiApiKey: string;
  storeRoot: string;
  /** The prebuilt workflow bundle's file. */
  workflowCodePath: string;
}

serveAsChild<{ pid: number }>(async () => {
  const config = childConfig<WorkerChildConfig>();
  Runtime.install({ logger: new DefaultLogger('ERROR') });

  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createSignatureWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    restPki: new RestPkiClient({ endpoint: config.restPkiUrl, apiKey: config.restPkiApiKey }),
    store: new FilesystemDocumentStore(config.storeRoot),
    workflowBundle: { codePath: config.workflowCodePath },
  });
  const running = worker.run();
  running.catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });

  return {
    info: { pid: process.pid },
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
});
