/**
 * How long a backend system waits for the `redirectUrl`: the gateway's `POST /api/sessions` (which starts the
 * workflow and answers once its create activity has the session) against one direct `POST /api/signature-sessions`
 * to the service with the same document. Both alternate, request by request.
 */
import { Readable } from 'node:stream';
import { storageKeyFor } from '../src/storage/document-store';
import { RestPkiCalls } from './baseline/restpki-calls';
import { APPLICATION_PAGE } from './support/user';
import { figure, median, round, type Benchmark, type FigureSpec } from './support/figures';
import { fetchHistory, lastSpan, timeline } from './support/history';
import { inlineDocument, makePdf } from './support/documents';
import {
  startOurs,
  startRestPki,
  startThroughGateway,
  uniqueKey,
  withResources,
  type BenchContext,
  type Ours,
} from './support/stack';
import { timed } from './support/timing';

const START_LATENCY: FigureSpec = {
  id: 'start-latency',
  title: 'POST /api/sessions until the redirectUrl',
  unit: 'x',
  target: { op: '<=', value: 1.5 },
};

/** Figure 3: the start's answer time against a direct create call. */
export const startLatencyBenchmark: Benchmark<BenchContext> = {
  name: 'start-latency',
  figures: [START_LATENCY],
  run: startLatency,
};

async function startLatency(context: BenchContext) {
  const runs = context.quick ? 10 : 25;
  const warmUp = 3;
  const pdf = makePdf('Purchase order', 16 * 1024);
  const document = inlineDocument('order.pdf', pdf, 'Pdf');

  return withResources(async (resources) => {
    const restPki = await startRestPki(resources, context);
    const ours = await startOurs(resources, context, restPki, { gateway: true });
    const direct = new RestPkiCalls(restPki.url, restPki.apiKey);

    const our: number[] = [];
    const directMs: number[] = [];
    let lastWorkflowId = '';
    for (let index = -warmUp; index < runs; index++) {
      const measureOurs = async () => {
        const applicationKey = uniqueKey('start');
        const { result, ms } = await timed(() =>
          startThroughGateway(ours, { applicationKey, documents: [document], returnUrl: APPLICATION_PAGE }),
        );
        lastWorkflowId = result.workflowId;
        if (index >= 0) our.push(ms);
      };
      const measureDirect = async () => {
        const { ms } = await timed(() =>
          direct.createSession({
            returnUrl: APPLICATION_PAGE,
            documents: [{ file: { content: document.content, name: document.name }, signatureType: 'Pdf' }],
          }),
        );
        if (index >= 0) directMs.push(ms);
      };
      if (index % 2 === 0) {
        await measureOurs();
        await measureDirect();
      } else {
        await measureDirect();
        await measureOurs();
      }
    }

    const oursMedian = median(our);
    const directMedian = median(directMs);
    context.log(`  ours ${Math.round(oursMedian)} ms, direct ${Math.round(directMedian)} ms`);
    return [
      figure({
        ...START_LATENCY,
        value: oursMedian / directMedian,
        basis: `ours ${Math.round(oursMedian)} ms / direct create ${Math.round(directMedian)} ms (medians of ${runs})`,
        detail: {
          oursMs: our.map((value) => round(value)),
          directMs: directMs.map((value) => round(value)),
          profile: await startProfile(ours, lastWorkflowId, pdf),
        },
      }),
    ];
  });
}

/**
 * Where a start's time goes: the gateway's own calls before the workflow starts (a describe of the workflow ID,
 * staging the inline document in the store), then the workflow's first task, its create activity and the task that
 * answers the update, read from the history of the last start.
 */
async function startProfile(ours: Ours, workflowId: string, pdf: Buffer) {
  const describeMs: number[] = [];
  const stageMs: number[] = [];
  for (let index = 0; index < 5; index++) {
    const missing = ours.client.workflow.getHandle(uniqueKey('signature-session-missing'));
    describeMs.push((await timed(() => missing.describe().catch(() => undefined))).ms);
    const key = storageKeyFor({ workflowId: uniqueKey('profile'), documentId: 'to-sign-0', fileName: 'order.pdf' });
    stageMs.push((await timed(() => ours.store.put(key, Readable.from([pdf])))).ms);
  }

  const history = await fetchHistory(ours.client, workflowId);
  const events = timeline(history);
  const create = lastSpan(history, 'createSignatureSession');
  const firstTaskDone = events.find((event) => event.name === 'WORKFLOW_TASK_COMPLETED');
  const updateDone = events.find((event) => event.name === 'WORKFLOW_EXECUTION_UPDATE_COMPLETED');
  return {
    describeUnknownWorkflowMs: round(median(describeMs)),
    stageInlineDocumentMs: round(median(stageMs)),
    firstWorkflowTaskMs: firstTaskDone?.atMs ?? null,
    createActivity: create,
    updateCompletedAtMs: updateDone?.atMs ?? null,
    events: events.slice(0, updateDone ? updateDone.id : undefined),
  };
}
