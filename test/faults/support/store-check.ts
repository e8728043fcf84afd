/**
 * What a reader of the document store can see after a fault, checked from the outside: every key either holds
 * nothing or a whole file whose bytes match its recorded digest, no key holds two copies, and every session ended with
 * the outcome its kind must reach, its signed files stored once with the digest of the file Rest PKI Core serves.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { storageKeyFor } from '../../../src/storage/document-store';
import { type FilesystemDocumentStore } from '../../../src/storage/filesystem-store';
import { type SignatureSessionResult } from '../../../src/workflows/messages';
import { type CheckingClient } from './restpki';
import { EXPECTED_OUTCOME, type DrivenSession } from './sessions';

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What the store's folder holds, as a reader and as an operator see it. */
export interface StoreInspection {
  /** Keys a reader sees a document under. */
  visibleKeys: number;
  /** Files no reader can see: temporary files, and bytes no record references. */
  leftovers: string[];
  /** Anything a reader could be misled by; empty when the store is sound. */
  problems: string[];
}

/**
 * Walks `<root>/<workflow>/<document>/` and checks each key through the store's own `stat` and `open`: a visible
 * document must be complete (its bytes hash to the recorded digest and have the recorded size) and alone (no second
 * copy of bytes beside it); a folder without a record must be invisible (`stat` answers nothing) and hold only
 * temporary files or unreferenced bytes.
 */
export async function inspectStore(store: FilesystemDocumentStore): Promise<StoreInspection> {
  const inspection: StoreInspection = { visibleKeys: 0, leftovers: [], problems: [] };
  const workflows = await readdir(store.root, { withFileTypes: true }).catch(() => []);
  for (const workflow of workflows) {
    if (!workflow.isDirectory()) {
      inspection.problems.push(`${workflow.name}: a file at the top of the store`);
      continue;
    }
    for (const document of await readdir(join(store.root, workflow.name), { withFileTypes: true })) {
      const key = `${workflow.name}/${document.name}`;
      if (!document.isDirectory()) {
        inspection.problems.push(`${key}: a file where a document folder belongs`);
        continue;
      }
      await inspectDocumentFolder(store, key, inspection);
    }
  }
  return inspection;
}

async function inspectDocumentFolder(
  store: FilesystemDocumentStore,
  key: string,
  inspection: StoreInspection,
): Promise<void> {
  const folder = join(store.root, key);
  const entries = await readdir(folder);
  const record = await store.stat(key).catch((error: unknown) => {
    inspection.problems.push(`${key}: stat failed: ${String(error)}`);
    return undefined;
  });
  const temporary = entries.filter((entry) => entry.startsWith('.tmp-'));
  const bytes = entries.filter((entry) => entry.endsWith('.bin'));
  const other = entries.filter((entry) => !entry.startsWith('.tmp-') && !entry.endsWith('.bin'));
  inspection.leftovers.push(...temporary.map((entry) => `${key}/${entry}`));

  if (!record) {
    if (other.length > 0) inspection.problems.push(`${key}: no document visible, yet it holds ${other.join(', ')}`);
    inspection.leftovers.push(...bytes.map((entry) => `${key}/${entry}`));
    return;
  }

  inspection.visibleKeys++;
  if (record.key !== key) inspection.problems.push(`${key}: its record names key ${record.key}`);
  if (other.join() !== 'record.json') inspection.problems.push(`${key}: unexpected files ${other.join(', ')}`);
  const referenced = `${record.sha256}.bin`;
  const copies = bytes.filter((entry) => entry !== referenced);
  if (copies.length > 0) inspection.problems.push(`${key}: stored twice (also ${copies.join(', ')})`);
  if (!bytes.includes(referenced)) {
    inspection.problems.push(`${key}: visible, but its bytes ${referenced} are missing`);
    return;
  }

  const content = await readAll(await store.open(key));
  if (sha256(content) !== record.sha256) inspection.problems.push(`${key}: its bytes do not match its digest`);
  if (content.length !== record.size) {
    inspection.problems.push(`${key}: ${content.length} bytes, the record says ${record.size}`);
  }
  const onDisk = await readFile(join(folder, referenced));
  if (!onDisk.equals(content)) inspection.problems.push(`${key}: open() does not read the file on disk`);
}

/** The store after `cleanupStaleTemporaryFiles(0)`: it must keep every visible document and leave no leftover. */
export async function cleanUpAndInspect(store: FilesystemDocumentStore): Promise<StoreInspection> {
  await store.cleanupStaleTemporaryFiles(0);
  return inspectStore(store);
}

/**
 * Checks every session against its kind's outcome: a completed session names each of its documents once, stored
 * whole with the digest of the signed file Rest PKI Core serves; any other session stored no signed file at all.
 * Returns one line per problem.
 */
export async function checkOutcomes(
  store: FilesystemDocumentStore,
  restPki: CheckingClient,
  driven: DrivenSession[],
  results: Map<string, SignatureSessionResult>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const session of driven) {
    const name = `${session.kind} ${session.applicationKey}`;
    const result = results.get(session.applicationKey);
    if (!result) {
      problems.push(`${name}: no result`);
      continue;
    }
    const expected = EXPECTED_OUTCOME[session.kind];
    if (result.outcome !== expected) problems.push(`${name}: ended ${result.outcome}, expected ${expected}`);
    if (result.sessionId !== session.sessionId) problems.push(`${name}: the result names another Rest PKI session`);

    if (expected === 'completed') {
      problems.push(...(await checkStoredDocuments(store, restPki, name, session, result)));
      continue;
    }
    if (result.documents.length > 0) problems.push(`${name}: ${result.documents.length} documents stored`);
    if (expected === 'processing-error' && result.processingErrorCode !== 'CertificateRevoked') {
      problems.push(`${name}: processing error code ${result.processingErrorCode}`);
    }
    const remote = await restPki.getSession(session.sessionId);
    for (const document of remote.documents ?? []) {
      const key = storageKeyFor({ workflowId: session.workflowId, documentId: document.id, fileName: null });
      if ((await store.stat(key)) !== undefined) problems.push(`${name}: document ${document.id} is in the store`);
    }
  }
  return problems;
}

async function checkStoredDocuments(
  store: FilesystemDocumentStore,
  restPki: CheckingClient,
  name: string,
  session: DrivenSession,
  result: SignatureSessionResult,
): Promise<string[]> {
  const problems: string[] = [];
  if (result.documents.length !== session.documentCount) {
    problems.push(`${name}: ${result.documents.length} documents stored, expected ${session.documentCount}`);
  }
  const keys = new Set(result.documents.map((document) => document.storageKey));
  if (keys.size !== result.documents.length) problems.push(`${name}: two documents share a storage key`);
  const ids = new Set(result.documents.map((document) => document.documentId));
  if (ids.size !== result.documents.length) problems.push(`${name}: a document is named twice`);

  for (const document of result.documents) {
    const expectedKey = storageKeyFor({
      workflowId: session.workflowId,
      documentId: document.documentId,
      fileName: '',
    });
    if (document.storageKey !== expectedKey.id)
      problems.push(`${name}: ${document.documentId} stored under another key`);
    const stored = await store.stat(document.storageKey);
    if (!stored) {
      problems.push(`${name}: ${document.documentId} is not in the store`);
      continue;
    }
    if (stored.sha256 !== document.sha256 || stored.size !== document.size) {
      problems.push(`${name}: ${document.documentId} in the store differs from the result`);
    }
    const served = await restPki.signedFile(document.documentId);
    if (sha256(served) !== document.sha256) {
      problems.push(`${name}: ${document.documentId} differs from the signed file Rest PKI Core serves`);
    }
  }
  return problems;
}

/** Whether `path` exists (a file or a folder). */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** What a fault test found once every session ended, for its diagnostics. */
export interface FaultRunCheck {
  /** Sessions that ended otherwise than their kind must, or whose files are wrong, and anything amiss in the store. */
  problems: string[];
  /** Invisible leftovers of interrupted writes before the cleanup. */
  leftovers: number;
}

/**
 * Everything a session-level fault test promises at its end: every session reached its kind's outcome with its files
 * stored once and whole, the store shows exactly the signed and staged documents the sessions account for, and the
 * stale-file cleanup then leaves every document visible and nothing else behind.
 */
export async function checkFaultRun(
  store: FilesystemDocumentStore,
  restPki: CheckingClient,
  driven: DrivenSession[],
  results: Map<string, SignatureSessionResult>,
): Promise<FaultRunCheck> {
  const problems = await checkOutcomes(store, restPki, driven, results);
  const signed = [...results.values()].reduce((total, result) => total + result.documents.length, 0);
  const staged = driven.reduce((total, session) => total + session.documentCount, 0);
  const accountedFor = signed + staged;

  const before = await inspectStore(store);
  problems.push(...before.problems);
  if (before.visibleKeys !== accountedFor) {
    problems.push(`the store shows ${before.visibleKeys} documents; the sessions account for ${accountedFor}`);
  }
  const cleaned = await cleanUpAndInspect(store);
  problems.push(...cleaned.problems.map((problem) => `after the cleanup: ${problem}`));
  problems.push(...cleaned.leftovers.map((leftover) => `after the cleanup, still left: ${leftover}`));
  if (cleaned.visibleKeys !== accountedFor) {
    problems.push(`after the cleanup the store shows ${cleaned.visibleKeys} documents, not ${accountedFor}`);
  }
  return { problems, leftovers: before.leftovers.length };
}
