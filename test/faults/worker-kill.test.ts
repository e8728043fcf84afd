/**
 * The worker killed with SIGKILL at random moments while 200 sessions run, and started again each time. Everything is
 * real: the Temporal dev server, worker processes, the local Rest PKI Core over HTTP (its webhooks going to a receiver
 * that records them in Temporal), the signing page played over HTTP, and a filesystem store.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { lostWorkOf } from './support/histories';
import { checkingClient } from './support/restpki';
import { startFaultRig, type FaultRig } from './support/rig';
import { resultsOf, runSessions, SESSION_KINDS, type DrivenSession } from './support/sessions';
import { checkFaultRun } from './support/store-check';

const SESSIONS = 200;
const KILLS = 5;

let rig: FaultRig;

before(async () => {
  rig = await startFaultRig({
    name: 'worker-kill',
    restPki: { processingDurationMs: 1000, whenCompletedHoldMs: 1000, webhookRetryScheduleMs: [500, 1000, 2000] },
    restPkiLogLevel: 'warn',
  });
});

after(async () => {
  await rig?.close();
});

/** Kills the worker `KILLS` times, 3 to 9 s after each start, and starts it again within a second. */
async function killAtRandomMoments(): Promise<void> {
  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(3000 + Math.random() * 6000);
    await rig.worker.kill();
    await sleep(Math.random() * 1000);
    await rig.worker.start();
  }
}

test(
  '200 sessions end as their users acted and every signed file is stored once and whole, though the worker is killed with SIGKILL five times',
  { timeout: 10 * 60_000 },
  async (t) => {
    const startedAt = Date.now();

    const [driven] = await Promise.all([runSessions(rig.driver, SESSIONS, 16), killAtRandomMoments()]);
    const results = await resultsOf(rig.driver, driven, 5 * 60_000);
    t.diagnostic(
      `all ${driven.length} sessions ended ${Math.round((Date.now() - startedAt) / 1000)} s after the start`,
    );

    assert.equal(driven.length, SESSIONS);
    assert.equal(rig.worker.kills, KILLS);
    const lost = await lostWorkOf(rig.temporal.client, driven);
    t.diagnostic(`${lost} sessions had a workflow task or an activity lost to a kill and done again`);
    assert.ok(lost > 0, 'no kill hit a session in the middle of its work: the test proved nothing');

    for (const kind of SESSION_KINDS) {
      assert.ok(driven.filter((session: DrivenSession) => session.kind === kind).length >= 30, `too few ${kind}`);
    }
    const check = await checkFaultRun(rig.store, checkingClient(rig.restPki), driven, results);
    t.diagnostic(`${check.leftovers} invisible leftovers of interrupted writes before the cleanup`);
    assert.deepEqual(check.problems, []);
  },
);
