/**
 * The local Rest PKI Core service for tests: the real service over HTTP on a free port, on a fresh temporary data
 * folder (removed on close) unless the test gives one, with the service's defaults except where a test asks.
 * The test PKI is issued once per test process and copied into each fresh data folder, so starting is fast.
 */
import { rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logger';
import { startLocalRestPki, type LocalRestPkiOptions } from '../../src/local-restpki';
import { loadOrCreateTestPki, type TestPki } from '../../src/local-restpki/pki';

/** A running service and what a test needs to talk to it. */
export interface TestRestPki {
  /** The endpoint, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  apiKey: string;
  readOnlyApiKey: string;
  /** The data folder; pass it again (with `port`) to restart the service on the same state. */
  dataDir: string;
  /** The port it listens on; pass it again to keep `redirectUrl`s and file URLs working across a restart. */
  port: number;
  pki: TestPki;
  /** Stops the service; removes the data folder if this helper created it. */
  close(): Promise<void>;
}

let pkiTemplate: Promise<string> | undefined;

/** A data folder holding only a test PKI, issued once per process. */
function issuedPkiTemplate(): Promise<string> {
  pkiTemplate ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-restpki-pki-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await loadOrCreateTestPki(dir);
    return dir;
  })();
  return pkiTemplate;
}

/**
 * Starts the service on `127.0.0.1`, port 0 unless `overrides.port` is given. Logs go to stdout at `error` (or
 * `LOG_LEVEL`). Any setting of the service can be overridden, e.g. `{ sessionLifetimeMs: 1000 }`.
 */
export async function startTestRestPki(overrides: LocalRestPkiOptions = {}): Promise<TestRestPki> {
  const ownsDataDir = overrides.dataDir === undefined;
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'local-restpki-')));
  if (ownsDataDir) await cp(join(await issuedPkiTemplate(), 'pki'), join(dataDir, 'pki'), { recursive: true });

  const logger = createLogger('local-restpki', { level: process.env.LOG_LEVEL ?? 'error' });
  const service = await startLocalRestPki({ host: '127.0.0.1', port: 0, ...overrides, dataDir }, logger);

  return {
    url: service.url,
    apiKey: service.apiKey,
    readOnlyApiKey: service.readOnlyApiKey,
    dataDir,
    port: service.port,
    pki: service.pki,
    close: async () => {
      await service.close();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
