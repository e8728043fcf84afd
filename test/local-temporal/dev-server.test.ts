/**
 * The Temporal dev server as `npm start` runs it: the project's own build of the CLI, its Web UI, the project's search
 * attributes, and a database file that keeps workflows across a restart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../../src/local-temporal/dev-server';
import { freePort } from '../../src/local-temporal/servers';
import { registerSearchAttributes } from '../../src/setup-search-attributes';
import { uniqueId } from '../helpers/temporal';

test('the dev server serves its Web UI and keeps workflows and search attributes across a restart', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'dev-server-'));
  const dbFilename = join(dataDir, 'temporal.db');
  const port = await freePort();
  const uiPort = await freePort();
  const workflowId = uniqueId('kept');
  try {
    const first = await startDevServer({ dbFilename, port, uiPort });
    const page = await fetch(first.uiUrl!);
    const html = await page.text();
    let connection = await Connection.connect({ address: first.address });
    await new Client({ connection }).workflow.start('neverRuns', { taskQueue: uniqueId('nobody'), workflowId });
    await connection.close();
    await first.stop();

    const second = await startDevServer({ dbFilename, port, uiPort: null });
    connection = await Connection.connect({ address: second.address });
    const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    const added = await registerSearchAttributes(connection, second.namespace);
    await connection.close();
    await second.stop();

    assert.equal(page.status, 200);
    assert.match(html, /<html/i);
    assert.equal(first.uiUrl, `http://127.0.0.1:${uiPort}`);
    assert.equal(description.status.name, 'RUNNING');
    assert.deepEqual(added, [], 'the search attributes were not registered at start');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
