/**
 * Assembling the local Rest PKI Core service: settings, data folder, secrets, test PKI, database and files, the
 * background loop, and the Fastify app with its three parts (the `/api`, the document files, the signing page).
 * The app is built apart from `listen()`, so tests can also drive it with `inject()`.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createLogger, type Logger } from '../logger';
import { apiPlugin } from './api';
import { BackgroundWork } from './background-work';
import { type ServiceContext } from './context';
import { LocalRestPkiStartError } from './errors';
import { FileStore } from './file-store';
import { FileUrls } from './file-urls';
import { signingPagePlugin } from './page/routes';
import { loadOrCreateTestPki, type TestPki } from './pki';
import { fileRoutes } from './routes/files';
import { loadOrCreateSecrets } from './secrets';
import { SessionEvents } from './session-events';
import { resolveLocalRestPkiConfig, type LocalRestPkiConfig, type LocalRestPkiOptions } from './settings';
import { Store } from './store';

/** What a built service offers besides its routes. */
export interface LocalRestPkiInfo {
  config: LocalRestPkiConfig;
  apiKey: string;
  readOnlyApiKey: string;
  pki: TestPki;
  /** The data folder, absolute. */
  dataDir: string;
  /** The endpoint applications use: the public URL, or `http://<host>:<bound port>` once listening. */
  endpoint(): string;
}

/** The Fastify app of the service, with {@link LocalRestPkiInfo} as `localRestPki`. */
export type LocalRestPkiApp = FastifyInstance & { readonly localRestPki: LocalRestPkiInfo };

/** Room for base64 (4/3 of the bytes) plus the rest of a create-session request carrying documents inline. */
function apiBodyLimit(maxFileBytes: number): number {
  return Math.ceil((maxFileBytes * 4) / 3) + 1024 * 1024;
}

/**
 * Builds the service on its data folder (created if missing) without listening. The background loop starts when
 * the app is ready and stops when it closes.
 */
export async function buildLocalRestPki(
  options: LocalRestPkiOptions = {},
  logger: Logger = createLogger('local-restpki'),
): Promise<LocalRestPkiApp> {
  const config = resolveLocalRestPkiConfig(options);
  const dataDir = resolve(config.dataDir);

  let pki: TestPki;
  let secrets: Awaited<ReturnType<typeof loadOrCreateSecrets>>;
  let store: Store;
  const files = new FileStore(dataDir);
  try {
    await mkdir(dataDir, { recursive: true });
    secrets = await loadOrCreateSecrets(dataDir, config);
    pki = await loadOrCreateTestPki(dataDir);
    await files.open();
    store = new Store(dataDir);
  } catch (error) {
    throw new LocalRestPkiStartError(dataDir, 'the data folder or the test PKI could not be opened', { cause: error });
  }

  let boundUrl: string | null = null;
  const endpoint = (): string =>
    (config.publicUrl ?? boundUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, '');

  const context: ServiceContext = {
    config,
    store,
    files,
    urls: new FileUrls(secrets.tokenKey, endpoint, config.fileUrlLifetimeMs),
    pki,
    events: new SessionEvents(),
    logger,
    signingNow: new Set(),
    wake: () => background.wake(),
  };
  const background = new BackgroundWork(context);

  // Typed as Fastify's logger so that the app is a plain FastifyInstance for the route modules.
  const fastifyLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: fastifyLogger,
    // Request URLs carry page and file tokens, so requests are logged by route pattern instead (below).
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    // Closing must not wait for keep-alive connections (or held when-completed requests) to time out.
    forceCloseConnections: true,
    bodyLimit: apiBodyLimit(config.maxFileBytes),
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'Request handled',
    );
  });
  app.addHook('onReady', (done) => {
    background.start();
    done();
  });
  app.addHook('onListen', (done) => {
    const address = app.server.address();
    if (address && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      boundUrl = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
    }
    done();
  });
  app.addHook('onClose', async () => {
    await background.stop();
    store.close();
  });

  await app.register(apiPlugin(context, secrets), { prefix: '/api' });
  fileRoutes(app, context);
  await app.register(signingPagePlugin(context));
  app.setNotFoundHandler(async (_request, reply) =>
    reply.status(404).type('text/plain; charset=utf-8').send('Not found'),
  );

  const info: LocalRestPkiInfo = {
    config,
    apiKey: secrets.apiKey,
    readOnlyApiKey: secrets.readOnlyApiKey,
    pki,
    dataDir,
    endpoint,
  };
  app.decorate('localRestPki', info);
  return app as unknown as LocalRestPkiApp;
}
