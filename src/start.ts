/**
 * `npm start`: the whole project on its embedded defaults, in one process tree. It starts the Temporal dev server
 * (database kept in `.data/temporal`, Web UI, search attributes registered), the local Rest PKI Core (its webhooks
 * subscribed to the gateway), the worker, and the HTTP gateway with the demo application, prints every URL and the
 * API token, and stops everything cleanly on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { loadConfig, portSetting } from './config';
import { startGateway } from './gateway';
import { MIN_API_TOKEN_LENGTH } from './gateway/settings';
import { createLogger } from './logger';
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
  GATEWAY_PORT: portSetting.default(8080),
  /** A fixed API token for the run; by default a new one is made and printed at each start. */
  GATEWAY_API_TOKENS: z.string().min(MIN_API_TOKEN_LENGTH).optional(),
});

/** A random secret in URL-safe base64. */
function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

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

    // Fresh secrets each run: the webhook subscription's bearer token, the token the API accepts, and the secret
    // notifications are signed with. Nothing kept in `.data` depends on them.
    const gatewayUrl = `http://localhost:${settings.GATEWAY_PORT}`;
    const webhookToken = randomSecret(24);
    const apiToken = settings.GATEWAY_API_TOKENS?.split(',')[0]?.trim() || `dev-${randomSecret(24)}`;
    const notificationSigningSecret = `whsec_${randomBytes(32).toString('base64')}`;

    const restPki = await startLocalRestPki({
      dataDir: join(dataDir, 'local-restpki'),
      port: settings.RESTPKI_LOCAL_PORT,
      webhook: {
        url: `http://127.0.0.1:${settings.GATEWAY_PORT}/webhooks/restpki`,
        auth: { kind: 'bearer', token: webhookToken },
      },
    });
    stops.push(() => restPki.close());

    const connection = await NativeConnection.connect({ address: temporal.address });
    const store = new FilesystemDocumentStore(join(dataDir, 'documents'));
    const worker = await createSignatureWorker({
      connection,
      namespace: temporal.namespace,
      restPki: new RestPkiClient({ endpoint: restPki.url, apiKey: restPki.apiKey }),
      store,
      notifications: { signingSecret: notificationSigningSecret },
    });
    const running = worker.run();
    stops.push(async () => {
      // The SDK shuts the worker down by itself on SIGINT and SIGTERM; a stop for another reason asks it here.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    });

    const clientConnection = await Connection.connect({ address: temporal.address });
    stops.push(() => clientConnection.close());
    const gateway = await startGateway({
      temporal: new Client({ connection: clientConnection, namespace: temporal.namespace }),
      store,
      publicUrl: gatewayUrl,
      apiTokens: [apiToken],
      webhookAuth: { kind: 'bearer', token: webhookToken },
      logger: createLogger('gateway', { level: process.env.LOG_LEVEL ?? 'warn' }),
      demo: { temporalUiUrl: temporal.uiUrl, notificationSigningSecret },
      host: '127.0.0.1',
      port: settings.GATEWAY_PORT,
    });
    stops.push(() => gateway.close());

    console.log('');
    console.log('signature-sessions is running:');
    console.log(`  Temporal Web UI         ${temporal.uiUrl}`);
    console.log(`  Temporal frontend       ${temporal.address} (namespace ${temporal.namespace})`);
    console.log(`  local Rest PKI Core     ${restPki.url}`);
    console.log(`  Rest PKI Core API key   ${restPki.apiKey}`);
    console.log(`  demo application        ${gatewayUrl}/demo`);
    console.log(`  gateway API             ${gatewayUrl}/api/sessions`);
    console.log(`  API reference           ${gatewayUrl}/api/docs (OpenAPI: ${gatewayUrl}/api/openapi.json)`);
    console.log(`  API bearer token        ${apiToken}`);
    console.log(`  webhook receiver        ${gatewayUrl}/webhooks/restpki (Rest PKI Core is subscribed)`);
    console.log(`  documents are stored in ${join(dataDir, 'documents')}`);
    console.log('');
    console.log(`Try: curl -H 'Authorization: Bearer ${apiToken}' ${gatewayUrl}/api/sessions`);
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
