/**
 * One durable workflow per signature session: create it at Rest PKI Core, wait for the user, a webhook, a cancel or
 * the deadline while asking the API for the truth, wait for background processing, download the signed files into
 * the store, and finish with a result that names every stored file.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  ParentClosePolicy,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { SignatureSessionActivities } from '../activities';
import { NON_RETRYABLE_RESTPKI_ERRORS } from '../restpki/errors';
import { NON_RETRYABLE_STORAGE_ERRORS } from '../storage/errors';
import { APPLICATION_KEY, RESTPKI_SESSION_ID, SESSION_STATUS } from '../search-attributes';
import {
  cancelSessionUpdate,
  documentSignedSignal,
  SESSION_KEY_CONFLICT,
  sessionLinkUpdate,
  sessionStateQuery,
  userReturnedSignal,
  userReturnedUpdate,
  type ApplicationEvent,
  type ReconcileSchedule,
  type ReminderRecord,
  type SessionOutcome,
  type SessionSnapshot,
  type SessionStatus,
  type SignatureSessionInput,
  type SignatureSessionResult,
  type SignatureSessionState,
  type StoredSignedDocument,
} from './messages';
import { applicationNotification } from './application-notification';

const DEFAULT_ABANDON_AFTER = '7 days';
const DEFAULT_RECONCILE: ReconcileSchedule = {
  initialInterval: '2 minutes',
  backoffCoefficient: 2,
  maximumInterval: '6 hours',
};
/** A forged or runaway webhook stream must not grow the state without bound. */
const MAX_REPORTED_DOCUMENTS = 200;

// Reads and creates retry for as long as the API is down: a session outlives an outage of hours. Bad requests, bad
// keys and unknown sessions are thrown by the activities as non-retryable failures.
const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '10 minutes',
  nonRetryableErrorTypes: [...NON_RETRYABLE_RESTPKI_ERRORS, ...NON_RETRYABLE_STORAGE_ERRORS, 'SignedFileMissingError'],
};

// Creating and reading the session are single short calls, and someone is often waiting on them (the start for its
// redirectUrl, the user on the return URL): they run as local activities, inside the workflow task that needs them,
// with no round trip through the server. A few quick retries stay in the worker; longer backoffs are durable timers.
const api = proxyLocalActivities<SignatureSessionActivities>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  retry,
});

const longRunning = proxyActivities<SignatureSessionActivities>({
  startToCloseTimeout: '1 day',
  heartbeatTimeout: '2 minutes',
  retry,
});

/** What happened to the user, as far as the wait can tell. */
type WaitResult = { snapshot: SessionSnapshot; ended?: 'abandoned' | 'cancelled' };

export async function signatureSession(input: SignatureSessionInput): Promise<SignatureSessionResult> {
  const { workflowId } = workflowInfo();
  const startedAt = Date.now();
  const state = initialState(input, startedAt + msToNumber(input.abandonAfter ?? DEFAULT_ABANDON_AFTER));
  const inbox = listen(state, input);

  setStatus(state, 'creating', 'Rest PKI Core to create the session');
  const link = await api.createSignatureSession({ workflowId, input });
  state.sessionId = link.sessionId;
  state.redirectUrl = link.redirectUrl;

  const waited = await waitForUser(state, inbox, link.sessionId, input, startedAt);
  let snapshot = waited.snapshot;

  if (!waited.ended && snapshot.status === 'Processing') {
    setStatus(state, 'processing', 'Rest PKI Core to finish processing the signed documents');
    snapshot = await longRunning.waitForBackgroundProcessing({ sessionId: link.sessionId });
  }

  let documents: StoredSignedDocument[] = [];
  if (!waited.ended && snapshot.status === 'Completed') {
    setStatus(state, 'downloading', 'the signed documents to be stored');
    documents = await longRunning.downloadSignedDocuments({ workflowId, sessionId: link.sessionId });
  }

  const outcome = waited.ended ?? outcomeOf(snapshot.status);
  state.result = {
    outcome,
    applicationKey: input.applicationKey,
    sessionId: link.sessionId,
    processingErrorCode: snapshot.processingErrorCode,
    signer: snapshot.signer,
    documents,
    finishedAt: new Date().toISOString(),
  };
  setStatus(state, outcome, `nothing: the session ended as ${outcome}`);
  await notifyApplication(input, state, 'signature-session.ended', null);

  await condition(allHandlersFinished);
  return state.result;
}

/** What the handlers leave for the main flow to act on. */
interface Inbox {
  returns: number;
  returnsVerified: number;
  documentSignedSinceLastRead: boolean;
  cancelRequested: boolean;
}

/**
 * Waits until the API says the user finished, the application cancels, or the deadline passes. Every return, every new
 * webhook and every tick of the reconcile schedule (minutes at first, then hours) leads to one read of the API: a
 * return or a webhook only says when to look, never what happened.
 */
async function waitForUser(
  state: SignatureSessionState,
  inbox: Inbox,
  sessionId: string,
  input: SignatureSessionInput,
  startedAt: number,
): Promise<WaitResult> {
  const schedule = { ...DEFAULT_RECONCILE, ...input.reconcile };
  const reminders = (input.remindAfter ?? []).map((after) => startedAt + msToNumber(after));
  const abandonAt = Date.parse(state.abandonAt);
  let reconcileDelay = msToNumber(schedule.initialInterval);
  let nextReadAt = Date.now() + reconcileDelay;

  for (;;) {
    const nextReminderAt = reminders[state.remindersDue.length];
    const wakeAt = Math.min(abandonAt, nextReadAt, nextReminderAt ?? Infinity);
    setStatus(state, 'waiting-for-user', `the user to sign, or a return, webhook or cancel; next look ${iso(wakeAt)}`);
    const nudged = await condition(
      () => inbox.returns > inbox.returnsVerified || inbox.documentSignedSinceLastRead || inbox.cancelRequested,
      Math.max(wakeAt - Date.now(), 1),
    );

    const now = Date.now();
    while (reminders[state.remindersDue.length] !== undefined && reminders[state.remindersDue.length]! <= now) {
      const reminder = { index: state.remindersDue.length, dueAt: iso(reminders[state.remindersDue.length]!) };
      state.remindersDue.push(reminder);
      await notifyApplication(input, state, 'signature-session.reminder-due', reminder);
    }
    if (!nudged && now < nextReadAt && now < abandonAt) continue;

    const returnsSeen = inbox.returns;
    inbox.documentSignedSinceLastRead = false;
    const snapshot = await api.readSignatureSession({ sessionId });
    state.restPkiStatus = snapshot.status;
    state.lastCheckedAt = iso(Date.now());
    inbox.returnsVerified = returnsSeen;

    if (snapshot.status !== 'Pending' && isKnownStatus(snapshot.status)) return { snapshot };
    if (inbox.cancelRequested) return { snapshot, ended: 'cancelled' };
    if (now >= abandonAt) return { snapshot, ended: 'abandoned' };
    if (now >= nextReadAt) {
      reconcileDelay = Math.min(reconcileDelay * schedule.backoffCoefficient, msToNumber(schedule.maximumInterval));
      nextReadAt = now + reconcileDelay;
    }
  }
}

/** Registers the message handlers; they only record what arrived, the main flow decides. */
function listen(state: SignatureSessionState, input: SignatureSessionInput): Inbox {
  const inbox: Inbox = { returns: 0, returnsVerified: 0, documentSignedSinceLastRead: false, cancelRequested: false };
  const stillWaiting = () => state.status === 'creating' || state.status === 'waiting-for-user';

  setHandler(sessionStateQuery, () => state);

  // The start that created the workflow delivers its update with the start itself, so it is always answered first.
  let linkRequests = 0;
  setHandler(
    sessionLinkUpdate,
    async () => {
      const created = linkRequests++ === 0;
      await condition(() => state.sessionId !== null && state.redirectUrl !== null);
      return { sessionId: state.sessionId!, redirectUrl: state.redirectUrl!, created };
    },
    {
      validator: ({ requestDigest }) => {
        if (requestDigest !== undefined && requestDigest !== input.requestDigest) {
          throw ApplicationFailure.create({
            type: SESSION_KEY_CONFLICT,
            message: `A session with the application key ${input.applicationKey} exists for a different request`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    userReturnedUpdate,
    async () => {
      if (stillWaiting()) {
        const ticket = ++inbox.returns;
        await condition(() => inbox.returnsVerified >= ticket || !stillWaiting());
      }
      return {
        applicationKey: input.applicationKey,
        restPkiStatus: state.restPkiStatus ?? 'Pending',
        status: state.status,
        applicationReturnUrl: state.applicationReturnUrl,
      };
    },
    {
      validator: ({ signatureSessionId }) => {
        if (state.sessionId === null || signatureSessionId !== state.sessionId) {
          throw new Error('The return names a signature session that is not this workflow’s');
        }
      },
    },
  );

  setHandler(userReturnedSignal, ({ signatureSessionId }) => {
    if (stillWaiting() && signatureSessionId === state.sessionId) inbox.returns++;
  });

  setHandler(documentSignedSignal, ({ documentId }) => {
    if (state.documentsReportedSigned.includes(documentId)) return;
    if (state.documentsReportedSigned.length >= MAX_REPORTED_DOCUMENTS) return;
    state.documentsReportedSigned.push(documentId);
    inbox.documentSignedSinceLastRead = true;
  });

  setHandler(
    cancelSessionUpdate,
    async () => {
      inbox.cancelRequested = true;
      await condition(() => !stillWaiting());
      return state;
    },
    {
      validator: () => {
        if (!stillWaiting()) throw new Error(`The session can no longer be cancelled: it is ${state.status}`);
      },
    },
  );

  return inbox;
}

/**
 * Tells the application at its notification URL, if it gave one, through a workflow of its own that keeps retrying
 * for days: the session does not wait for the application to answer.
 */
async function notifyApplication(
  input: SignatureSessionInput,
  state: SignatureSessionState,
  type: ApplicationEvent['type'],
  reminder: ReminderRecord | null,
): Promise<void> {
  if (!input.notificationUrl) return;
  const { workflowId } = workflowInfo();
  const id = `${workflowId}.${type === 'signature-session.ended' ? 'ended' : `reminder-${reminder?.index}`}`;
  const event: ApplicationEvent = {
    type,
    id,
    occurredAt: iso(Date.now()),
    data: {
      applicationKey: input.applicationKey,
      workflowId,
      sessionId: state.sessionId,
      status: state.status,
      reminder,
      result: state.result,
    },
  };
  await startChild(applicationNotification, {
    workflowId: `notification-${id}`,
    args: [input.notificationUrl, event],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}

function initialState(input: SignatureSessionInput, abandonAt: number): SignatureSessionState {
  return {
    applicationKey: input.applicationKey,
    status: 'creating',
    waitingFor: '',
    sessionId: null,
    redirectUrl: null,
    restPkiStatus: null,
    lastCheckedAt: null,
    abandonAt: iso(abandonAt),
    remindersDue: [],
    documentsReportedSigned: [],
    applicationReturnUrl: input.applicationReturnUrl ?? null,
    notificationUrl: input.notificationUrl ?? null,
    result: null,
  };
}

/** Records the status where operators see it: the query, the search attribute and the Web UI's current details. */
function setStatus(state: SignatureSessionState, status: SessionStatus, waitingFor: string): void {
  if (state.status !== status || state.waitingFor === '') {
    upsertSearchAttributes([
      { key: SESSION_STATUS, value: status },
      { key: APPLICATION_KEY, value: state.applicationKey },
      ...(state.sessionId === null ? [] : [{ key: RESTPKI_SESSION_ID, value: state.sessionId }]),
    ]);
  }
  state.status = status;
  state.waitingFor = waitingFor;
  setCurrentDetails(`${status}: waiting for ${waitingFor}`);
}

const KNOWN_STATUSES = ['Pending', 'Completed', 'UserCancelled', 'Expired', 'Processing', 'ProcessingError'];

/** A status this workflow does not know is treated as still pending: the deadline ends the session if nothing else does. */
function isKnownStatus(status: string): boolean {
  return KNOWN_STATUSES.includes(status);
}

function outcomeOf(status: string): SessionOutcome {
  switch (status) {
    case 'Completed':
      return 'completed';
    case 'UserCancelled':
      return 'user-cancelled';
    case 'Expired':
      return 'expired';
    default:
      return 'processing-error';
  }
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
