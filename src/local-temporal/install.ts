/**
 * `npm run servers`: builds whichever local Temporal server is missing from the cache and prints where both are.
 */
import { ensureTemporalServers, MissingToolError } from './servers';

async function main(): Promise<void> {
  const started = Date.now();
  const { cli, testServer } = await ensureTemporalServers((line) => console.log(line));
  console.log(`Temporal servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  console.log(`  dev server and Web UI: ${cli}`);
  console.log(`  time-skipping test server: ${testServer}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof MissingToolError ? error.message : error);
  process.exit(1);
});
