/**
 * The local Rest PKI Core for fault tests: the real service over HTTP on a data folder and port that survive a
 * restart, so that a test can stop it and start it again with other fault settings while sessions, keys, page URLs and
 * file URLs stay valid. Its log lines are kept for the test to read.
 */
import { rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startLocalRestPki, type LocalRestPkiOptions, type RunningLocalRestPki } from '../../../src/local-restpki';
import { loadOrCreateTestPki, type TestPki } from '../../../src/local-restpki/pki';
import { RestPkiClient } from '../../../src/restpki/client';
import { RestPkiUnavailableError } from '../../../src/restpki/errors';
import { freePort } from '../../../src/local-temporal/servers';

export interface FaultRestPki {
  url: string;
  apiKey: string;
  readOnlyApiKey: string;
  pki: TestPki;
  /** Every line the service logged, across restarts. */
  logLines: string[];
  /**
   * Stops the service and starts it again on the same data and port, with `changes` over the options it was first
   * started with (a `faults` or `webhook` given replaces the first one whole: `faults: {}` turns every fault off).
   */
  restart(changes?: LocalRestPkiOptions): Promise<void>;
  close(): Promise<void>;
}

let pkiTemplate: Promise<string> | undefined;

/** A folder holding a test PKI, issued once per test process and copied into each service's data folder. */
function issuedPkiTemplate(): Promise<string> {
  pkiTemplate ??= (async () => {
    const folder = await mkdtemp(join(tmpdir(), 'faults-pki-'));
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    await loadOrCreateTestPki(folder);
    return folder;
  })();
  return pkiTemplate;
}

/**
 * Starts the service on 127.0.0.1 with `options`, logging at `logLevel` (default `info`) into `logLines` without
 * any redaction, so that a test sees what the service itself chose to write.
 */
export async function startFaultRestPki(
  options: LocalRestPkiOptions = {},
  logLevel = process.env.LOG_LEVEL ?? 'info',
): Promise<FaultRestPki> {
  const dataDir = await mkdtemp(join(tmpdir(), 'faults-restpki-'));
  await cp(join(await issuedPkiTemplate(), 'pki'), join(dataDir, 'pki'), { recursive: true });
  const port = await freePort();
  const logLines: string[] = [];
  const logger = pino(
    { name: 'local-restpki', level: logLevel },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const start = (overrides: LocalRestPkiOptions) =>
    startLocalRestPki({ ...overrides, host: '127.0.0.1', port, dataDir }, logger);

  let service: RunningLocalRestPki | undefined = await start(options);
  const running = service;
  return {
    url: running.url,
    apiKey: running.apiKey,
    readOnlyApiKey: running.readOnlyApiKey,
    pki: running.pki,
    logLines,
    async restart(changes = {}) {
      await service?.close();
      service = undefined;
      service = await start({ ...options, ...changes });
    },
    async close() {
      await service?.close();
      service = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A client of the service for the test's own checks, which retries calls the service refused with a 5xx or did not
 * answer (a fault setting may be on) a bounded number of times.
 */
export function checkingClient(restPki: Pick<FaultRestPki, 'url' | 'apiKey'>) {
  const client = new RestPkiClient({ endpoint: restPki.url, apiKey: restPki.apiKey });
  async function patiently<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof RestPkiUnavailableError) || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }
  return {
    getSession: (id: string) => patiently(() => client.getSession(id)),
    getDocument: (id: string) => patiently(() => client.getDocument(id)),
    /** The bytes of a document's signed file, as the service serves them now (a fresh URL each time). */
    signedFile: (documentId: string) =>
      patiently(async () => {
        const document = await client.getDocument(documentId);
        const url = document.signedFile?.url ?? document.signedFile?.location;
        if (!url) throw new Error(`Document ${documentId} has no signed file`);
        const download = await client.downloadFile(url);
        const chunks: Buffer[] = [];
        for await (const chunk of download.body) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      }),
  };
}
export type CheckingClient = ReturnType<typeof checkingClient>;
