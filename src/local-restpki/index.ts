/**
 * The local Rest PKI Core-compatible service: the project's embedded default and the real service every test talks
 * to. Its JSON follows `openapi-subset.json`; its signing page signs with the certificates of a local test PKI.
 */
import { createLogger, type Logger } from '../logger';
import { buildLocalRestPki } from './app';
import { type TestPki } from './pki';
import { type LocalRestPkiOptions } from './settings';

export { buildLocalRestPki, type LocalRestPkiApp, type LocalRestPkiInfo } from './app';
export {
  defaultLocalRestPkiConfig,
  localRestPkiConfigFromEnv,
  resolveLocalRestPkiConfig,
  type FaultSettings,
  type LocalRestPkiConfig,
  type LocalRestPkiOptions,
  type WebhookAuth,
  type WebhookSettings,
} from './settings';

/** A service listening for requests. */
export interface RunningLocalRestPki {
  /** The endpoint to give a Rest PKI Core client, without a trailing slash. */
  url: string;
  /** The port it listens on (useful when port 0 was asked for). */
  port: number;
  /** The full-access API key. */
  apiKey: string;
  /** The read-only API key (GET requests only). */
  readOnlyApiKey: string;
  pki: TestPki;
  /** The data folder, absolute. */
  dataDir: string;
  /** Stops listening, the background loop and the database. */
  close(): Promise<void>;
}

/** Builds the service and listens on the configured host and port (0: a free port). */
export async function startLocalRestPki(
  options: LocalRestPkiOptions = {},
  logger: Logger = createLogger('local-restpki'),
): Promise<RunningLocalRestPki> {
  const app = await buildLocalRestPki(options, logger);
  const { config } = app.localRestPki;
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    throw error;
  }

  const info = app.localRestPki;
  const address = app.server.address();
  return {
    url: info.endpoint(),
    port: address !== null && typeof address === 'object' ? address.port : config.port,
    apiKey: info.apiKey,
    readOnlyApiKey: info.readOnlyApiKey,
    pki: info.pki,
    dataDir: info.dataDir,
    close: async () => {
      await app.close();
    },
  };
}
