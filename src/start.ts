/**
 * `npm start`: the whole project on its embedded defaults, in one process tree. It starts the Temporal dev server
 * (database kept in `.data/temporal`, Web UI, search attributes registered), the local Rest PKI Core, and the worker,
 * prints every URL, and stops everything cleanly on Ctrl-C.
 */
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { loadConfig, portSetting } from './config';
import { startDevServer } from './local-temporal/dev-server';
import { startLocalRestPki } from './local-restpki';
import { RestPkiClient } from './restpki/client';
import { FilesystemDocumentStore } from './storage/filesystem-store';
import { createSignatureWorker } from './worker';

const startSettingsSchema = z.object({
  DATA_DIR: z.string().min(1).default('.data'),
  TEMPORAL_PORT: portSetting.default(7233),
  TEMPORAL_UI_PORT: portSetting.default(8233),
  RESTPKI_LOCAL_PORT: portSetting.default(8180),
});

async function main(): Promise<void> {
  const settings = loadConfig(startSettingsSchema);
  const dataDir = resolve(settings.DATA_DIR);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    // Stop in the reverse order of start: the worker first, the Temporal server last.
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error(error));
  };

  try {
    console.log('Starting the Temporal dev server (the first run builds it from Go modules: a few minutes)...');
    const temporal = await startDevServer({
      dbFilename: join(dataDir, 'temporal', 'temporal.db'),
      port: settings.TEMPORAL_PORT,
      uiPort: settings.TEMPORAL_UI_PORT,
      progress: (line) => console.log(line),
    });
    stops.push(() => temporal.stop());

    const restPki = await startLocalRestPki({
      dataDir: join(dataDir, 'local-restpki'),
      port: settings.RESTPKI_LOCAL_PORT,
    });
    stops.push(() => restPki.close());

    const connection = await NativeConnection.connect({ address: temporal.address });
    const worker = await createSignatureWorker({
      connection,
      namespace: temporal.namespace,
      restPki: new RestPkiClient({ endpoint: restPki.url, apiKey: restPki.apiKey }),
      store: new FilesystemDocumentStore(join(dataDir, 'documents')),
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await connection.close();
    });

    // Ensure the client side of the cluster answers too before announcing it.
    const client = await Connection.connect({ address: temporal.address });
    await client.close();

    console.log('');
    console.log('signature-sessions is running:');
    console.log(`  Temporal Web UI         ${temporal.uiUrl}`);
    console.log(`  Temporal frontend       ${temporal.address} (namespace ${temporal.namespace})`);
    console.log(`  local Rest PKI Core     ${restPki.url}`);
    console.log(`  Rest PKI Core API key   ${restPki.apiKey}`);
    console.log(`  documents are stored in ${join(dataDir, 'documents')}`);
    console.log('Press Ctrl-C to stop.');

    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', () => resolveStop());
      process.once('SIGTERM', () => resolveStop());
      void running.catch((error: unknown) => {
        console.error(error);
        resolveStop();
      });
    });
    console.log('Stopping...');
  } finally {
    await stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
