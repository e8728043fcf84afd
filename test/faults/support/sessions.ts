/**
 * The sessions a fault test runs, each with the outcome it must reach whatever breaks on the way: the user signs and
 * comes back, cancels on the page, the application cancels, the user signs and the return is only noted, the user
 * signs in the webhook flow and never comes back, or background processing finds the certificate revoked. Every call
 * to Temporal is made patiently (bounded retries with a deadline per attempt), as a real caller facing the same
 * faults would; every call is safe to repeat.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import {
  SessionEndedError,
  SessionKeyConflictError,
  type SignatureSessionsClient,
} from '../../../src/client/signature-sessions-client';
import { type DocumentToStart, type StartSessionRequest } from '../../../src/client/start-request';
import { inLanes } from '../../../src/concurrency';
import { type SessionOutcome, type SignatureSessionResult } from '../../../src/workflows/messages';
import { samplePdf, sampleXml } from '../../helpers/documents';
import { cancelAsUser, signAsUser } from '../../helpers/signing-page';

export const SESSION_KINDS = [
  'sign-and-return',
  'user-cancel',
  'application-cancel',
  'sign-then-note-return',
  'sign-webhook-only',
  'revoked-in-processing',
] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** How each kind of session must end. */
export const EXPECTED_OUTCOME: Record<SessionKind, SessionOutcome> = {
  'sign-and-return': 'completed',
  'user-cancel': 'user-cancelled',
  'application-cancel': 'cancelled',
  'sign-then-note-return': 'completed',
  'sign-webhook-only': 'completed',
  'revoked-in-processing': 'processing-error',
};

/** The certificate each kind signs with; the revoked one only fails in background processing. */
const CERTIFICATE: Partial<Record<SessionKind, string>> = {
  'sign-and-return': 'ana-a1',
  'sign-then-note-return': 'bruno-a3',
  'sign-webhook-only': 'carla-a3',
  'revoked-in-processing': 'diego-revoked-a1',
};

/** A session the test started and acted on. */
export interface DrivenSession {
  kind: SessionKind;
  applicationKey: string;
  workflowId: string;
  sessionId: string;
  documentCount: number;
  /** When the start call returned (epoch ms). */
  startedAt: number;
}

export interface SessionDriver {
  client: Client;
  sessions: SignatureSessionsClient;
  /** A prefix for application keys, unique to the test. */
  keyPrefix: string;
}

/** Small documents of each signature type, made once per process; signing them costs the service little. */
let samples: Promise<DocumentToStart[]> | undefined;
function sampleDocuments(): Promise<DocumentToStart[]> {
  samples ??= (async () => [
    {
      name: 'contract.pdf',
      content: (await samplePdf('Fault test contract')).toString('base64'),
      signatureType: 'Pdf',
    },
    { name: 'terms.xml', content: sampleXml('Fault test terms').toString('base64'), signatureType: 'Xml' },
    { name: 'annex.txt', content: Buffer.from('Fault test annex.\n').toString('base64'), signatureType: 'Cms' },
  ])();
  return samples;
}

/** The start request of the `index`-th session of `kind`: one document, or two for every fifth session. */
export async function requestFor(
  driver: SessionDriver,
  kind: SessionKind,
  index: number,
): Promise<StartSessionRequest> {
  const documents = await sampleDocuments();
  const chosen = [documents[index % 3]!, ...(index % 5 === 0 ? [documents[(index + 1) % 3]!] : [])];
  const webhookFlow = kind === 'sign-webhook-only';
  return {
    applicationKey: `${driver.keyPrefix}-${kind}-${index}`,
    documents: chosen,
    ...(webhookFlow ? {} : { returnUrl: `http://application.test/return?order=${index}` }),
    enableBackgroundProcessing: webhookFlow || kind === 'revoked-in-processing',
  };
}

/** Errors that no repetition can fix: the workflow failed, or the request is refused for good. */
function isFinal(error: unknown): boolean {
  return error instanceof WorkflowFailedError || error instanceof SessionKeyConflictError || error instanceof TypeError;
}

/**
 * Calls `call` until it succeeds, each attempt bounded by `attemptMs` through the client's deadline, at most
 * `attempts` times and for at most `withinMs` in all. The error says what was being done and how it last failed.
 */
export async function patiently<T>(
  client: Client,
  what: string,
  call: () => Promise<T>,
  { attempts = 60, withinMs = 300_000, attemptMs = 20_000 } = {},
): Promise<T> {
  const giveUpAt = Date.now() + withinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.withDeadline(Date.now() + attemptMs, call);
    } catch (error) {
      if (isFinal(error) || attempt >= attempts || Date.now() >= giveUpAt) {
        throw new Error(`${what}: gave up after ${attempt} attempts`, { cause: error });
      }
      await sleep(Math.min(500 * attempt, 3000));
    }
  }
}

function signatureSessionIdFrom(location: string | null, what: string): string {
  const id = location ? new URL(location).searchParams.get('signatureSessionId') : null;
  if (!id) throw new Error(`${what}: the signing page returned to ${location ?? 'nowhere'}`);
  return id;
}

/** Starts the session of `request`, patiently. */
export async function startSession(
  driver: SessionDriver,
  kind: SessionKind,
  request: StartSessionRequest,
): Promise<DrivenSession> {
  const started = await patiently(driver.client, `start ${request.applicationKey}`, () =>
    driver.sessions.start(request),
  );
  return {
    kind,
    applicationKey: started.applicationKey,
    workflowId: started.workflowId,
    sessionId: started.sessionId,
    documentCount: request.documents?.length ?? 0,
    startedAt: Date.now(),
  };
}

/**
 * Plays the user's or the application's part of a started session, and answers when the signing page answered the
 * user's signature (null when nobody signed). A return is reported with an answer when the workflow answers in 10 s,
 * else noted durably (as the gateway's return route does).
 */
export async function actOn(driver: SessionDriver, session: DrivenSession): Promise<number | null> {
  const { client, sessions } = driver;
  const what = `${session.kind} ${session.applicationKey}`;
  const redirectUrl = await redirectUrlOf(driver, session);
  const noteReturn = async (signatureSessionId: string) =>
    patiently(client, `note the return of ${what}`, () => sessions.noteReturn(session.workflowId, signatureSessionId));

  switch (session.kind) {
    case 'sign-and-return': {
      const { location } = await signAsUser(redirectUrl, CERTIFICATE[session.kind]!);
      const signedAt = Date.now();
      const signatureSessionId = signatureSessionIdFrom(location, what);
      try {
        await client.withDeadline(Date.now() + 10_000, () =>
          sessions.reportReturn(session.workflowId, signatureSessionId),
        );
      } catch {
        await noteReturn(signatureSessionId);
      }
      return signedAt;
    }
    case 'user-cancel': {
      const { location } = await cancelAsUser(redirectUrl);
      await noteReturn(signatureSessionIdFrom(location, what));
      return null;
    }
    case 'application-cancel':
      await patiently(client, `cancel ${what}`, async () => {
        try {
          await sessions.cancel(session.applicationKey);
        } catch (error) {
          // An earlier attempt took effect but its answer was lost: the session ended, which the outcome check reads.
          if (!(error instanceof SessionEndedError)) throw error;
        }
      });
      return null;
    case 'sign-then-note-return':
    case 'revoked-in-processing': {
      const { location } = await signAsUser(redirectUrl, CERTIFICATE[session.kind]!);
      const signedAt = Date.now();
      await noteReturn(signatureSessionIdFrom(location, what));
      return signedAt;
    }
    case 'sign-webhook-only':
      await signAsUser(redirectUrl, CERTIFICATE[session.kind]!);
      return Date.now();
  }
}

/** The redirect URL of a started session, read from its state (patiently). */
export async function redirectUrlOf(driver: SessionDriver, session: DrivenSession): Promise<string> {
  const state = await patiently(driver.client, `read ${session.applicationKey}`, () =>
    driver.sessions.get(session.applicationKey),
  );
  if (!state.redirectUrl) throw new Error(`${session.applicationKey} has no redirect URL`);
  return state.redirectUrl;
}

/** Starts `count` sessions, kinds in turn, `lanes` at a time, without acting on them. */
export async function startSessions(driver: SessionDriver, count: number, lanes: number): Promise<DrivenSession[]> {
  return inLanes(count, lanes, async (index) => {
    const kind = SESSION_KINDS[index % SESSION_KINDS.length]!;
    return startSession(driver, kind, await requestFor(driver, kind, index));
  });
}

/** Starts and plays `count` sessions, kinds in turn, `lanes` at a time. */
export async function runSessions(
  driver: SessionDriver,
  count: number,
  lanes: number,
  onStarted: (session: DrivenSession) => void = () => undefined,
): Promise<DrivenSession[]> {
  return inLanes(count, lanes, async (index) => {
    const kind = SESSION_KINDS[index % SESSION_KINDS.length]!;
    const session = await startSession(driver, kind, await requestFor(driver, kind, index));
    onStarted(session);
    await actOn(driver, session);
    return session;
  });
}

/**
 * Waits for every session's result, patiently, for at most `withinMs` in all. When time runs out the error lists the
 * sessions still running and what each is waiting for.
 */
export async function resultsOf(
  driver: SessionDriver,
  driven: DrivenSession[],
  withinMs: number,
): Promise<Map<string, SignatureSessionResult>> {
  const results = new Map<string, SignatureSessionResult>();
  const giveUpAt = Date.now() + withinMs;
  for (const session of driven) {
    const remaining = giveUpAt - Date.now();
    try {
      const result = await patiently(
        driver.client,
        `result of ${session.applicationKey}`,
        () => driver.sessions.result(session.applicationKey),
        { withinMs: Math.max(remaining, 1), attemptMs: Math.max(Math.min(remaining, 60_000), 1) },
      );
      results.set(session.applicationKey, result);
    } catch (error) {
      const waiting = await stillRunning(driver, driven, results);
      throw new Error(`Sessions did not all end within ${withinMs} ms; still running:\n${waiting.join('\n')}`, {
        cause: error,
      });
    }
  }
  return results;
}

async function stillRunning(
  driver: SessionDriver,
  driven: DrivenSession[],
  results: Map<string, SignatureSessionResult>,
): Promise<string[]> {
  const lines: string[] = [];
  for (const session of driven.filter((candidate) => !results.has(candidate.applicationKey)).slice(0, 20)) {
    const line = await driver.client.workflow
      .getHandle(session.workflowId)
      .describe()
      .then((description) => {
        const pending = description.raw.pendingActivities ?? [];
        const activities = pending.map(
          (activity) =>
            `${activity.activityType?.name} attempt ${activity.attempt}: ${activity.lastFailure?.message ?? 'no failure'}`,
        );
        return `${session.kind} ${session.applicationKey} ${description.status.name} ${activities.join('; ')}`;
      })
      .catch((error: unknown) => `${session.applicationKey}: describe failed: ${String(error)}`);
    lines.push(line);
  }
  return lines;
}
