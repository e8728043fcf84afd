/**
 * What the session-level fault tests run on, all real: a Temporal dev server, the local Rest PKI Core whose webhooks go
 * to a receiver that records them in Temporal, one worker process at a time, and a filesystem store in a temporary
 * folder. Each test says only what it breaks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureSessionsClient } from '../../../src/client/signature-sessions-client';
import { type LocalRestPkiOptions } from '../../../src/local-restpki';
import { FilesystemDocumentStore } from '../../../src/storage/filesystem-store';
import { uniqueId } from '../../helpers/temporal';
import { startFaultRestPki, type FaultRestPki } from './restpki';
import { type SessionDriver } from './sessions';
import { startFaultTemporal, type FaultTemporal } from './temporal';
import { startWebhookReceiver, type WebhookReceiver, type WebhookReceiverOptions } from './webhook-receiver';
import { startWorkerChild, type WorkerChild, type WorkerChildOptions } from './worker-child';

export interface FaultRigOptions {
  /** Names the task queue and the application keys of the run. */
  name: string;
  /** Keep the dev server's database in a file, so that the server can be stopped and started again on it. */
  persistentTemporal?: boolean;
  receiver?: WebhookReceiverOptions;
  /** The service's settings; its webhooks always go to the rig's receiver, retried on this schedule. */
  restPki: Omit<LocalRestPkiOptions, 'webhook'> & { webhookRetryScheduleMs: number[] };
  restPkiLogLevel: string;
  worker?: Pick<WorkerChildOptions, 'restPkiTimeout'>;
}

export interface FaultRig {
  temporal: FaultTemporal;
  restPki: FaultRestPki;
  receiver: WebhookReceiver;
  /** Started and polling once the rig is up. */
  worker: WorkerChild;
  store: FilesystemDocumentStore;
  driver: SessionDriver;
  close(): Promise<void>;
}

export async function startFaultRig(options: FaultRigOptions): Promise<FaultRig> {
  const temporal = await startFaultTemporal({ persistent: options.persistentTemporal });
  const storeRoot = await mkdtemp(join(tmpdir(), 'faults-store-'));
  const store = new FilesystemDocumentStore(storeRoot);
  const taskQueue = uniqueId(options.name);
  const sessions = new SignatureSessionsClient({ client: temporal.client, taskQueue, store });
  const driver: SessionDriver = { client: temporal.client, sessions, keyPrefix: uniqueId(options.name) };
  const receiver = await startWebhookReceiver(sessions, options.receiver);
  const { webhookRetryScheduleMs, ...restPkiOptions } = options.restPki;
  const restPki = await startFaultRestPki(
    { ...restPkiOptions, webhook: { url: receiver.url, retryScheduleMs: webhookRetryScheduleMs } },
    options.restPkiLogLevel,
  );
  const worker = await startWorkerChild(temporal, restPki, { taskQueue, storeRoot, ...options.worker });

  return {
    temporal,
    restPki,
    receiver,
    worker,
    store,
    driver,
    async close() {
      await worker.stop();
      await receiver.close();
      await restPki.close();
      await temporal.close();
      await rm(storeRoot, { recursive: true, force: true });
    },
  };
}
