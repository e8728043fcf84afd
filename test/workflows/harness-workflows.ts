/** Workflows that exist only to prove the test harness: a long timer and a search attribute upsert. */
import { sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SESSION_STATUS } from '../../src/search-attributes';

export async function sleepsForTwoDays(): Promise<string> {
  const startedAt = Date.now();
  await sleep('2 days');
  return `slept ${Math.round((Date.now() - startedAt) / 3_600_000)} hours as ${workflowInfo().workflowId}`;
}

export async function marksItselfWaiting(): Promise<void> {
  await sleep(1);
  upsertSearchAttributes([{ key: SESSION_STATUS, value: 'waiting-for-user' }]);
}
