/**
 * The service's state in SQLite, in the data folder: sessions, their documents, and the queue of webhook deliveries.
 * Every change of status is one conditional update (or one transaction), so two requests racing on a session
 * cannot both win, and a restart finds the state exactly as the last committed change left it.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

/** A session's status, as the wire names it. */
export type SessionStatus = 'Pending' | 'Processing' | 'Completed' | 'UserCancelled' | 'Expired' | 'ProcessingError';

/** A document's status, as the wire names it. */
export type DocumentStatus = 'PendingSignature' | 'Processing' | 'Completed' | 'ProcessingError';

/** The kind of signature a document gets. */
export type SignatureType = 'Pdf' | 'Cms' | 'Xml';

/** A restriction on the certificates that may sign a session; `cpf` is normalized to 11 digits. */
export type CertificateRequirement = { type: 'CryptoDevice' } | { type: 'Cpf'; cpf: string };

/** Metadata as the wire carries it: name to values. */
export type Metadata = Record<string, string[]>;

/** A stored signature session. Times are epoch milliseconds. */
export interface SessionRecord {
  id: string;
  status: SessionStatus;
  createdAt: number;
  expiresAt: number;
  returnUrl: string | null;
  callbackArgument: string | null;
  backgroundProcessing: boolean;
  disableDownloads: boolean;
  certificateRequirements: CertificateRequirement[];
  /** Attached to every document the user uploads. */
  documentMetadata: Metadata;
  /** Whether the application gave the documents; otherwise the user uploads them on the page. */
  predefinedDocuments: boolean;
  pdfSignatureOptions: unknown;
  cmsSignatureOptions: unknown;
  signerCertificateId: string | null;
  processingErrorCode: string | null;
  processingStartedAt: number | null;
  processingDueAt: number | null;
  finishedAt: number | null;
}

/** A stored document and, once signed, what its signed file is. */
export interface DocumentRecord {
  id: string;
  sessionId: string;
  position: number;
  /** 16 characters without dashes. */
  key: string;
  name: string;
  mimeType: string;
  length: number;
  signatureType: SignatureType;
  status: DocumentStatus;
  metadata: Metadata;
  pdfSignatureOptions: unknown;
  cmsSignatureOptions: unknown;
  signedName: string | null;
  signedMimeType: string | null;
  signedLength: number | null;
  dateSigned: number | null;
  signerCertificateId: string | null;
}

/** A document's signed file, as a signer produced it. */
export interface SignedFileRecord {
  documentId: string;
  name: string;
  mimeType: string;
  length: number;
}

/** A queued webhook delivery. */
export interface DeliveryRecord {
  id: number;
  documentId: string;
  eventType: 'DocumentSignatureCompleted';
  attempts: number;
  nextAttemptAt: number;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  return_url TEXT,
  callback_argument TEXT,
  background_processing INTEGER NOT NULL,
  disable_downloads INTEGER NOT NULL,
  certificate_requirements TEXT NOT NULL,
  document_metadata TEXT NOT NULL,
  predefined_documents INTEGER NOT NULL,
  pdf_signature_options TEXT,
  cms_signature_options TEXT,
  signer_certificate_id TEXT,
  processing_error_code TEXT,
  processing_started_at INTEGER,
  processing_due_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX sessions_by_status ON sessions (status, expires_at, processing_due_at);
CREATE TABLE documents (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id),
  position INTEGER NOT NULL,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  length INTEGER NOT NULL,
  signature_type TEXT NOT NULL,
  status TEXT NOT NULL,
  metadata TEXT NOT NULL,
  pdf_signature_options TEXT,
  cms_signature_options TEXT,
  signed_name TEXT,
  signed_mime_type TEXT,
  signed_length INTEGER,
  date_signed INTEGER,
  signer_certificate_id TEXT
);
CREATE INDEX documents_by_session ON documents (session_id, position);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, next_attempt_at);
`;

interface SessionRow {
  id: string;
  status: SessionStatus;
  created_at: number;
  expires_at: number;
  return_url: string | null;
  callback_argument: string | null;
  background_processing: number;
  disable_downloads: number;
  certificate_requirements: string;
  document_metadata: string;
  predefined_documents: number;
  pdf_signature_options: string | null;
  cms_signature_options: string | null;
  signer_certificate_id: string | null;
  processing_error_code: string | null;
  processing_started_at: number | null;
  processing_due_at: number | null;
  finished_at: number | null;
}

interface DocumentRow {
  id: string;
  session_id: string;
  position: number;
  key: string;
  name: string;
  mime_type: string;
  length: number;
  signature_type: SignatureType;
  status: DocumentStatus;
  metadata: string;
  pdf_signature_options: string | null;
  cms_signature_options: string | null;
  signed_name: string | null;
  signed_mime_type: string | null;
  signed_length: number | null;
  date_signed: number | null;
  signer_certificate_id: string | null;
}

interface DeliveryRow {
  id: number;
  document_id: string;
  event_type: 'DocumentSignatureCompleted';
  attempts: number;
  next_attempt_at: number;
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parseOrNull(value: string | null): unknown {
  return value === null ? null : JSON.parse(value);
}

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    returnUrl: row.return_url,
    callbackArgument: row.callback_argument,
    backgroundProcessing: row.background_processing === 1,
    disableDownloads: row.disable_downloads === 1,
    certificateRequirements: JSON.parse(row.certificate_requirements) as CertificateRequirement[],
    documentMetadata: JSON.parse(row.document_metadata) as Metadata,
    predefinedDocuments: row.predefined_documents === 1,
    pdfSignatureOptions: parseOrNull(row.pdf_signature_options),
    cmsSignatureOptions: parseOrNull(row.cms_signature_options),
    signerCertificateId: row.signer_certificate_id,
    processingErrorCode: row.processing_error_code,
    processingStartedAt: row.processing_started_at,
    processingDueAt: row.processing_due_at,
    finishedAt: row.finished_at,
  };
}

function toDocument(row: DocumentRow): DocumentRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    position: row.position,
    key: row.key,
    name: row.name,
    mimeType: row.mime_type,
    length: row.length,
    signatureType: row.signature_type,
    status: row.status,
    metadata: JSON.parse(row.metadata) as Metadata,
    pdfSignatureOptions: parseOrNull(row.pdf_signature_options),
    cmsSignatureOptions: parseOrNull(row.cms_signature_options),
    signedName: row.signed_name,
    signedMimeType: row.signed_mime_type,
    signedLength: row.signed_length,
    dateSigned: row.date_signed,
    signerCertificateId: row.signer_certificate_id,
  };
}

/** The SQLite database of one data folder (`restpki.sqlite`). Synchronous: each call is one short statement. */
export class Store {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    this.db = new Database(join(dataDir, 'restpki.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version !== 0) throw new Error(`Unknown database schema version ${version}; expected ${SCHEMA_VERSION}`);
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  close(): void {
    this.db.close();
  }

  /** Stores a new session with its predefined documents (possibly none). */
  insertSession(session: SessionRecord, documents: DocumentRecord[]): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO sessions (id, status, created_at, expires_at, return_url, callback_argument,
             background_processing, disable_downloads, certificate_requirements, document_metadata,
             predefined_documents, pdf_signature_options, cms_signature_options)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          session.id,
          session.status,
          session.createdAt,
          session.expiresAt,
          session.returnUrl,
          session.callbackArgument,
          session.backgroundProcessing ? 1 : 0,
          session.disableDownloads ? 1 : 0,
          JSON.stringify(session.certificateRequirements),
          JSON.stringify(session.documentMetadata),
          session.predefinedDocuments ? 1 : 0,
          jsonOrNull(session.pdfSignatureOptions),
          jsonOrNull(session.cmsSignatureOptions),
        );
      for (const document of documents) this.insertDocument(document);
    })();
  }

  /** Adds a document to a session (a file the user uploaded on the page). */
  insertDocument(document: DocumentRecord): void {
    this.db
      .prepare(
        `INSERT INTO documents (id, session_id, position, key, name, mime_type, length, signature_type, status,
           metadata, pdf_signature_options, cms_signature_options)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        document.id,
        document.sessionId,
        document.position,
        document.key,
        document.name,
        document.mimeType,
        document.length,
        document.signatureType,
        document.status,
        JSON.stringify(document.metadata),
        jsonOrNull(document.pdfSignatureOptions),
        jsonOrNull(document.cmsSignatureOptions),
      );
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row && toSession(row);
  }

  getDocument(id: string): DocumentRecord | undefined {
    const row = this.db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
    return row && toDocument(row);
  }

  getDocumentByKey(key: string): DocumentRecord | undefined {
    const row = this.db.prepare('SELECT * FROM documents WHERE key = ?').get(key) as DocumentRow | undefined;
    return row && toDocument(row);
  }

  /** How many documents the session has; the next upload's position. */
  countDocuments(sessionId: string): number {
    const row = this.db.prepare('SELECT COUNT(*) AS count FROM documents WHERE session_id = ?').get(sessionId) as {
      count: number;
    };
    return row.count;
  }

  /** The session's documents in the order they were given or uploaded. */
  listDocuments(sessionId: string): DocumentRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM documents WHERE session_id = ? ORDER BY position')
      .all(sessionId) as DocumentRow[];
    return rows.map(toDocument);
  }

  /** Marks `Pending` sessions past their deadline `Expired`; returns their IDs. */
  expireDueSessions(now: number): string[] {
    const rows = this.db
      .prepare(
        `UPDATE sessions SET status = 'Expired', finished_at = ?
         WHERE status = 'Pending' AND expires_at <= ? RETURNING id`,
      )
      .all(now, now) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** Moves a `Pending`, unexpired session to `UserCancelled`; false when it was not in that state. */
  cancelSession(id: string, now: number): boolean {
    const result = this.db
      .prepare(
        `UPDATE sessions SET status = 'UserCancelled', finished_at = ?
         WHERE id = ? AND status = 'Pending' AND expires_at > ?`,
      )
      .run(now, id, now);
    return result.changes === 1;
  }

  /** Moves a `Pending`, unexpired session and its documents to `Processing`; false when it was not in that state. */
  startProcessing(id: string, certificateId: string, now: number, dueAt: number): boolean {
    return this.db.transaction(() => {
      const result = this.db
        .prepare(
          `UPDATE sessions SET status = 'Processing', signer_certificate_id = ?, processing_started_at = ?,
             processing_due_at = ?
           WHERE id = ? AND status = 'Pending' AND expires_at > ?`,
        )
        .run(certificateId, now, dueAt, id, now);
      if (result.changes !== 1) return false;
      this.db.prepare(`UPDATE documents SET status = 'Processing' WHERE session_id = ?`).run(id);
      return true;
    })();
  }

  /**
   * Completes a session whose status is `from`, records each document's signed file, and queues one
   * `DocumentSignatureCompleted` delivery per document when `queueWebhooks`. False when the session was no longer in
   * status `from` (nothing changes then).
   */
  completeSession(input: {
    id: string;
    from: 'Pending' | 'Processing';
    certificateId: string;
    signedFiles: SignedFileRecord[];
    now: number;
    queueWebhooks: boolean;
    webhookDelayMs: (documentId: string) => number;
  }): boolean {
    return this.db.transaction(() => {
      const expiryCondition = input.from === 'Pending' ? 'AND expires_at > @now' : '';
      const result = this.db
        .prepare(
          `UPDATE sessions SET status = 'Completed', signer_certificate_id = @certificateId, finished_at = @now
           WHERE id = @id AND status = @from ${expiryCondition}`,
        )
        .run({ id: input.id, from: input.from, certificateId: input.certificateId, now: input.now });
      if (result.changes !== 1) return false;

      const markSigned = this.db.prepare(
        `UPDATE documents SET status = 'Completed', signed_name = ?, signed_mime_type = ?, signed_length = ?,
           date_signed = ?, signer_certificate_id = ?
         WHERE id = ? AND session_id = ?`,
      );
      const queue = this.db.prepare(
        `INSERT INTO webhook_deliveries (document_id, event_type, created_at, next_attempt_at)
         VALUES (?, 'DocumentSignatureCompleted', ?, ?)`,
      );
      for (const file of input.signedFiles) {
        markSigned.run(
          file.name,
          file.mimeType,
          file.length,
          input.now,
          input.certificateId,
          file.documentId,
          input.id,
        );
        if (input.queueWebhooks)
          queue.run(file.documentId, input.now, input.now + input.webhookDelayMs(file.documentId));
      }
      return true;
    })();
  }

  /** Moves a `Processing` session and its documents to `ProcessingError` with `code`. */
  failProcessing(id: string, code: string, now: number): boolean {
    return this.db.transaction(() => {
      const result = this.db
        .prepare(
          `UPDATE sessions SET status = 'ProcessingError', processing_error_code = ?, finished_at = ?
           WHERE id = ? AND status = 'Processing'`,
        )
        .run(code, now, id);
      if (result.changes !== 1) return false;
      this.db.prepare(`UPDATE documents SET status = 'ProcessingError' WHERE session_id = ?`).run(id);
      return true;
    })();
  }

  /** IDs of `Processing` sessions whose processing time is over, oldest first. */
  dueProcessingSessions(now: number): string[] {
    const rows = this.db
      .prepare(
        `SELECT id FROM sessions WHERE status = 'Processing' AND processing_due_at <= ? ORDER BY processing_due_at`,
      )
      .all(now) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** Undelivered webhook deliveries whose next attempt is due, oldest first. */
  dueDeliveries(now: number, limit: number): DeliveryRecord[] {
    const rows = this.db
      .prepare(
        `SELECT id, document_id, event_type, attempts, next_attempt_at FROM webhook_deliveries
         WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
      )
      .all(now, limit) as DeliveryRow[];
    return rows.map((row) => ({
      id: row.id,
      documentId: row.document_id,
      eventType: row.event_type,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
    }));
  }

  markDelivered(id: number, now: number): void {
    this.db
      .prepare(
        'UPDATE webhook_deliveries SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?',
      )
      .run(now, id);
  }

  markDeliveryFailed(id: number, problem: string, nextAttemptAt: number): void {
    this.db
      .prepare(
        'UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?',
      )
      .run(problem, nextAttemptAt, id);
  }

  /** The earliest time something is due: a session expiring, a processing ending, a delivery to attempt. */
  nextDueAt(): number | null {
    const row = this.db
      .prepare(
        `SELECT MIN(due) AS due FROM (
           SELECT MIN(expires_at) AS due FROM sessions WHERE status = 'Pending'
           UNION ALL SELECT MIN(processing_due_at) FROM sessions WHERE status = 'Processing'
           UNION ALL SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE delivered_at IS NULL
         )`,
      )
      .get() as { due: number | null };
    return row.due;
  }
}
