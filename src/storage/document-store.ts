/**
 * The document store: where signed files land after download, addressed by keys that activities return instead of
 * bytes. A key is derived from the workflow ID and the Rest PKI Core document ID only; the file's own name is kept as
 * metadata and can never steer where the bytes go.
 */
import { createHash } from 'node:crypto';
import { type Readable } from 'node:stream';
import { InvalidStorageKeyError } from './errors';

/** Where a document is stored, with the file name to show for it. Build it with {@link storageKeyFor}. */
export interface StorageKey {
  /** `<workflow segment>/<document segment>`, each of lowercase letters, digits and `-`; what `StoredDocument.key` is. */
  readonly id: string;
  /** The original file name, cleaned for display: metadata only. */
  readonly fileName: string;
}

/** A stored document: enough to find it and check its bytes, never the bytes themselves. */
export interface StoredDocument {
  /** The storage key's `id`: pass it to `stat` and `open`. */
  key: string;
  /** SHA-256 of the bytes, lowercase hex. */
  sha256: string;
  size: number;
  /** When the document was stored, ISO 8601. */
  storedAt: string;
  fileName: string;
  contentType: string | null;
}

/** What the caller knows about the bytes it hands to `put`. */
export interface PutOptions {
  /** The size the bytes must have (a download's announced length); a mismatch stores nothing. */
  size?: number;
  contentType?: string;
}

/** Stores documents under keys, each written once: a reader sees either nothing or the whole file and its digest. */
export interface DocumentStore {
  /**
   * Stores the bytes of `source` under `key`, computing their digest and size while streaming. If the key already
   * holds a document, nothing is written: the source is abandoned (destroyed, not read) and the existing record is
   * returned. Errors of the source pass through unchanged, and nothing is stored.
   */
  put(key: StorageKey, source: Readable | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<StoredDocument>;
  /** The stored document's record, or `undefined` if the key holds none. */
  stat(key: StorageKey | string): Promise<StoredDocument | undefined>;
  /** Opens the stored bytes for reading; throws `DocumentNotStoredError` if the key holds none. */
  open(key: StorageKey | string): Promise<Readable>;
}

/** What a storage key is derived from. */
export interface StorageKeyInput {
  workflowId: string;
  /** The Rest PKI Core document ID. */
  documentId: string;
  /** The file's name as the service gave it; any characters, cleaned for display. */
  fileName: string | null | undefined;
}

/** One path segment: a readable prefix (at most 40 characters) and the SHA-256 of the full value, which decides. */
const SEGMENT_PATTERN = /^(?:[a-z0-9]+(?:-[a-z0-9]+)*-)?[0-9a-f]{64}$/;
const MAX_FILE_NAME_LENGTH = 200;

/**
 * The storage key of a document of a workflow. Each segment ends with the SHA-256 of its whole value, so two
 * different (workflowId, documentId) pairs never share a key, and the readable prefix before it is reduced to
 * `[a-z0-9-]`, so no value can reach outside the store or collide on a case-insensitive file system.
 */
export function storageKeyFor(input: StorageKeyInput): StorageKey {
  if (!input.workflowId) throw new InvalidStorageKeyError('the workflow ID is empty');
  if (!input.documentId) throw new InvalidStorageKeyError('the document ID is empty');
  return {
    id: `${segmentFor(input.workflowId)}/${segmentFor(input.documentId)}`,
    fileName: displayFileName(input.fileName),
  };
}

/** Checks a key given as a string (from a workflow's result, say) and returns its two path segments. */
export function storageKeySegments(key: StorageKey | string): [string, string] {
  const id = typeof key === 'string' ? key : key.id;
  const segments = id.split('/');
  if (segments.length !== 2 || !segments.every((segment) => SEGMENT_PATTERN.test(segment))) {
    throw new InvalidStorageKeyError('expected two segments of the form storageKeyFor builds');
  }
  return segments as [string, string];
}

/**
 * A file name fit for display: Unicode NFC, without control or invisible formatting characters (such as the
 * right-to-left override used to disguise extensions), path separators replaced, at most 200 characters.
 */
export function displayFileName(name: string | null | undefined): string {
  const cleaned = (name ?? '')
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/[/\\]/g, '_')
    .trim();
  const shortened = Array.from(cleaned).slice(0, MAX_FILE_NAME_LENGTH).join('');
  return shortened === '' || shortened === '.' || shortened === '..' ? 'document' : shortened;
}

function segmentFor(value: string): string {
  const digest = createHash('sha256').update(value, 'utf8').digest('hex');
  const readable = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  return readable ? `${readable}-${digest}` : digest;
}
