import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { SESSION_STATUS } from '../src/search-attributes';
import { marksItselfWaiting, sleepsForTwoDays } from './workflows/harness-workflows';
import { createDevServerEnv, createTimeSkippingEnv, uniqueId, workflowBundle } from './helpers/temporal';

const workflowsPath = require.resolve('./workflows/harness-workflows');

describe('on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('a two-day timer completes in seconds of real time', async () => {
    const taskQueue = uniqueId('harness');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(workflowsPath),
    });
    const startedAt = Date.now();

    const result = await worker.runUntil(
      env.client.workflow.execute(sleepsForTwoDays, { taskQueue, workflowId: uniqueId('sleeper') }),
    );

    assert.match(result, /^slept 48 hours as sleeper-/);
    assert.ok(Date.now() - startedAt < 30_000, `took ${Date.now() - startedAt} ms of real time`);
  });
});

describe('on the dev server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createDevServerEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('a workflow is found by a visibility query on a custom search attribute', async () => {
    const taskQueue = uniqueId('harness');
    const workflowId = uniqueId('visible');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(workflowsPath),
    });
    await worker.runUntil(env.client.workflow.execute(marksItselfWaiting, { taskQueue, workflowId }));

    const query = `${SESSION_STATUS.name} = 'waiting-for-user' AND WorkflowId = '${workflowId}'`;
    const found: string[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      for await (const execution of env.client.workflow.list({ query })) found.push(execution.workflowId);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }

    assert.deepEqual(found, [workflowId]);
  });
});
