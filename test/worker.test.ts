import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WORKER_NODE_FLAGS } from '../src/worker';

test('npm run worker starts node with the heap cap the worker documents, before the worker module', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = manifest.scripts.worker!.split(/\s+/);

  assert.equal(words[0], 'node');
  const entry = words.indexOf('src/worker.ts');
  assert.ok(entry > 0, manifest.scripts.worker);
  for (const flag of WORKER_NODE_FLAGS) {
    const at = words.indexOf(flag);
    assert.ok(at > 0 && at < entry, `${flag} is not given to node before src/worker.ts: ${manifest.scripts.worker}`);
  }
});
