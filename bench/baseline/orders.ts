/**
 * The baseline's own tables, as integrations keep them: one row per signature request with the Rest PKI Core session
 * ID and a status flag, and one row per signed file saved to disk.
 */
import Database from 'better-sqlite3';

/** The status flag of a signature request. */
export type OrderStatus = 'PENDING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

export interface OrderRow {
  order_id: string;
  session_id: string | null;
  status: OrderStatus;
}

/** The baseline's database: a SQLite file with WAL, as better-sqlite3's own documentation recommends. */
export class Orders {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, number]>;
  readonly #setSession: Database.Statement<[string, number, string]>;
  readonly #setStatus: Database.Statement<[string, number, string]>;
  readonly #find: Database.Statement<[string], OrderRow>;
  readonly #saveFile: Database.Statement<[string, string, string, number, number]>;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS signature_requests (
        order_id TEXT PRIMARY KEY,
        session_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'CANCELLED', 'FAILED')),
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS signed_files (
        document_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        saved_at INTEGER NOT NULL
      );`);
    this.#insert = this.#db.prepare(
      "INSERT INTO signature_requests (order_id, status, updated_at) VALUES (?, 'PENDING', ?)",
    );
    this.#setSession = this.#db.prepare(
      'UPDATE signature_requests SET session_id = ?, updated_at = ? WHERE order_id = ?',
    );
    this.#setStatus = this.#db.prepare('UPDATE signature_requests SET status = ?, updated_at = ? WHERE order_id = ?');
    this.#find = this.#db.prepare('SELECT order_id, session_id, status FROM signature_requests WHERE order_id = ?');
    this.#saveFile = this.#db.prepare(
      'INSERT OR REPLACE INTO signed_files (document_id, order_id, path, size, saved_at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  insertPending(orderId: string): void {
    this.#insert.run(orderId, Date.now());
  }

  setSession(orderId: string, sessionId: string): void {
    this.#setSession.run(sessionId, Date.now(), orderId);
  }

  setStatus(orderId: string, status: OrderStatus): void {
    this.#setStatus.run(status, Date.now(), orderId);
  }

  find(orderId: string): OrderRow | undefined {
    return this.#find.get(orderId);
  }

  saveFile(documentId: string, orderId: string, path: string, size: number): void {
    this.#saveFile.run(documentId, orderId, path, size, Date.now());
  }

  close(): void {
    this.#db.close();
  }
}
