/**
 * The Temporal dev server stopped and started again on the same database and port while sessions run: the worker
 * process, the test's client and the webhook receiver all lose Temporal for a while and must carry on once it is back.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { checkingClient } from './support/restpki';
import { startFaultRig, type FaultRig } from './support/rig';
import { resultsOf, runSessions } from './support/sessions';
import { checkFaultRun } from './support/store-check';

const SESSIONS = 48;
const OUTAGES = 2;

let rig: FaultRig;

before(async () => {
  rig = await startFaultRig({
    name: 'temporal-restart',
    persistentTemporal: true,
    receiver: { recordWaitMs: 3000 },
    restPki: { processingDurationMs: 1000, whenCompletedHoldMs: 1000, webhookRetryScheduleMs: [1000, 2000, 4000] },
    restPkiLogLevel: 'warn',
  });
});

after(async () => {
  await rig?.close();
});

let started = 0;

/**
 * Stops the server `OUTAGES` times, each once another share of the sessions has started (a third, then two thirds),
 * so that sessions are always in flight when it goes; each outage lasts 3 to 8 s. Returns when each began and ended.
 */
async function outages(): Promise<{ from: number; to: number }[]> {
  const windows: { from: number; to: number }[] = [];
  for (let outage = 0; outage < OUTAGES; outage++) {
    while (started < ((outage + 1) * SESSIONS) / (OUTAGES + 1)) await sleep(50);
    await sleep(Math.random() * 1000);
    const from = Date.now();
    await rig.temporal.stopServer();
    await sleep(3000 + Math.random() * 5000);
    await rig.temporal.startServer();
    windows.push({ from, to: Date.now() });
  }
  return windows;
}

test(
  'sessions end as their users acted and every signed file is stored once and whole, though the Temporal server is stopped and started again twice',
  { timeout: 10 * 60_000 },
  async (t) => {
    const startedAt = Date.now();

    const [driven, windows] = await Promise.all([runSessions(rig.driver, SESSIONS, 8, () => started++), outages()]);
    const results = await resultsOf(rig.driver, driven, 5 * 60_000);
    t.diagnostic(
      `all ${driven.length} sessions ended ${Math.round((Date.now() - startedAt) / 1000)} s after the start`,
    );

    assert.equal(driven.length, SESSIONS);
    assert.ok(rig.worker.running, 'the worker process exited while Temporal was away');
    assert.equal(rig.worker.starts, 1, 'the worker had to be started again');
    const spanning = driven.filter((session) => {
      const finishedAt = Date.parse(results.get(session.applicationKey)?.finishedAt ?? '');
      return windows.some((window) => session.startedAt < window.from && finishedAt > window.to);
    });
    const refused = rig.receiver.deliveries.filter((delivery) => delivery.status !== 200).length;
    t.diagnostic(`${spanning.length} sessions ran through an outage; ${refused} webhook deliveries were refused`);
    assert.ok(spanning.length > 0, 'no session was running when the server stopped: the test proved nothing');

    const check = await checkFaultRun(rig.store, checkingClient(rig.restPki), driven, results);
    assert.deepEqual(check.problems, []);
  },
);
