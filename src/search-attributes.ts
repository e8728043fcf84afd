/**
 * The custom search attributes a signature session workflow carries, so that operators can find sessions in the
 * Temporal Web UI and the gateway can list them from visibility. Registered on the dev server at start and on a real
 * cluster by `npm run setup:search-attributes`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Our own status of the session: `waiting-for-user`, `processing`, `completed`, `abandoned`... */
export const SESSION_STATUS = defineSearchAttributeKey('SignatureSessionStatus', SearchAttributeType.KEYWORD);

/** The Rest PKI Core session ID, once the session exists there. */
export const RESTPKI_SESSION_ID = defineSearchAttributeKey('RestPkiSessionId', SearchAttributeType.KEYWORD);

/** The application's own key the session was started from. */
export const APPLICATION_KEY = defineSearchAttributeKey('ApplicationKey', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [SESSION_STATUS, RESTPKI_SESSION_ID, APPLICATION_KEY];
