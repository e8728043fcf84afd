/**
 * The user's return with three 5 MB signed PDFs, two figures from the same sessions:
 *
 * - how long the browser waits on the return URL. Ours: the gateway's return route answers once the workflow has
 *   checked the status with one read of the API, before any download. The baseline downloads every file first.
 * - how long from the return until the files are durable in the store. Ours: until the session's result is out
 *   (the download activity syncs every file before it completes). The baseline: its answer, which waits for the same.
 *
 * Ours and the baseline alternate, session by session, so that both see the same machine.
 */
import { type DocumentToStart } from '../src/client/start-request';
import { figure, median, round, type Benchmark, type FigureSpec } from './support/figures';
import { fetchHistory, lastSpan, timeline } from './support/history';
import { inlineDocument, makePdf } from './support/documents';
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
import { APPLICATION_PAGE, landOn, signOnPage } from './support/user';
import { now, sleep } from './support/timing';
import { type RunningBaseline } from './baseline/app';

const FILE_BYTES = 5 * 1024 * 1024;
const RETURN_WAIT: FigureSpec = {
  id: 'return-wait',
  title: 'user wait on the return URL, 3 x 5 MB PDFs',
  unit: 'x',
  target: { op: '<=', value: 0.2 },
};

const RETURN_TO_DURABLE: FigureSpec = {
  id: 'return-to-durable',
  title: 'return until the files are durable',
  unit: 'x',
  target: { op: '<=', value: 1.3 },
};

/** Figures 1 and 2: the user's wait on the return URL, and the time until the signed files are durable. */
export const userReturnBenchmark: Benchmark<BenchContext> = {
  name: 'user-return',
  figures: [RETURN_WAIT, RETURN_TO_DURABLE],
  run: userReturn,
};

interface OurRun {
  waitMs: number;
  /** Until the download activity completed: every file synced and its record committed. */
  durableMs: number;
  /** Until the session's result was out, which is how the application learns it. */
  resultMs: number;
  verdict: string | null;
  workflowId: string;
}

async function userReturn(context: BenchContext) {
  const runs = context.quick ? 3 : 7;
  const documents: DocumentToStart[] = [];
  for (const title of ['Contract', 'Annex A', 'Annex B']) {
    documents.push(inlineDocument(`${title}.pdf`, makePdf(title, FILE_BYTES), 'Pdf'));
  }

  return withResources(async (resources) => {
    const restPki = await startRestPki(resources, context);
    const ours = await startOurs(resources, context, restPki, { gateway: true });
    const baseline = await startBaselineApp(resources, context, restPki);
    const unsyncedBaseline = await startBaselineApp(resources, context, restPki, { syncFiles: false });

    const our: OurRun[] = [];
    const base: number[] = [];
    const unsynced: number[] = [];
    // One of each first, unmeasured: connections, JIT and the worker's cache warm up.
    for (let index = -1; index < runs; index++) {
      const order = index % 2 === 0 ? ['ours', 'baseline', 'unsynced'] : ['baseline', 'unsynced', 'ours'];
      for (const side of order) {
        if (side === 'ours') {
          const run = await ourSession(ours, documents);
          if (index >= 0) our.push(run);
        } else {
          const ms = await baselineSession(side === 'baseline' ? baseline : unsyncedBaseline, documents);
          if (index >= 0) (side === 'baseline' ? base : unsynced).push(ms);
        }
        await sleep(200);
      }
      if (index >= 0)
        context.log(`  run ${index + 1}/${runs}: ours ${ms(our.at(-1)!.waitMs)} wait, baseline ${ms(base.at(-1)!)}`);
    }

    const oursWait = median(our.map((run) => run.waitMs));
    const oursDurable = median(our.map((run) => run.durableMs));
    const baseMs = median(base);
    const profile = await returnProfile(ours, our.at(-1)!.workflowId);

    return [
      figure({
        ...RETURN_WAIT,
        value: oursWait / baseMs,
        basis: `ours ${ms(oursWait)} / baseline ${ms(baseMs)} (medians of ${runs}; baseline without fsync ${ms(median(unsynced))})`,
        detail: {
          oursMs: our.map((run) => round(run.waitMs)),
          baselineMs: base.map((value) => round(value)),
          baselineWithoutSyncMs: unsynced.map((value) => round(value)),
          ratioAgainstBaselineWithoutSync: round(oursWait / median(unsynced), 3),
          verdicts: our.map((run) => run.verdict),
          profile,
        },
      }),
      figure({
        ...RETURN_TO_DURABLE,
        value: oursDurable / baseMs,
        basis: `ours ${ms(oursDurable)} / baseline ${ms(baseMs)} (medians of ${runs})`,
        detail: {
          oursMs: our.map((run) => round(run.durableMs)),
          oursUntilResultMs: our.map((run) => round(run.resultMs)),
          baselineMs: base.map((value) => round(value)),
          downloadActivityMs: round(
            (profile.downloadActivity?.closedMs ?? Number.NaN) - (profile.downloadActivity?.startedMs ?? Number.NaN),
          ),
        },
      }),
    ];
  });
}

async function ourSession(ours: Ours, documents: DocumentToStart[]): Promise<OurRun> {
  const applicationKey = uniqueKey('return');
  const started = await startThroughGateway(ours, { applicationKey, documents, returnUrl: APPLICATION_PAGE });
  const returnUrl = await signOnPage(started.redirectUrl);

  const landing = await landOn(returnUrl);
  const result = await ours.sessions.result(applicationKey);
  const resultMs = now() - landing.startedAt;
  const download = lastSpan(await fetchHistory(ours.client, started.workflowId), 'downloadSignedDocuments');
  if (!download?.closedEpochMs) throw new Error(`Session ${applicationKey} has no completed download`);
  const durableMs = download.closedEpochMs - landing.startedAtEpochMs;

  if (landing.status !== 303) throw new Error(`The return route answered ${landing.status}`);
  if (result.outcome !== 'completed' || result.documents.length !== documents.length) {
    throw new Error(`Session ${applicationKey} ended ${result.outcome} with ${result.documents.length} documents`);
  }
  const verdict = landing.location ? new URL(landing.location).searchParams.get('status') : null;
  return { waitMs: landing.ms, durableMs, resultMs, verdict, workflowId: started.workflowId };
}

async function baselineSession(baseline: RunningBaseline, documents: DocumentToStart[]): Promise<number> {
  const orderId = uniqueKey('order');
  const started = await startThroughBaseline(baseline, { orderId, documents });
  const returnUrl = await signOnPage(started.redirectUrl);
  const landing = await landOn(returnUrl);
  if (landing.status !== 303 || baseline.orders.find(orderId)?.status !== 'COMPLETED') {
    throw new Error(`The baseline's return answered ${landing.status} for order ${orderId}`);
  }
  return landing.ms;
}

/** Where the last of our returns spent its time, from the workflow's history (milliseconds since it started). */
async function returnProfile(ours: Ours, workflowId: string) {
  const history = await fetchHistory(ours.client, workflowId);
  const events = timeline(history);
  const accepted = events.find((event) => event.name === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED' && event.id > 10);
  const read = lastSpan(history, 'readSignatureSession');
  const download = lastSpan(history, 'downloadSignedDocuments');
  const completedUpdates = events.filter((event) => event.name === 'WORKFLOW_EXECUTION_UPDATE_COMPLETED');
  return {
    returnUpdateAcceptedAtMs: accepted?.atMs ?? null,
    readActivity: read,
    returnUpdateCompletedAtMs: completedUpdates.at(-1)?.atMs ?? null,
    downloadActivity: download,
    workflowCompletedAtMs: events.at(-1)?.atMs ?? null,
    events,
  };
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
