/**
 * `npm test`: builds any missing local Temporal server, then runs every `*.test.ts` under `test/` (or the files and
 * folders given as arguments) with node's test runner, one file at a time: time-skipping environments and the
 * services each file starts must not compete for the two cores.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureTemporalServers } from '../src/local-temporal/servers';

function findTests(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(child);
      return entry.name.endsWith('.test.ts') ? [child] : [];
    })
    .sort();
}

async function main(): Promise<void> {
  await ensureTemporalServers((line) => console.log(line));

  const roots = process.argv.slice(2);
  const files = (roots.length > 0 ? roots : ['test']).flatMap(findTests).map((file) => relative(process.cwd(), file));
  if (files.length === 0) throw new Error(`No *.test.ts files under ${roots.join(', ')}`);

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
    { stdio: 'inherit' },
  );
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
