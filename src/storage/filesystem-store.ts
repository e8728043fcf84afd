/**
 * The document store on a local (or mounted) file system. Each document has a folder `<root>/<workflow>/<document>/`
 * holding its bytes as `<sha256>.bin` and its record as `record.json`; the record is the commit point.
 *
 * A put streams into a temporary file `.tmp-<uuid>` beside them (hashing and counting as it goes), syncs it, renames
 * it to `<sha256>.bin`, then writes the record to its own temporary file and hard-links it to `record.json`. The link
 * fails if a record exists, so among concurrent puts of one key the first to commit wins and the others return its
 * record. A crash leaves at most temporary files or an unreferenced `.bin`, which no reader sees as a document and
 * {@link FilesystemDocumentStore.cleanupStaleTemporaryFiles} removes. The file system must support hard links.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type FileHandle, link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type Readable } from 'node:stream';
import { z } from 'zod';
import {
  type DocumentStore,
  type PutOptions,
  type StorageKey,
  type StoredDocument,
  storageKeySegments,
} from './document-store';
import { DocumentNotStoredError, DocumentSizeMismatchError, DocumentStoreError, systemErrorCode } from './errors';

const RECORD_FILE = 'record.json';
const TEMPORARY_PREFIX = '.tmp-';

const recordSchema = z.object({
  formatVersion: z.literal(1),
  key: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  storedAt: z.string(),
  fileName: z.string(),
  contentType: z.string().nullable(),
});
type StoredRecord = z.infer<typeof recordSchema>;

/** A {@link DocumentStore} in a folder of the local file system. */
export class FilesystemDocumentStore implements DocumentStore {
  /** The absolute path of the store's folder; created on the first put. */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(
    key: StorageKey,
    source: Readable | AsyncIterable<Uint8Array>,
    options: PutOptions = {},
  ): Promise<StoredDocument> {
    let folder: string;
    let existing: StoredDocument | undefined;
    try {
      folder = this.#folderOf(key);
      existing = await this.stat(key);
      if (!existing) await this.#fs('create the folder of', key.id, () => mkdir(folder, { recursive: true }));
    } catch (error) {
      abandon(source);
      throw error;
    }
    if (existing) {
      abandon(source);
      return existing;
    }

    const temporaryPath = join(folder, `${TEMPORARY_PREFIX}${randomUUID()}`);
    let written: { sha256: string; size: number };
    try {
      written = await this.#writeTemporary(temporaryPath, key.id, source, options.size);
      await this.#fs('name the bytes of', key.id, () =>
        rename(temporaryPath, join(folder, contentFile(written.sha256))),
      );
    } catch (error) {
      await rm(temporaryPath, { force: true }).catch(() => undefined);
      throw error;
    }

    const record: StoredRecord = {
      formatVersion: 1,
      key: key.id,
      sha256: written.sha256,
      size: written.size,
      storedAt: new Date().toISOString(),
      fileName: key.fileName,
      contentType: options.contentType ?? null,
    };
    const winner = await this.#commit(folder, key.id, record);
    if (winner.sha256 !== record.sha256) {
      // Another put of this key committed different bytes first; ours are referenced by no record.
      await rm(join(folder, contentFile(record.sha256)), { force: true }).catch(() => undefined);
    }
    return winner;
  }

  async stat(key: StorageKey | string): Promise<StoredDocument | undefined> {
    const id = typeof key === 'string' ? key : key.id;
    const record = await this.#readRecord(this.#folderOf(key), id);
    return record && toStoredDocument(record);
  }

  async open(key: StorageKey | string): Promise<Readable> {
    const id = typeof key === 'string' ? key : key.id;
    const folder = this.#folderOf(key);
    const record = await this.#readRecord(folder, id);
    if (!record) throw new DocumentNotStoredError(id);

    const handle = await this.#fs('open', id, () => open(join(folder, contentFile(record.sha256)), 'r'));
    return handle.createReadStream();
  }

  /**
   * Removes what interrupted puts left behind: temporary files, and bytes that no record references, when last
   * written more than `olderThanMs` ago (keep it well above the longest download). Returns how many files it removed.
   */
  async cleanupStaleTemporaryFiles(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const folder of await this.#documentFolders()) {
      let record: StoredRecord | undefined;
      try {
        record = await this.#readRecord(folder, relative(this.root, folder));
      } catch {
        // A record we cannot read may still reference its bytes: leave the folder to an operator.
        continue;
      }
      const entries = await readdir(folder).catch(() => [] as string[]);
      for (const entry of entries) {
        const leftover =
          entry.startsWith(TEMPORARY_PREFIX) || (entry.endsWith('.bin') && entry !== contentFile(record?.sha256 ?? ''));
        if (!leftover) continue;
        const path = join(folder, entry);
        const info = await stat(path).catch(() => undefined);
        if (info && info.mtimeMs < cutoff) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  #folderOf(key: StorageKey | string): string {
    return join(this.root, ...storageKeySegments(key));
  }

  async #documentFolders(): Promise<string[]> {
    const folders: string[] = [];
    const workflows = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const workflow of workflows.filter((entry) => entry.isDirectory())) {
      const documents = await readdir(join(this.root, workflow.name), { withFileTypes: true }).catch(() => []);
      for (const document of documents.filter((entry) => entry.isDirectory())) {
        folders.push(join(this.root, workflow.name, document.name));
      }
    }
    return folders;
  }

  /** Streams the source into a new file, checking the size as it goes; the source's own errors pass unchanged. */
  async #writeTemporary(
    path: string,
    id: string,
    source: Readable | AsyncIterable<Uint8Array>,
    expectedSize: number | undefined,
  ): Promise<{ sha256: string; size: number }> {
    let handle: FileHandle;
    try {
      handle = await this.#fs('create a temporary file for', id, () => open(path, 'wx', 0o644));
    } catch (error) {
      abandon(source);
      throw error;
    }
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(bytes);
        size += bytes.byteLength;
        if (expectedSize !== undefined && size > expectedSize) {
          throw new DocumentSizeMismatchError(id, expectedSize, size);
        }
        await this.#fs('write', id, () => writeFully(handle, bytes));
      }
      await this.#fs('sync', id, () => handle.sync());
    } finally {
      await handle.close().catch(() => undefined);
    }

    if (expectedSize !== undefined && size !== expectedSize)
      throw new DocumentSizeMismatchError(id, expectedSize, size);
    return { sha256: hash.digest('hex'), size };
  }

  /** Makes the record visible unless another put did first; returns the record that is visible now. */
  async #commit(folder: string, id: string, record: StoredRecord): Promise<StoredDocument> {
    const temporaryPath = join(folder, `${TEMPORARY_PREFIX}${randomUUID()}.json`);
    try {
      await this.#fs('write the record of', id, async () => {
        const handle = await open(temporaryPath, 'wx', 0o644);
        try {
          await writeFile(handle, JSON.stringify(record));
          await handle.sync();
        } finally {
          await handle.close();
        }
      });

      try {
        await link(temporaryPath, join(folder, RECORD_FILE));
      } catch (error) {
        if (systemErrorCode(error) !== 'EEXIST') throw new DocumentStoreError('commit the record of', id, error);
        const winner = await this.#readRecord(folder, id);
        if (!winner) throw new DocumentStoreError('read the record of', id, error);
        return toStoredDocument(winner);
      }
      await syncFolder(folder);
      return toStoredDocument(record);
    } finally {
      await rm(temporaryPath, { force: true }).catch(() => undefined);
    }
  }

  async #readRecord(folder: string, id: string): Promise<StoredRecord | undefined> {
    let text: string;
    try {
      text = await readFile(join(folder, RECORD_FILE), 'utf8');
    } catch (error) {
      const code = systemErrorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new DocumentStoreError('read the record of', id, error);
    }

    try {
      return recordSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new DocumentStoreError('read the damaged record of', id, error);
    }
  }

  /** Runs a file system call, naming the key in the error it may throw. */
  async #fs<T>(action: string, id: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new DocumentStoreError(action, id, error);
    }
  }
}

function contentFile(sha256: string): string {
  return `${sha256}.bin`;
}

function toStoredDocument(record: StoredRecord): StoredDocument {
  return {
    key: record.key,
    sha256: record.sha256,
    size: record.size,
    storedAt: record.storedAt,
    fileName: record.fileName,
    contentType: record.contentType,
  };
}

async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Makes renames and links in `folder` durable; platforms that cannot sync a folder skip it. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/** Stops a source we will not read, so that a download behind it is cancelled rather than left hanging. */
function abandon(source: Readable | AsyncIterable<Uint8Array>): void {
  if ('destroy' in source && typeof source.destroy === 'function') {
    source.destroy();
    return;
  }
  void source[Symbol.asyncIterator]()
    .return?.()
    ?.catch(() => undefined);
}
