/**
 * Documents on disk. Every file is written to a temporary path first and renamed into place once complete, so a crash
 * never leaves half a document where a reader would find it; bytes are streamed, never held whole in memory.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Thrown while streaming when a file grows past the limit; the partial temporary file is removed. */
export class FileTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`The file is larger than ${limitBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/** Which of a document's files. */
export type FileKind = 'original' | 'signed';

/** A file streamed to a temporary path, waiting to be committed or discarded. */
export interface StagedFile {
  tempPath: string;
  length: number;
}

/** Writes `data` to `path` through a temporary file in the same folder and a rename. */
export async function writeFileAtomically(
  path: string,
  data: string | Buffer,
  options: { mode?: number } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tempPath = `${path}.${randomUUID()}.tmp`;
  const handle = await open(tempPath, 'w', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tempPath, path);
}

/** The document files under one data folder: `files/<document id>/{original,signed}`, staging in `tmp/`. */
export class FileStore {
  private readonly filesDir: string;
  private readonly tempDir: string;

  constructor(dataDir: string) {
    this.filesDir = join(dataDir, 'files');
    this.tempDir = join(dataDir, 'tmp');
  }

  /** Creates the folders and removes staging files a previous run left behind. */
  async open(): Promise<void> {
    await rm(this.tempDir, { recursive: true, force: true });
    await mkdir(this.tempDir, { recursive: true });
    await mkdir(this.filesDir, { recursive: true });
  }

  /** Where a document's file lives once committed. */
  pathOf(documentId: string, kind: FileKind): string {
    return join(this.filesDir, documentId, kind);
  }

  /** A fresh staging path, for a signer to write its output to. */
  tempPath(): string {
    return join(this.tempDir, randomUUID());
  }

  /** Streams `source` to a staging file, failing with {@link FileTooLargeError} past `limitBytes`. */
  async stage(source: Readable, limitBytes: number): Promise<StagedFile> {
    const tempPath = this.tempPath();
    let length = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        length += chunk.length;
        if (length > limitBytes) callback(new FileTooLargeError(limitBytes));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(tempPath));
    } catch (error) {
      await this.discard(tempPath);
      throw error;
    }
    return { tempPath, length };
  }

  /** Moves a staged file into place as a document's file. */
  async commit(tempPath: string, documentId: string, kind: FileKind): Promise<void> {
    const path = this.pathOf(documentId, kind);
    await mkdir(dirname(path), { recursive: true });
    await rename(tempPath, path);
  }

  /** Size in bytes of a staged or committed file. */
  async sizeOf(path: string): Promise<number> {
    return (await stat(path)).size;
  }

  /** Removes a staging file; missing files are fine. */
  async discard(tempPath: string): Promise<void> {
    await rm(tempPath, { force: true });
  }

  /** Opens a committed file for streaming to a client. */
  read(documentId: string, kind: FileKind): ReadStream {
    return createReadStream(this.pathOf(documentId, kind));
  }
}
