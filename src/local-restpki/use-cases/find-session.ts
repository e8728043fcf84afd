/**
 * Reading a session or a document by ID. Expiry is applied on read as well as by the background sweep, so a
 * session past its deadline never reads as `Pending`, however late the sweep runs.
 */
import { type ServiceContext } from '../context';
import { DocumentNotFoundError, RequestValidationError, SignatureSessionNotFoundError } from '../errors';
import { type DocumentRecord, type SessionRecord } from '../store';
import { expireDueSessions } from './expire-sessions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ID in canonical (lower-case) form; a malformed one is a 400 naming `field`. */
export function parseId(value: string, field = 'id'): string {
  if (!UUID.test(value)) throw new RequestValidationError({ [field]: 'must be a UUID' });
  return value.toLowerCase();
}

/** The session with its deadline applied; throws {@link SignatureSessionNotFoundError}. */
export function findSession(context: ServiceContext, sessionId: string): SessionRecord {
  let session = context.store.getSession(sessionId);
  if (!session) throw new SignatureSessionNotFoundError(sessionId);

  if (session.status === 'Pending' && session.expiresAt <= Date.now()) {
    expireDueSessions(context);
    session = context.store.getSession(sessionId) ?? session;
  }
  return session;
}

/** The document; throws {@link DocumentNotFoundError}. */
export function findDocument(context: ServiceContext, documentId: string): DocumentRecord {
  const document = context.store.getDocument(documentId);
  if (!document) throw new DocumentNotFoundError(documentId);
  return document;
}
