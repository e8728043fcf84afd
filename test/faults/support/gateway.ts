/**
 * The real HTTP gateway for fault tests, on a free port of 127.0.0.1, with every line it logs kept (at debug, without
 * redaction, so that a test sees what the gateway itself chose to write).
 */
import { Writable } from 'node:stream';
import { type Client } from '@temporalio/client';
import pino from 'pino';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../../src/gateway';
import { type WebhookAuthSettings } from '../../../src/gateway/settings';
import { type DocumentStore } from '../../../src/storage/document-store';
import { freePort } from '../../../src/local-temporal/servers';

export interface FaultGateway {
  url: string;
  gateway: RunningGateway;
  logLines: string[];
  close(): Promise<void>;
}

export interface FaultGatewayOptions {
  client: Client;
  taskQueue: string;
  store: DocumentStore;
  apiTokens: string[];
  webhookAuth: WebhookAuthSettings;
  /** Where the lines go; a new list by default. Pass one list to several gateways to keep them all. */
  logLines?: string[];
  /** A port to reuse (after a restart); a free one by default. */
  port?: number;
  overrides?: Partial<GatewayOptions>;
}

export async function startFaultGateway(options: FaultGatewayOptions): Promise<FaultGateway> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logLines = options.logLines ?? [];
  const logger = pino(
    { name: 'gateway', level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const gateway = await startGateway({
    temporal: options.client,
    taskQueue: options.taskQueue,
    store: options.store,
    publicUrl: url,
    apiTokens: options.apiTokens,
    webhookAuth: options.webhookAuth,
    logger,
    host: '127.0.0.1',
    port,
    ...options.overrides,
  });
  return { url, gateway, logLines, close: () => gateway.close() };
}
