/**
 * Starts the cached time-skipping test server wrapper N times in a row (default 20) and measures how long each start
 * takes until the server accepts connections. The SDK gives the server about 5 seconds; a start slower than the
 * limit (default 2.5 s, half of that) or one that fails makes this exit non-zero.
 */
import { spawn } from 'node:child_process';
import { ensureTestServer, freePort, waitForPort } from '../src/local-temporal/servers';

const runs = Number(process.argv[2] ?? 20);
const limitMs = Number(process.argv[3] ?? 2500);

async function startOnce(path: string): Promise<number> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(path, [String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, 10_000);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const path = await ensureTestServer();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await startOnce(path));
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(`test server starts (ms): ${times.map((t) => t.toFixed(0)).join(' ')}`);
  console.log(`min ${sorted[0]?.toFixed(0)} ms, median ${median.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`);
  const slow = times.filter((t) => t > limitMs);
  if (slow.length > 0) {
    console.error(`${slow.length} of ${runs} starts took longer than ${limitMs} ms`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
