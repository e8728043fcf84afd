/**
 * The worker's memory while many sessions wait for their users: start them all through the typed client (one small
 * document each, given by URL; a deadline of weeks), sample the worker child's resident set while they wait, then let
 * every user sign, note each return by signal, and check that every session completed.
 *
 * The worker runs with its default tuning, as `npm run worker` does: a bounded workflow cache, so that sessions that
 * only wait cost history in Temporal rather than memory in the worker.
 */
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../src/worker';
import { figure, median, toMb, type Benchmark, type FigureSpec } from './support/figures';
import { MemorySampler, readMemory, type MemorySample } from './support/memory';
import { startDocumentServer, type DocumentServer } from './support/documents';
import {
  startOurs,
  startRestPki,
  uniqueKey,
  withResources,
  type BenchContext,
  type Ours,
  type Resources,
} from './support/stack';
import { inPool, now, sleep } from './support/timing';
import { APPLICATION_PAGE, signatureSessionIdOf, signOnPage } from './support/user';

const PEAK: FigureSpec = {
  id: 'waiting-memory-peak',
  title: 'worker peak memory, sessions waiting',
  unit: 'MB',
  target: { op: '<', value: 512 },
};

const GROWTH: FigureSpec = {
  id: 'waiting-memory-growth',
  title: 'worker memory growth while they wait',
  unit: 'MB',
  target: { op: '<=', value: 16 },
};

const COMPLETED: FigureSpec = {
  id: 'waiting-then-completed',
  title: 'waiting sessions then completed',
  unit: '%',
  target: { op: '>=', value: 100 },
};

/** Figure 5: the worker's memory with many sessions waiting, and every one of them completed afterwards. */
export const waitingMemoryBenchmark: Benchmark<BenchContext> = {
  name: 'waiting-memory',
  figures: [PEAK, GROWTH, COMPLETED],
  run: waitingMemory,
};

const CONCURRENCY = 50;

interface WaitingSession {
  applicationKey: string;
  workflowId: string;
  redirectUrl: string;
}

interface Waited {
  sessions: WaitingSession[];
  idleRss: number;
  startSeconds: number;
  /** VmHWM at the end of the wait: the peak over the process's life until then. */
  peak: number;
  growth: number;
  waiting: MemorySample[];
  sampler: MemorySampler;
}

async function waitingMemory(context: BenchContext) {
  const count = context.quick ? 1_000 : 10_000;
  const waitMs = (context.quick ? 20 : 60) * 1000;
  const limitMs = (context.quick ? 5 : 20) * 60_000;

  const measured = await withResources(async (resources) => {
    const { ours, documents } = await startStack(resources, context);
    const waited = await startAndWait(context, ours, documents, count, waitMs, limitMs);

    const started = now();
    const completeFrom = waited.sampler.samples.length;
    await inPool(
      'signing and returning',
      count,
      CONCURRENCY,
      async (index) => {
        const session = waited.sessions[index]!;
        const returnUrl = await signOnPage(session.redirectUrl, { openPage: false });
        await ours.sessions.noteReturn(session.workflowId, signatureSessionIdOf(returnUrl));
      },
      { limitMs },
    );
    const outcomes = await inPool(
      'reading the results',
      count,
      CONCURRENCY,
      async (index) => (await ours.sessions.result(waited.sessions[index]!.applicationKey)).outcome,
      { limitMs },
    );
    const completeSeconds = (now() - started) / 1000;
    const samples = await waited.sampler.stop();
    const completed = outcomes.filter((outcome) => outcome === 'completed').length;
    context.log(`  ${completed} of ${count} completed in ${completeSeconds.toFixed(0)} s`);
    return {
      waited,
      completed,
      completeSeconds,
      outcomes,
      peakWhileCompleting: Math.max(...samples.slice(completeFrom).map((sample) => sample.rss)),
      samples,
    };
  });

  const { waited } = measured;
  const detail = {
    sessions: count,
    idleRssMb: toMb(waited.idleRss),
    startSeconds: Math.round(waited.startSeconds),
    waitSeconds: waitMs / 1000,
    completeSeconds: Math.round(measured.completeSeconds),
    peakWhileWaitingMb: toMb(waited.peak),
    peakWhileCompletingMb: toMb(measured.peakWhileCompleting),
    maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
    perCachedSessionKb: Math.round(
      (waited.peak - waited.idleRss) / Math.min(count, DEFAULT_MAX_CACHED_WORKFLOWS) / 1024,
    ),
    rssSamplesMb: measured.samples.map((sample) => [Math.round(sample.atMs / 1000), toMb(sample.rss)]),
  };
  return [
    figure({
      ...PEAK,
      value: toMb(waited.peak),
      basis: `VmHWM after ${count} sessions started and waited ${waitMs / 1000} s (idle ${toMb(waited.idleRss)} MB, ${DEFAULT_MAX_CACHED_WORKFLOWS} workflows cached)`,
      detail,
    }),
    figure({
      ...GROWTH,
      value: toMb(waited.growth),
      basis: `median RSS of the wait's last quarter minus its first quarter's (${waited.waiting.length} samples, 1 s apart)`,
      detail: { waitingRssMb: waited.waiting.map((sample) => toMb(sample.rss)) },
    }),
    figure({
      ...COMPLETED,
      value: (measured.completed / count) * 100,
      basis: `${measured.completed} of ${count} completed after signing and a noted return, in ${Math.round(measured.completeSeconds)} s`,
      detail: { outcomes: countBy(measured.outcomes) },
    }),
  ];
}

async function startStack(resources: Resources, context: BenchContext) {
  const documents = await startDocumentServer();
  resources.add('the document server', () => documents.close());
  documents.addBytes('note.txt', Buffer.from('I agree to the terms of order 42.\n'));
  const restPki = await startRestPki(resources, context, { sessionLifetimeMs: 7 * 24 * 3_600_000 });
  const ours = await startOurs(resources, context, restPki, { gateway: false });
  return { ours, documents };
}

/** Starts `count` sessions, then waits `waitMs` while sampling the worker's resident set every second. */
async function startAndWait(
  context: BenchContext,
  ours: Ours,
  documents: DocumentServer,
  count: number,
  waitMs: number,
  limitMs: number,
): Promise<Waited> {
  const pid = ours.worker.pid;
  const idleRss = (await readMemory(pid)).rss;
  const sampler = new MemorySampler(pid, 1000);

  const started = now();
  const sessions = await inPool(
    'starting the sessions',
    count,
    CONCURRENCY,
    async (): Promise<WaitingSession> => {
      const applicationKey = uniqueKey('waiting');
      const session = await ours.sessions.start({
        applicationKey,
        documents: [{ name: 'note.txt', url: documents.urlOf('note.txt'), signatureType: 'Cms' }],
        returnUrl: APPLICATION_PAGE,
        abandonAfter: '30 days',
      });
      return { applicationKey, workflowId: session.workflowId, redirectUrl: session.redirectUrl };
    },
    { limitMs },
  ).catch(async (error: unknown) => {
    await sampler.stop();
    throw error;
  });
  const startSeconds = (now() - started) / 1000;
  context.log(`  ${count} sessions started in ${startSeconds.toFixed(0)} s; waiting ${waitMs / 1000} s`);

  const waitFrom = sampler.samples.length;
  await sleep(waitMs);
  const waiting = sampler.samples.slice(waitFrom);
  const peak = (await readMemory(pid)).hwm;
  const growth = growthOf(waiting);
  context.log(`  peak ${toMb(peak)} MB, growth while waiting ${toMb(growth)} MB`);
  return { sessions, idleRss, startSeconds, peak, growth, waiting, sampler };
}

/** How much the resident set grew over a window: the median of its last quarter minus that of its first. */
function growthOf(samples: MemorySample[]): number {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const first = median(samples.slice(0, quarter).map((sample) => sample.rss));
  const last = median(samples.slice(-quarter).map((sample) => sample.rss));
  return last - first;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
