/**
 * `npm run bench`: runs every benchmark (or those named with `--only a,b`), one after the other, prints the table of
 * figures with each target beside it, and writes everything measured to `bench/results/latest.json`. `--quick` runs
 * smaller counts and sizes for the same figures.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { formatTable, unmeasured, type Benchmark, type Figure } from './support/figures';
import { type BenchContext } from './support/stack';
import { historyBenchmark } from './history';
import { largeFileBenchmark } from './large-file';
import { startLatencyBenchmark } from './start-latency';
import { throughputBenchmark } from './throughput';
import { userReturnBenchmark } from './user-return';
import { waitingMemoryBenchmark } from './waiting-memory';

const BENCHMARKS: Benchmark<BenchContext>[] = [
  userReturnBenchmark,
  startLatencyBenchmark,
  throughputBenchmark,
  waitingMemoryBenchmark,
  historyBenchmark,
  largeFileBenchmark,
];

function parseArguments(argv: string[]): { quick: boolean; only: string[] | null } {
  let quick = false;
  let only: string[] | null = null;
  for (const argument of argv) {
    if (argument === '--quick') quick = true;
    else if (argument.startsWith('--only=')) only = argument.slice('--only='.length).split(',');
    else
      throw new Error(
        `Unknown argument ${argument}: use --quick and --only=${BENCHMARKS.map((b) => b.name).join(',')}`,
      );
  }
  return { quick, only };
}

async function main(): Promise<void> {
  const { quick, only } = parseArguments(process.argv.slice(2));
  const selected = BENCHMARKS.filter((benchmark) => only === null || only.includes(benchmark.name));
  if (selected.length === 0) throw new Error(`No benchmark named ${only?.join(', ')}`);

  const workDir = await mkdtemp(join(tmpdir(), 'signature-sessions-bench-'));
  const startedAt = new Date();
  const log = (line: string) => console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${line}`);
  const context: BenchContext = { quick, workDir, log };
  const figures: Figure[] = [];
  const failures: { benchmark: string; error: string }[] = [];

  try {
    for (const benchmark of selected) {
      log(`${benchmark.name}: starting`);
      const benchmarkStarted = Date.now();
      try {
        figures.push(...(await benchmark.run(context)));
      } catch (error) {
        console.error(`${benchmark.name} failed:`, error);
        const reason = error instanceof Error ? error.message : String(error);
        failures.push({ benchmark: benchmark.name, error: reason });
        figures.push(...benchmark.figures.map((spec) => unmeasured(spec, reason.split('\n')[0]!.slice(0, 160))));
      }
      log(`${benchmark.name}: done in ${((Date.now() - benchmarkStarted) / 1000).toFixed(0)} s`);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }

  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      memoryBytes: totalmem(),
      node: process.version,
    },
    passed: figures.filter((item) => item.pass).length,
    missed: figures.filter((item) => !item.pass).length,
    failures,
    figures,
  };
  const resultsDir = join(__dirname, 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

  console.log('');
  console.log(formatTable(figures));
  console.log('');
  console.log(
    `${results.passed} of ${figures.length} figures meet their target. Written to bench/results/latest.json.`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
