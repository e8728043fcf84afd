import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { displayFileName, storageKeyFor, type StorageKey } from '../../src/storage/document-store';
import {
  DocumentNotStoredError,
  DocumentSizeMismatchError,
  DocumentStoreError,
  InvalidStorageKeyError,
  NON_RETRYABLE_STORAGE_ERRORS,
} from '../../src/storage/errors';
import { FilesystemDocumentStore } from '../../src/storage/filesystem-store';
import { loadDocumentStoreSettings } from '../../src/storage/settings';

let scratch: string;
let counter = 0;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'document-store-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function freshStore(): FilesystemDocumentStore {
  counter++;
  return new FilesystemDocumentStore(join(scratch, `store-${counter}`));
}

function keyFor(documentId: string, fileName = 'contract.pdf'): StorageKey {
  return storageKeyFor({ workflowId: 'signature-session-test', documentId, fileName });
}

/** Every file under `folder`, as paths relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(folder, join(entry.parentPath, entry.name)));
}

/** A source of `chunks` chunks of 64 KiB of random bytes, with their expected digest and size. */
function randomSource(chunks: number): { source: AsyncIterable<Uint8Array>; sha256: string; size: number } {
  const parts = Array.from({ length: chunks }, () => randomBytes(64 * 1024));
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  async function* source(): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      await new Promise((resolve) => setImmediate(resolve));
      yield part;
    }
  }
  return { source: source(), sha256: hash.digest('hex'), size: chunks * 64 * 1024 };
}

/** A readable that records whether anything read from it and whether it was destroyed. */
function watchedReadable(content: string): { stream: Readable; wasRead: () => boolean } {
  let read = false;
  const stream = new Readable({
    read() {
      read = true;
      this.push(content);
      this.push(null);
    },
  });
  return { stream, wasRead: () => read };
}

describe('the filesystem document store', () => {
  test('streams a multi-megabyte file and records its SHA-256 and size', async () => {
    const store = freshStore();
    const { source, sha256, size } = randomSource(80);
    const key = keyFor('3f0c9a6e-0000-4000-8000-000000000001');

    const stored = await store.put(key, source, { size, contentType: 'application/pdf' });

    assert.equal(stored.sha256, sha256);
    assert.equal(stored.size, size);
    assert.equal(stored.key, key.id);
    assert.equal(stored.fileName, 'contract.pdf');
    assert.equal(stored.contentType, 'application/pdf');
    assert.ok(!Number.isNaN(Date.parse(stored.storedAt)));
    assert.deepEqual(await store.stat(key.id), stored);
    const readBack = createHash('sha256');
    for await (const chunk of await store.open(key.id)) readBack.update(chunk as Buffer);
    assert.equal(readBack.digest('hex'), sha256);
    const files = await filesUnder(store.root);
    assert.deepEqual(files.sort(), [join(key.id, `${sha256}.bin`), join(key.id, 'record.json')].sort());
  });

  test('a second put of a stored key writes nothing and abandons its source unread', async () => {
    const store = freshStore();
    const key = keyFor('3f0c9a6e-0000-4000-8000-000000000002');
    const first = await store.put(key, Readable.from([Buffer.from('the signed bytes')]));
    const contentPath = join(store.root, key.id, `${first.sha256}.bin`);
    const before = await stat(contentPath);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const second = watchedReadable('other bytes that must not be written');
    const again = await store.put(key, second.stream);

    assert.deepEqual(again, first);
    assert.equal(second.wasRead(), false);
    assert.equal(second.stream.destroyed, true);
    assert.equal((await stat(contentPath)).mtimeMs, before.mtimeMs);
    assert.equal(await readFile(contentPath, 'utf8'), 'the signed bytes');
    assert.equal((await filesUnder(store.root)).length, 2);
  });

  test('a source that fails midway leaves neither bytes nor a record, and its error passes through', async () => {
    const store = freshStore();
    const key = keyFor('3f0c9a6e-0000-4000-8000-000000000003');
    const broken = new Error('the download broke off');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(512 * 1024);
      await new Promise((resolve) => setImmediate(resolve));
      yield randomBytes(512 * 1024);
      throw broken;
    }

    await assert.rejects(store.put(key, failing()), (error) => error === broken);

    assert.equal(await store.stat(key), undefined);
    await assert.rejects(store.open(key), DocumentNotStoredError);
    assert.deepEqual(await filesUnder(store.root), []);
  });

  test('a root the file system refuses gives a retryable DocumentStoreError naming the key, not the content', async () => {
    // Tests run as root, for whom permission bits do not stop writes; a path through a regular file fails for anyone.
    const blocker = join(scratch, `blocker-${++counter}`);
    await writeFile(blocker, 'a regular file where the store expects a folder');
    const store = new FilesystemDocumentStore(join(blocker, 'documents'));
    const key = keyFor('3f0c9a6e-0000-4000-8000-000000000004');
    const source = watchedReadable('confidential contract text');

    const error = await store.put(key, source.stream).catch((thrown: unknown) => thrown);

    assert.ok(error instanceof DocumentStoreError, `got ${String(error)}`);
    assert.equal(error.name, 'DocumentStoreError');
    assert.equal(error.code, 'ENOTDIR');
    assert.equal(error.key, key.id);
    assert.match(error.message, new RegExp(key.id));
    assert.doesNotMatch(error.message, /confidential/);
    assert.ok(error.cause instanceof Error);
    assert.ok(!NON_RETRYABLE_STORAGE_ERRORS.includes(error.name));
    assert.equal(source.stream.destroyed, true);
  });

  test('hostile names land inside the root, never steer the path, and distinct documents never collide', async () => {
    const store = freshStore();
    const hostile = [
      '../../etc/passwd',
      '/etc/passwd',
      'a/b',
      'a\\b',
      'nul\u0000byte',
      '..',
      '.',
      'CON',
      'con',
      'x'.repeat(10_000),
      'contrato de prestação 📄.pdf',
      'invoice\u202Efdp.exe',
    ];
    const stored = new Map<string, string>();

    for (const [index, name] of hostile.entries()) {
      for (const key of [
        storageKeyFor({ workflowId: name, documentId: `doc-${index}`, fileName: name }),
        storageKeyFor({ workflowId: `workflow-${index}`, documentId: name, fileName: name }),
      ]) {
        const document = await store.put(key, Readable.from([Buffer.from(`${key.id} bytes`)]));
        assert.equal(stored.has(key.id), false, `two documents share ${key.id}`);
        stored.set(key.id, document.sha256);
        assert.equal(document.fileName, displayFileName(name));
        assert.equal(await text(await store.open(key.id)), `${key.id} bytes`);
      }
    }

    for (const file of await filesUnder(store.root)) {
      assert.ok(!file.startsWith('..') && !file.includes(`..${sep}`), `${file} escapes the root`);
      assert.equal(file.split(sep).length, 3, `${file} is not <workflow>/<document>/<file>`);
    }
    assert.equal(displayFileName('../../etc/passwd'), '.._.._etc_passwd');
    assert.equal(displayFileName('nul\u0000byte'), 'nulbyte');
    assert.equal(displayFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
    assert.equal(displayFileName('x'.repeat(10_000)).length, 200);
    assert.equal(displayFileName('contrato de prestação 📄.pdf'), 'contrato de prestação 📄.pdf');
    assert.equal(displayFileName('..'), 'document');
  });

  test('the key depends on the workflow and the document only, and distinct pairs always get distinct keys', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, unit: 'binary' }), fc.string({ minLength: 1 })), {
          minLength: 2,
          maxLength: 20,
          selector: ([workflowId, documentId]) => JSON.stringify([workflowId, documentId]),
        }),
        fc.string(),
        (pairs, fileName) => {
          const ids = pairs.map(([workflowId, documentId]) => storageKeyFor({ workflowId, documentId, fileName }).id);
          assert.equal(new Set(ids).size, pairs.length);
          for (const id of ids) assert.match(id, /^[a-z0-9-]+\/[a-z0-9-]+$/);
          const [workflowId, documentId] = pairs[0]!;
          assert.equal(storageKeyFor({ workflowId, documentId, fileName: 'other.pdf' }).id, ids[0]);
        },
      ),
    );
  });

  test('a size other than the expected one stores nothing', async () => {
    const store = freshStore();
    const key = keyFor('3f0c9a6e-0000-4000-8000-000000000005');

    await assert.rejects(
      store.put(key, Readable.from([Buffer.from('eleven byte')]), { size: 10 }),
      (error) => error instanceof DocumentSizeMismatchError && error.expectedSize === 10,
    );
    await assert.rejects(
      store.put(key, Readable.from([Buffer.from('eleven byte')]), { size: 12 }),
      (error) => error instanceof DocumentSizeMismatchError && error.actualSize === 11,
    );

    assert.equal(await store.stat(key), undefined);
    assert.deepEqual(await filesUnder(store.root), []);
    const stored = await store.put(key, Readable.from([Buffer.from('eleven byte')]), { size: 11 });
    assert.equal(stored.size, 11);
  });

  test('concurrent puts of one key leave exactly one document, the first committed', async () => {
    const store = freshStore();
    const key = keyFor('3f0c9a6e-0000-4000-8000-000000000006');
    const sources = Array.from({ length: 6 }, (_, index) => randomSource(4 + index).source);

    const results = await Promise.all(sources.map((source) => store.put(key, source)));

    const winner = await store.stat(key);
    assert.ok(winner);
    for (const result of results) assert.deepEqual(result, winner);
    assert.deepEqual((await filesUnder(store.root)).sort(), [
      join(key.id, `${winner.sha256}.bin`),
      join(key.id, 'record.json'),
    ]);
    const readBack = createHash('sha256');
    for await (const chunk of await store.open(key)) readBack.update(chunk as Buffer);
    assert.equal(readBack.digest('hex'), winner.sha256);
  });

  test('opening a key never stored, or a key not built by storageKeyFor, throws a named error', async () => {
    const store = freshStore();

    await assert.rejects(store.open(keyFor('never-stored')), (error) => {
      assert.ok(error instanceof DocumentNotStoredError);
      assert.ok(NON_RETRYABLE_STORAGE_ERRORS.includes(error.name));
      return true;
    });
    for (const forged of ['../../etc/passwd', 'a/b', `${'a'.repeat(64)}/../${'b'.repeat(64)}`, '']) {
      await assert.rejects(store.open(forged), InvalidStorageKeyError);
      await assert.rejects(store.stat(forged), InvalidStorageKeyError);
    }
  });

  test('leftovers of an interrupted put are never seen as documents, and old ones are cleaned up', async () => {
    const store = freshStore();
    const stored = keyFor('3f0c9a6e-0000-4000-8000-000000000007');
    const crashed = keyFor('3f0c9a6e-0000-4000-8000-000000000008');
    const kept = await store.put(stored, Readable.from([Buffer.from('complete')]));
    const crashedFolder = join(store.root, crashed.id);
    await mkdir(crashedFolder, { recursive: true });
    await writeFile(join(crashedFolder, '.tmp-interrupted'), 'half of a file');
    await writeFile(join(crashedFolder, `${'0'.repeat(64)}.bin`), 'bytes renamed before the crash');
    await writeFile(join(store.root, stored.id, '.tmp-fresh'), 'a put still streaming');

    assert.equal(await store.stat(crashed), undefined);
    await assert.rejects(store.open(crashed), DocumentNotStoredError);

    const anHourAgo = new Date(Date.now() - 3_600_000);
    for (const name of ['.tmp-interrupted', `${'0'.repeat(64)}.bin`]) {
      await utimes(join(crashedFolder, name), anHourAgo, anHourAgo);
    }
    assert.equal(await store.cleanupStaleTemporaryFiles(60_000), 2);
    assert.deepEqual(await filesUnder(crashedFolder), []);
    assert.deepEqual((await filesUnder(join(store.root, stored.id))).sort(), [
      '.tmp-fresh',
      `${kept.sha256}.bin`,
      'record.json',
    ]);
    assert.deepEqual(await store.stat(stored), kept);
  });

  test('the store folder defaults to .data/documents and follows DOCUMENT_STORE_ROOT', () => {
    assert.deepEqual(loadDocumentStoreSettings({}), { root: '.data/documents' });
    assert.deepEqual(loadDocumentStoreSettings({ DOCUMENT_STORE_ROOT: '/srv/documents' }), { root: '/srv/documents' });
  });
});
