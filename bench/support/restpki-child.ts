/**
 * The local Rest PKI Core in a process of its own, started by the benchmark: both integrations then talk to it over
 * loopback HTTP, and its signing work does not share an event loop with either of them.
 */
import { createLogger } from '../../src/logger';
import { startLocalRestPki, type LocalRestPkiOptions } from '../../src/local-restpki';
import { serveAsChild, childConfig } from './children';

/** What the service child reports when ready. */
export interface RestPkiChildInfo {
  url: string;
  apiKey: string;
  dataDir: string;
}

serveAsChild<RestPkiChildInfo>(async () => {
  const options = childConfig<LocalRestPkiOptions>();
  const logger = createLogger('local-restpki', { level: process.env.BENCH_LOG_LEVEL ?? 'error' });
  const service = await startLocalRestPki({ ...options, host: '127.0.0.1', port: 0 }, logger);
  return {
    info: { url: service.url, apiKey: service.apiKey, dataDir: service.dataDir },
    stop: () => service.close(),
  };
});
