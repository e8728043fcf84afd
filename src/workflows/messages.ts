/**
 * The signature session workflow's public surface: its input and result, the state it reports, and the messages it
 * handles. Workflow, activities, gateway and clients all import these definitions; none of them pull in workflow code.
 *
 * Words used throughout: a *return* is the user's browser landing on the `returnUrl`; *abandoned* means our own deadline
 * passed while the user had not finished (never the vendor's `Expired`).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CmsSignatureOptions, PdfSignatureOptions } from '../restpki/models';

/** A signature type as Rest PKI Core names it; unknown values from newer servers pass through as strings. */
export type SignatureType = 'Pdf' | 'Cms' | 'Xml';

/**
 * Where a document to sign comes from. Bytes never travel in workflow input: either Rest PKI Core downloads the file
 * from a URL that carries its own authorization, or the caller staged it in the document store first.
 */
export type DocumentSource = { url: string } | { stagedKey: string };

export interface DocumentToSign {
  /** The file name the user sees. */
  name: string;
  source: DocumentSource;
  signatureType?: SignatureType;
  metadata?: Record<string, string[]>;
}

/**
 * A certificate requirement as the workflow carries it. A CPF is personal data and stays out of history: the client
 * stages it in the document store and the create activity reads it back, as with documents given inline.
 */
export type CertificateRequirement = { type: 'CryptoDevice' } | { type: 'Cpf'; stagedArgumentKey: string };

/** The options of Rest PKI Core's create request, without the correlation this project adds itself. */
export interface SessionOptions {
  /** Predefined documents; without them the user uploads his own files on the signing page. */
  documents?: DocumentToSign[];
  documentMetadata?: Record<string, string[]>;
  callbackArgument?: string;
  disableDownloads?: boolean;
  enableBackgroundProcessing?: boolean;
  certificateRequirements?: CertificateRequirement[];
  securityContextId?: string;
  pdfSignatureOptions?: PdfSignatureOptions;
  cmsSignatureOptions?: CmsSignatureOptions;
}

/** How often the workflow asks the API while it waits, so that a lost return or webhook still ends the session. */
export interface ReconcileSchedule {
  /** First read after this long; default 2 minutes. */
  initialInterval: string;
  /** Each wait is this many times the previous one; default 2. */
  backoffCoefficient: number;
  /** The wait never grows past this; default 6 hours. */
  maximumInterval: string;
}

export interface SignatureSessionInput {
  /** The application's own key for this session; the workflow ID is derived from it. */
  applicationKey: string;
  options: SessionOptions;
  /**
   * Where Rest PKI Core sends the user's browser when he is done (normally the gateway's return route). The workflow
   * ID is added to its query so the return can be routed. Without it the session uses the webhook flow.
   */
  returnUrl?: string;
  /** The application's own page the gateway sends the browser to after a verified return. */
  applicationReturnUrl?: string;
  /** Where session events are posted for the application. */
  notificationUrl?: string;
  /** How long the user has before the session is abandoned, as a duration (`'7 days'`, `'36h'`); default 7 days. */
  abandonAfter?: string;
  /** Reminder times as durations after the start (`['1 day', '3 days']`), recorded when the user has not finished. */
  remindAfter?: string[];
  reconcile?: Partial<ReconcileSchedule>;
  /**
   * A digest of the request the session was started from, so that a second start with the same key but another
   * request is refused instead of silently joining this session.
   */
  requestDigest?: string;
}

/** The session's status in our own terms; also the `SignatureSessionStatus` search attribute. */
export type SessionStatus =
  | 'creating'
  | 'waiting-for-user'
  | 'processing'
  | 'downloading'
  | 'completed'
  | 'user-cancelled'
  | 'expired'
  | 'processing-error'
  | 'abandoned'
  | 'cancelled';

/** How a session ended. */
export type SessionOutcome = Extract<
  SessionStatus,
  'completed' | 'user-cancelled' | 'expired' | 'processing-error' | 'abandoned' | 'cancelled'
>;

/** The signer's certificate, summarized without personal identifiers such as a CPF. */
export interface SignerSummary {
  /** The holder's name, without the CPF that ICP-Brasil common names carry. */
  name: string | null;
  certificateType: string | null;
  issuerName: string | null;
  thumbprintSha256: string | null;
  validityEnd: string | null;
}

/** A signed document in the store: what the application needs to find and check it, never its bytes. */
export interface StoredSignedDocument {
  documentId: string;
  fileName: string | null;
  signatureType: string | null;
  storageKey: string;
  sha256: string;
  size: number;
}

/** What one read of the API says about the session, reduced to what the workflow decides on. */
export interface SessionSnapshot {
  /** The vendor's status verbatim (`Pending`, `Completed`, ...), unknown values included. */
  status: string;
  processingErrorCode: string | null;
  documents: { id: string; status: string; name: string | null }[];
  signer: SignerSummary | null;
}

export interface ReminderRecord {
  index: number;
  dueAt: string;
}

/** The session's state as the query reports it. */
export interface SignatureSessionState {
  applicationKey: string;
  status: SessionStatus;
  /** One line for operators: what the workflow is waiting for right now. */
  waitingFor: string;
  sessionId: string | null;
  redirectUrl: string | null;
  /** The vendor's status from the latest read of the API. */
  restPkiStatus: string | null;
  lastCheckedAt: string | null;
  abandonAt: string;
  remindersDue: ReminderRecord[];
  documentsReportedSigned: string[];
  applicationReturnUrl: string | null;
  notificationUrl: string | null;
  result: SignatureSessionResult | null;
}

export interface SignatureSessionResult {
  outcome: SessionOutcome;
  applicationKey: string;
  sessionId: string;
  processingErrorCode: string | null;
  signer: SignerSummary | null;
  documents: StoredSignedDocument[];
  finishedAt: string;
}

/** The session at Rest PKI Core, as soon as it exists. */
export interface SessionLink {
  sessionId: string;
  redirectUrl: string;
}

/** The browser's return, as the return route saw it. */
export interface UserReturn {
  /** The `signatureSessionId` Rest PKI Core added to the return URL's query. */
  signatureSessionId: string;
}

/** What a verified return tells the return route. */
export interface ReturnVerdict {
  applicationKey: string;
  /** The vendor's status as the API reported it after the return. */
  restPkiStatus: string;
  status: SessionStatus;
  applicationReturnUrl: string | null;
}

/** A webhook's word that one of the session's documents was signed. */
export interface DocumentSignedNotice {
  documentId: string;
}

/** What a starter says when it asks for the link: the digest of its request, refused if it is not this session's. */
export interface SessionLinkRequest {
  requestDigest?: string;
}

/** The session's link, and whether the request that asked for it is the one that started the session. */
export interface SessionLinkAnswer extends SessionLink {
  /** False for a start that joined a session already started with the same request. */
  created: boolean;
}

/** An update because the starter needs the answer at once: the session's ID and where to send the user. */
export const sessionLinkUpdate = defineUpdate<SessionLinkAnswer, [SessionLinkRequest]>('sessionLink');

/** The failure type of a start that reuses an application key for a different request. */
export const SESSION_KEY_CONFLICT = 'SessionKeyConflict';

/** An update because the return route must learn the verified status to send the user to the right page. */
export const userReturnedUpdate = defineUpdate<ReturnVerdict, [UserReturn]>('userReturned');

/**
 * A signal for a return whose answer nobody waits for any more (a slow API, a stopped worker): durable without a
 * worker, it makes the workflow look at the API as soon as it runs again. A wrong session ID is ignored.
 */
export const userReturnedSignal = defineSignal<[UserReturn]>('userReturnedNotice');

/** A signal because the webhook path needs durability, not an answer; repeats of one document change nothing. */
export const documentSignedSignal = defineSignal<[DocumentSignedNotice]>('documentSigned');

/** An update because the application wants to know whether its cancel took effect or came too late. */
export const cancelSessionUpdate = defineUpdate<SignatureSessionState>('cancelSession');

/** A query because reading the state must never change it. */
export const sessionStateQuery = defineQuery<SignatureSessionState>('sessionState');

/** What the application is told, at its notification URL, when a session ends or a reminder is due. */
export interface ApplicationEvent {
  type: 'signature-session.ended' | 'signature-session.reminder-due';
  /** Stable across retries, so the application can drop repeats (the `webhook-id` header). */
  id: string;
  occurredAt: string;
  data: {
    applicationKey: string;
    workflowId: string;
    sessionId: string | null;
    status: SessionStatus;
    reminder: ReminderRecord | null;
    result: SignatureSessionResult | null;
  };
}

/** The workflow ID of the session started from an application's key: starting twice with one key is one session. */
export function workflowIdForKey(applicationKey: string): string {
  return `signature-session-${applicationKey}`;
}

/** The rules an application key follows, so that the workflow ID and URLs built from it stay readable and safe. */
export const APPLICATION_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** The name of the document metadata entry that carries the workflow ID to the webhook path. */
export const WORKFLOW_METADATA_NAME = 'signature-sessions-workflow-id';

/** The query parameter of the return URL that carries the workflow ID to the return route. */
export const WORKFLOW_RETURN_PARAMETER = 'workflowId';

/** The workflow ID that records the webhook deliveries for one document: repeats of one delivery are one workflow. */
export function deliveryWorkflowIdForDocument(documentId: string): string {
  return `document-signed-${documentId}`;
}

/** The task queue the worker polls by default. */
export const DEFAULT_TASK_QUEUE = 'signature-sessions';
