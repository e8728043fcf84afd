/**
 * A 1 GiB signed file streamed into the store by the worker: the local service takes a 1 GiB PDF by URL and signs it
 * with its own PAdES signer when the user presses Sign, and the session's `downloadSignedDocuments` activity (the
 * client's `downloadFile` into `store.put`) runs in the worker child. Its time comes from the workflow's history; the
 * worker's memory is sampled from `/proc` while it runs. `curl -o` then fetches the same signed file from a fresh URL.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { RestPkiClient } from '../src/restpki/client';
import { storageKeyFor, storageKeySegments } from '../src/storage/document-store';
import { startDocumentServer, writePdf } from './support/documents';
import { figure, median, MB, round, toMb, type Benchmark, type FigureSpec } from './support/figures';
import { fetchHistory, lastSpan } from './support/history';
import { MemorySampler, readMemory, resetPeak } from './support/memory';
import { startOurs, startRestPki, uniqueKey, withResources, type BenchContext, type Ours } from './support/stack';
import { sleep, timed } from './support/timing';
import { APPLICATION_PAGE, signatureSessionIdOf, signOnPage } from './support/user';

const MEMORY: FigureSpec = {
  id: 'large-file-memory',
  title: 'worker memory growth, 1 GiB signed file',
  unit: 'MB',
  target: { op: '<', value: 64 },
};

const SPEED: FigureSpec = {
  id: 'large-file-speed',
  title: 'download into the store vs curl speed',
  unit: 'x',
  target: { op: '>=', value: 0.7 },
};

/** Figure 7: streaming a 1 GiB signed file into the store. */
export const largeFileBenchmark: Benchmark<BenchContext> = {
  name: 'large-file',
  figures: [MEMORY, SPEED],
  run: largeFile,
};

const GiB = 1024 * MB;

interface Run {
  documentId: string;
  signedBytes: number;
  activityMs: number;
  curlMs: number;
  baselineRssMb: number;
  peakRssMb: number;
  growthMb: number;
  peakFrom: 'VmHWM' | 'samples';
}

async function largeFile(context: BenchContext) {
  const fillerBytes = context.quick ? 256 * MB : GiB;
  const runs = context.quick ? 2 : 3;

  return withResources(async (resources) => {
    const pdfPath = join(context.workDir, 'large.pdf');
    const pdfBytes = await writePdf(pdfPath, 'A very large contract', fillerBytes);
    resources.add('the large PDF', () => rm(pdfPath, { force: true }));
    const documents = await startDocumentServer();
    resources.add('the document server', () => documents.close());
    documents.addFile('large.pdf', pdfPath);

    const restPki = await startRestPki(resources, context, { maxFileBytes: pdfBytes + 64 * MB });
    const ours = await startOurs(resources, context, restPki, { gateway: false });
    const restPkiClient = new RestPkiClient({ endpoint: restPki.url, apiKey: restPki.apiKey, timeoutMs: 120_000 });

    const measured: Run[] = [];
    for (let index = 0; index < runs; index++) {
      const run = await oneRun(context, ours, restPkiClient, documents.urlOf('large.pdf'));
      measured.push(run);
      context.log(
        `  run ${index + 1}/${runs}: ${toMb(run.signedBytes)} MB in ${Math.round(run.activityMs)} ms (curl ${Math.round(run.curlMs)} ms), worker +${run.growthMb} MB`,
      );
    }
    const profile = await downloadProfile(context, ours, restPkiClient, measured.at(-1)!.documentId);

    const growth = Math.max(...measured.map((run) => run.growthMb));
    const activityMs = median(measured.map((run) => run.activityMs));
    const curlMs = median(measured.map((run) => run.curlMs));
    const size = measured[0]!.signedBytes;
    const speed = (ms: number) => `${Math.round(size / MB / (ms / 1000))} MB/s`;
    return [
      figure({
        ...MEMORY,
        value: growth,
        basis: `largest of ${runs} runs: worker resident set ${measured.map((run) => `${run.baselineRssMb} -> ${run.peakRssMb}`).join(', ')} MB`,
        detail: { runs: measured, signedFileMb: toMb(size) },
      }),
      figure({
        ...SPEED,
        value: curlMs / activityMs,
        basis: `ours ${speed(activityMs)} (${Math.round(activityMs)} ms) / curl ${speed(curlMs)} (${Math.round(curlMs)} ms), ${toMb(size)} MB, medians of ${runs}`,
        detail: {
          activityMs: measured.map((run) => round(run.activityMs)),
          curlMs: measured.map((run) => round(run.curlMs)),
          profile,
        },
      }),
    ];
  });
}

async function oneRun(context: BenchContext, ours: Ours, restPki: RestPkiClient, url: string): Promise<Run> {
  const applicationKey = uniqueKey('large');
  const session = await ours.sessions.start({
    applicationKey,
    documents: [{ name: 'large.pdf', url, signatureType: 'Pdf' }],
    returnUrl: APPLICATION_PAGE,
  });
  const returnUrl = await signOnPage(session.redirectUrl, { openPage: false });

  // The worker is idle now: its resident set before the download is the reference.
  await sleep(1000);
  const pid = ours.worker.pid;
  const before = (await readMemory(pid)).rss;
  const peakReset = await resetPeak(pid);
  const sampler = new MemorySampler(pid, 20);
  await ours.sessions.noteReturn(session.workflowId, signatureSessionIdOf(returnUrl));
  const result = await ours.sessions.result(applicationKey);
  await sampler.stop();
  const after = await readMemory(pid);
  if (result.outcome !== 'completed' || result.documents.length !== 1) {
    throw new Error(`Session ${applicationKey} ended ${result.outcome} with ${result.documents.length} documents`);
  }

  const download = lastSpan(await fetchHistory(ours.client, session.workflowId), 'downloadSignedDocuments');
  if (download?.startedMs == null || download.closedMs == null) throw new Error('No download activity in the history');
  const stored = result.documents[0]!;
  const peak = peakReset ? Math.max(after.hwm, sampler.maxRss) : sampler.maxRss;

  const curlMs = await curlDownload(context, restPki, stored.documentId, stored.size);
  await rm(join(ours.storeRoot, storageKeySegments(stored.storageKey)[0]), { recursive: true, force: true });
  return {
    documentId: stored.documentId,
    signedBytes: stored.size,
    activityMs: download.closedMs - download.startedMs,
    curlMs,
    baselineRssMb: toMb(before),
    peakRssMb: toMb(peak),
    growthMb: toMb(peak - before),
    peakFrom: peakReset ? 'VmHWM' : 'samples',
  };
}

/** `curl -o` of the document's signed file from a fresh URL; returns curl's own total time. */
async function curlDownload(context: BenchContext, restPki: RestPkiClient, documentId: string, size: number) {
  const document = await restPki.getDocument(documentId);
  const url = document.signedFile?.url ?? document.signedFile?.location;
  if (!url) throw new Error(`Document ${documentId} has no signed file URL`);
  const output = join(context.workDir, 'curl-output');
  try {
    const { stdout } = await promisify(execFile)('curl', ['-sS', '-o', output, '-w', '%{time_total}', url]);
    const written = (await stat(output)).size;
    if (written !== size) throw new Error(`curl wrote ${written} bytes instead of ${size}`);
    return Number(stdout.trim()) * 1000;
  } finally {
    await rm(output, { force: true });
  }
}

/**
 * Where the activity's time goes, measured in the benchmark process on the last session's file, each step twice (the
 * faster kept): the download through the client alone (bytes discarded), the same with SHA-256, the full `store.put`
 * (hash, writes, sync, record), a plain `node:http` GET discarding the bytes, and curl again, all from fresh URLs.
 */
async function downloadProfile(context: BenchContext, ours: Ours, restPki: RestPkiClient, documentId: string) {
  const freshUrl = async () => {
    const document = await restPki.getDocument(documentId);
    return document.signedFile?.url ?? document.signedFile?.location ?? '';
  };
  const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  const fastest = async (step: () => Promise<unknown>) => Math.min((await timed(step)).ms, (await timed(step)).ms);

  const clientDownload = await fastest(async () =>
    pipeline((await restPki.downloadFile(await freshUrl())).body, discard()),
  );
  const clientWithSha256 = await fastest(async () => {
    const hash = createHash('sha256');
    const body = (await restPki.downloadFile(await freshUrl())).body;
    await pipeline(body, new Writable({ write: (chunk: Buffer, _encoding, done) => (hash.update(chunk), done()) }));
  });
  const storePut = await fastest(async () => {
    const key = storageKeyFor({ workflowId: uniqueKey('profile'), documentId, fileName: 'large.pdf' });
    const download = await restPki.downloadFile(await freshUrl());
    await ours.store.put(key, download.body, { size: download.contentLength });
    await rm(join(ours.storeRoot, storageKeySegments(key)[0]), { recursive: true, force: true });
  });
  // What `store.put` could do instead of awaiting each chunk's write before reading the next: hash in a transform and
  // let a write stream with a large buffer write while the next chunks arrive; then sync, as the store does.
  const pipelinedPut = await fastest(async () => {
    const hash = createHash('sha256');
    const path = join(context.workDir, 'pipelined-put');
    const hashing = new Transform({
      transform: (chunk: Buffer, _encoding, done) => (hash.update(chunk), done(null, chunk)),
    });
    await pipeline(
      (await restPki.downloadFile(await freshUrl())).body,
      hashing,
      createWriteStream(path, { highWaterMark: MB }),
    );
    const handle = await open(path, 'r+');
    await handle.sync();
    await handle.close();
    await rm(path, { force: true });
  });
  const nodeHttp = await fastest(async () => {
    const url = await freshUrl();
    const response = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
    await pipeline(response, discard());
  });
  const size = (await restPki.getDocument(documentId)).signedFile?.length ?? 0;
  const curl = Math.min(
    await curlDownload(context, restPki, documentId, size),
    await curlDownload(context, restPki, documentId, size),
  );

  const profile = {
    inBenchmarkProcess: true,
    clientDownloadDiscardedMs: round(clientDownload),
    clientDownloadWithSha256Ms: round(clientWithSha256),
    clientDownloadIntoStorePutMs: round(storePut),
    clientDownloadIntoPipelinedWriteWithSyncMs: round(pipelinedPut),
    nodeHttpGetDiscardedMs: round(nodeHttp),
    curlMs: round(curl),
  };
  context.log(`  profile (ms, fastest of 2): ${JSON.stringify(profile)}`);
  return profile;
}
