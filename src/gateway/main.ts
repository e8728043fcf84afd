/**
 * `npm run gateway`: the HTTP gateway alone, against the Temporal cluster named by the SDK's usual environment
 * variables (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, or a `TEMPORAL_PROFILE`),
 * the document store at `DOCUMENT_STORE_ROOT` (shared with the workers), and the `GATEWAY_*` settings.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { createLogger } from '../logger';
import { FilesystemDocumentStore } from '../storage/filesystem-store';
import { loadDocumentStoreSettings } from '../storage/settings';
import { startGateway } from '.';
import { loadGatewaySettings } from './settings';

async function main(): Promise<void> {
  const log = createLogger('gateway');
  const settings = loadGatewaySettings();
  const storeSettings = loadDocumentStoreSettings();
  const { connectionOptions, namespace } = loadClientConnectConfig();

  const connection = await Connection.connect(connectionOptions);
  const temporal = new Client({ connection, namespace });
  const gateway = await startGateway({
    temporal,
    taskQueue: settings.taskQueue,
    store: new FilesystemDocumentStore(storeSettings.root),
    publicUrl: settings.publicUrl,
    apiTokens: settings.apiTokens,
    webhookAuth: settings.webhookAuth,
    apiWaitMs: settings.apiWaitMs,
    returnWaitMs: settings.returnWaitMs,
    webhookWaitMs: settings.webhookWaitMs,
    bodyLimitBytes: settings.bodyLimitBytes,
    logger: log,
    demo: settings.demo
      ? { temporalUiUrl: settings.temporalUiUrl, notificationSigningSecret: settings.notificationSigningSecret }
      : undefined,
    host: settings.host,
    port: settings.port,
  });
  if (settings.webhookAuth.kind === 'none') {
    log.warn('GATEWAY_WEBHOOK_AUTH is none: anyone can post webhook events (they are only hints, re-read at the API)');
  }
  log.info(
    {
      listening: gateway.url,
      publicUrl: settings.publicUrl,
      temporal: connectionOptions.address,
      namespace: namespace ?? 'default',
      taskQueue: settings.taskQueue,
      demo: settings.demo,
    },
    'Gateway listening',
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await gateway.close();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
