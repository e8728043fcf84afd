/**
 * The local Rest PKI Core made unreliable by its fault settings while sessions run: a share of API calls answered 500,
 * every answer delayed, and for a while answers slower than the activities' one-minute start-to-close timeout; webhooks
 * dropped, each delivered three times (the answer to the first one is lost, and the retry is sent twice) and held back
 * at random so they arrive out of order. The worker's client is given a 2-minute call timeout so that it is the
 * activity's own timeout that cuts the slow calls.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { type FaultSettings } from '../../src/local-restpki';
import { localActivitiesOf, retriedActivitiesOf } from './support/histories';
import { checkingClient } from './support/restpki';
import { startFaultRig, type FaultRig } from './support/rig';
import { actOn, resultsOf, startSessions } from './support/sessions';
import { checkFaultRun } from './support/store-check';

const SESSIONS = 24;

/** The read activity's start-to-close timeout is one minute: the slow phase answers after 65 s. */
const READ_TIMEOUT_MS = 60_000;
const SLOWER_THAN_THE_ACTIVITY_TIMEOUT_MS = 65_000;
/** Long enough for every call made at its start to time out once and be tried again. */
const SLOW_PHASE_MS = 78_000;

const WEBHOOK_FAULTS: Partial<FaultSettings> = {
  webhookDropRate: 0.3,
  webhookDuplicateRate: 1,
  webhookReorderMaxDelayMs: 4000,
};
const FLAKY: Partial<FaultSettings> = { errorRate: 0.25, latencyMs: 300, ...WEBHOOK_FAULTS };
const SLOW: Partial<FaultSettings> = { latencyMs: SLOWER_THAN_THE_ACTIVITY_TIMEOUT_MS, ...WEBHOOK_FAULTS };

let rig: FaultRig;

before(async () => {
  rig = await startFaultRig({
    name: 'unreliable-restpki',
    receiver: { loseFirstAnswer: true },
    restPki: {
      processingDurationMs: 1000,
      whenCompletedHoldMs: 1000,
      webhookRetryScheduleMs: [300, 1000],
      faults: FLAKY,
    },
    restPkiLogLevel: 'info',
    worker: { restPkiTimeout: '120s' },
  });
});

after(async () => {
  await rig?.close();
});

/** Pairs of documents whose first webhook deliveries arrived in the opposite order of their signing. */
function outOfOrderPairs(signedAt: Map<string, number>, firstArrival: Map<string, number>): number {
  const documents = [...signedAt.keys()].filter((documentId) => firstArrival.has(documentId));
  let pairs = 0;
  for (const a of documents) {
    for (const b of documents) {
      if (signedAt.get(a)! < signedAt.get(b)! && firstArrival.get(a)! > firstArrival.get(b)!) pairs++;
    }
  }
  return pairs;
}

test(
  'sessions end as their users acted and every signed file is stored once and whole, though Rest PKI Core fails, stalls past the activity timeout, and drops, repeats and reorders webhooks',
  { timeout: 10 * 60_000 },
  async (t) => {
    const startedAt = Date.now();

    const driven = await startSessions(rig.driver, SESSIONS, 6);
    await rig.restPki.restart({ faults: SLOW });
    const acting = Promise.all(driven.map((session) => actOn(rig.driver, session)));
    await sleep(SLOW_PHASE_MS);
    await rig.restPki.restart({ faults: FLAKY });
    const signedAt = await acting;
    const results = await resultsOf(rig.driver, driven, 5 * 60_000);
    t.diagnostic(
      `all ${driven.length} sessions ended ${Math.round((Date.now() - startedAt) / 1000)} s after the start`,
    );

    // A read is a local activity: its marker records the attempt that answered and when the first one was scheduled.
    const outlasted = (await localActivitiesOf(rig.temporal.client, driven)).filter(
      (activity) =>
        activity.activity === 'readSignatureSession' && activity.attempt >= 2 && activity.spanMs >= READ_TIMEOUT_MS,
    );
    const refused = (await retriedActivitiesOf(rig.temporal.client, driven)).filter((activity) =>
      /\b500\b/.test(activity.message),
    );
    t.diagnostic(`${outlasted.length} reads outlasted their timeout in the slow phase; ${refused.length} met a 500`);
    assert.ok(outlasted.length > 0, 'no read activity outlasted its start-to-close timeout and was tried again');
    assert.ok(refused.length > 0, 'no activity met an injected 500');

    const deliveriesPerDocument = new Map<string, number>();
    const firstArrival = new Map<string, number>();
    for (const delivery of rig.receiver.deliveries) {
      deliveriesPerDocument.set(delivery.documentId, (deliveriesPerDocument.get(delivery.documentId) ?? 0) + 1);
      if (!firstArrival.has(delivery.documentId)) firstArrival.set(delivery.documentId, delivery.at);
    }
    const documentSignedAt = new Map<string, number>();
    driven.forEach((session, index) => {
      const at = signedAt[index];
      if (at === null || at === undefined || session.kind === 'sign-webhook-only') return;
      for (const document of results.get(session.applicationKey)?.documents ?? []) {
        documentSignedAt.set(document.documentId, at);
      }
    });
    const dropped = rig.restPki.logLines.filter((line) => line.includes('dropped on purpose')).length;
    const reordered = outOfOrderPairs(documentSignedAt, firstArrival);
    t.diagnostic(`${dropped} webhook deliveries dropped; ${reordered} pairs of documents announced out of order`);
    assert.ok(dropped > 0, 'no webhook delivery was dropped');
    assert.ok(
      [...deliveriesPerDocument.values()].some((count) => count >= 3),
      'no webhook arrived three times',
    );
    assert.ok(reordered > 0, 'every webhook arrived in the order its document was signed');

    await rig.restPki.restart({ faults: {} });
    const check = await checkFaultRun(rig.store, checkingClient(rig.restPki), driven, results);
    assert.deepEqual(check.problems, []);
  },
);
