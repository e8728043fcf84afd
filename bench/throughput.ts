/**
 * Sessions completed end to end per second, many users at once: start, open the page, sign, land on the return URL,
 * and (ours) wait until the session's files are stored. The baseline is done when its return handler answers, its
 * files downloaded. Runs alternate between the two; each run's CPU time per process shows where the cores went.
 */
import { type DocumentToStart } from '../src/client/start-request';
import { type RunningBaseline } from './baseline/app';
import { CpuMeter, childPids } from './support/cpu';
import { inlineDocument, makePdf } from './support/documents';
import { figure, median, percentile, round, type Benchmark, type FigureSpec } from './support/figures';
import {
  startBaselineApp,
  startOurs,
  startRestPki,
  startThroughBaseline,
  startThroughGateway,
  uniqueKey,
  withResources,
  type BenchContext,
  type Ours,
} from './support/stack';
import { inPool, now, sleep, timed } from './support/timing';
import { APPLICATION_PAGE, landOn, signOnPage } from './support/user';

const THROUGHPUT: FigureSpec = {
  id: 'throughput',
  title: 'sessions completed end to end per second',
  unit: 'x',
  target: { op: '>=', value: 0.5 },
};

/** Figure 4: end-to-end throughput against the baseline's. */
export const throughputBenchmark: Benchmark<BenchContext> = {
  name: 'throughput',
  figures: [THROUGHPUT],
  run: throughput,
};

interface RunResult {
  side: 'ours' | 'baseline';
  sessions: number;
  seconds: number;
  perSecond: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  cpuMs: Record<string, number>;
}

async function throughput(context: BenchContext) {
  const sessions = context.quick ? 100 : 500;
  const concurrency = context.quick ? 20 : 50;
  const rounds = context.quick ? 2 : 3;
  const limitMs = (context.quick ? 4 : 12) * 60_000;
  const documents = [inlineDocument('order.pdf', makePdf('Purchase order', 16 * 1024), 'Pdf')];

  return withResources(async (resources) => {
    const restPki = await startRestPki(resources, context);
    const ours = await startOurs(resources, context, restPki, { gateway: true });
    const baseline = await startBaselineApp(resources, context, restPki);
    const [temporalPid] = await childPids('temporal');
    const meter = () =>
      new CpuMeter({
        benchmark: process.pid,
        restPki: restPki.pid,
        worker: ours.worker.pid,
        ...(temporalPid === undefined ? {} : { temporal: temporalPid }),
      });

    // A few sessions on each side first, unmeasured, so that neither run pays for a cold start.
    await inPool('warm-up', 10, 5, () => ourSession(ours, documents), { limitMs });
    await inPool('warm-up', 10, 5, () => baselineSession(baseline, documents), { limitMs });

    const runs: RunResult[] = [];
    for (let pass = 0; pass < rounds; pass++) {
      const sides = pass % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const);
      for (const side of sides) {
        const cpu = meter();
        await cpu.start();
        const started = now();
        const latencies = await inPool(
          `${side} run`,
          sessions,
          concurrency,
          async () =>
            (await timed(() => (side === 'ours' ? ourSession(ours, documents) : baselineSession(baseline, documents))))
              .ms,
          { limitMs },
        );
        const seconds = (now() - started) / 1000;
        const run: RunResult = {
          side,
          sessions,
          seconds: round(seconds),
          perSecond: round(sessions / seconds),
          latencyP50Ms: Math.round(percentile(latencies, 0.5)),
          latencyP95Ms: Math.round(percentile(latencies, 0.95)),
          cpuMs: await cpu.stop(),
        };
        runs.push(run);
        context.log(
          `  ${side}: ${run.perSecond} sessions/s (p95 ${run.latencyP95Ms} ms), cpu ${JSON.stringify(run.cpuMs)}`,
        );
        await sleep(1000);
      }
    }

    const oursRate = median(runs.filter((run) => run.side === 'ours').map((run) => run.perSecond));
    const baseRate = median(runs.filter((run) => run.side === 'baseline').map((run) => run.perSecond));
    return [
      figure({
        ...THROUGHPUT,
        value: oursRate / baseRate,
        basis: `ours ${oursRate.toFixed(1)}/s / baseline ${baseRate.toFixed(1)}/s (${sessions} sessions, ${concurrency} at once, medians of ${rounds})`,
        detail: { sessions, concurrency, runs },
      }),
    ];
  });
}

async function ourSession(ours: Ours, documents: DocumentToStart[]): Promise<void> {
  const applicationKey = uniqueKey('load');
  const started = await startThroughGateway(ours, { applicationKey, documents, returnUrl: APPLICATION_PAGE });
  const landing = await landOn(await signOnPage(started.redirectUrl));
  const result = await ours.sessions.result(applicationKey);
  if (landing.status !== 303 || result.outcome !== 'completed' || result.documents.length !== documents.length) {
    throw new Error(`Session ${applicationKey} ended ${result.outcome} after a ${landing.status} return`);
  }
}

async function baselineSession(baseline: RunningBaseline, documents: DocumentToStart[]): Promise<void> {
  const orderId = uniqueKey('order');
  const started = await startThroughBaseline(baseline, { orderId, documents });
  const landing = await landOn(await signOnPage(started.redirectUrl));
  if (landing.status !== 303 || baseline.orders.find(orderId)?.status !== 'COMPLETED') {
    throw new Error(`The baseline's return answered ${landing.status} for order ${orderId}`);
  }
}
