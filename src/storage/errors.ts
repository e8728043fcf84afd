/**
 * What can go wrong in the document store. Messages name the storage key, never the file's content or name. Each
 * class sets `name`, which is what Temporal's `nonRetryableErrorTypes` matches.
 */

/**
 * Thrown when the file system refused an operation (ENOSPC, EACCES, ENOTDIR, EIO...). Retryable: space may be freed
 * and permissions fixed while the activity waits. `code` is the system error code.
 */
export class DocumentStoreError extends Error {
  readonly key: string;
  readonly code: string | undefined;

  constructor(action: string, key: string, cause: unknown) {
    const code = systemErrorCode(cause);
    super(`Document store: could not ${action} document ${key}${code ? ` (${code})` : ''}`, { cause });
    this.name = 'DocumentStoreError';
    this.key = key;
    this.code = code;
  }
}

/** Thrown when opening a document that was never stored (or whose store was emptied). */
export class DocumentNotStoredError extends Error {
  readonly key: string;

  constructor(key: string) {
    super(`Document store: no document is stored under ${key}`);
    this.name = 'DocumentNotStoredError';
    this.key = key;
  }
}

/**
 * Thrown when the bytes read do not add up to the size the caller expected; nothing is stored. Retryable: a download
 * cut short is the usual cause.
 */
export class DocumentSizeMismatchError extends Error {
  readonly key: string;
  readonly expectedSize: number;
  /** The bytes read before the mismatch was noticed: the total, or the first count past the expected size. */
  readonly actualSize: number;

  constructor(key: string, expectedSize: number, actualSize: number) {
    super(`Document store: document ${key} was expected to have ${expectedSize} bytes, got ${actualSize}`);
    this.name = 'DocumentSizeMismatchError';
    this.key = key;
    this.expectedSize = expectedSize;
    this.actualSize = actualSize;
  }
}

/** Thrown when a storage key is malformed: not built by `storageKeyFor`, or tampered with. */
export class InvalidStorageKeyError extends Error {
  constructor(problem: string) {
    super(`Document store: invalid storage key: ${problem}`);
    this.name = 'InvalidStorageKeyError';
  }
}

/** The `name`s of the store's errors that retrying cannot fix, for Temporal's `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_STORAGE_ERRORS: readonly string[] = ['DocumentNotStoredError', 'InvalidStorageKeyError'];

/** The `code` of a Node system error (`ENOSPC`...), if `error` is one. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
