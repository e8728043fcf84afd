/**
 * The user's part, played over HTTP as a browser would: open the signing page, press Sign with a certificate of the
 * test PKI (a form post answered by a 303 to the return URL), then land on that return URL and wait for its answer.
 */
import { now } from './timing';

/** The test PKI's certificate every benchmark signs with (no requirements refuse it). */
export const CERTIFICATE_ID = 'ana-a1';

/** The application's own page after a return: nothing listens there, the benchmarks only read the redirect to it. */
export const APPLICATION_PAGE = 'http://127.0.0.1:9/orders/signed';

/** Thrown when the signing page or a return URL does not answer as a browser expects. */
export class UnexpectedAnswerError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${step}: HTTP ${status} ${body.slice(0, 200)}`);
    this.name = 'UnexpectedAnswerError';
  }
}

/** Opens the signing page, as the browser does before the user presses Sign. */
export async function openSigningPage(redirectUrl: string): Promise<void> {
  const response = await fetch(redirectUrl);
  const body = await response.text();
  if (response.status !== 200) throw new UnexpectedAnswerError('open the signing page', response.status, body);
}

/**
 * Presses Sign on the page at `redirectUrl` (optionally opening it first) and returns where the service sends the
 * browser: the return URL with `signatureSessionId` added.
 */
export async function signOnPage(redirectUrl: string, options: { openPage?: boolean } = {}): Promise<string> {
  if (options.openPage ?? true) await openSigningPage(redirectUrl);
  const response = await fetch(`${redirectUrl}/sign`, {
    method: 'POST',
    body: new URLSearchParams({ certificateId: CERTIFICATE_ID }),
    redirect: 'manual',
  });
  const location = response.headers.get('location');
  const body = await response.text();
  if (response.status !== 303 || location === null)
    throw new UnexpectedAnswerError('press Sign', response.status, body);
  return new URL(location, redirectUrl).href;
}

/** A return as the browser saw it. */
export interface Landing {
  status: number;
  /** Where the return route sends the browser next. */
  location: string | null;
  /** From the request until the whole answer arrived. */
  ms: number;
  /** When the request was sent, on the monotonic clock of {@link now}. */
  startedAt: number;
  /** When the request was sent, on the wall clock, to compare with times in a workflow's history. */
  startedAtEpochMs: number;
}

/** Lands on a return URL and waits for the whole answer, without following its redirect. */
export async function landOn(returnUrl: string): Promise<Landing> {
  const startedAtEpochMs = Date.now();
  const startedAt = now();
  const response = await fetch(returnUrl, { redirect: 'manual' });
  const body = await response.text();
  const ms = now() - startedAt;
  if (response.status >= 400) throw new UnexpectedAnswerError('land on the return URL', response.status, body);
  return { status: response.status, location: response.headers.get('location'), ms, startedAt, startedAtEpochMs };
}

/** The `signatureSessionId` the service added to a return URL. */
export function signatureSessionIdOf(returnUrl: string): string {
  const id = new URL(returnUrl).searchParams.get('signatureSessionId');
  if (!id) throw new UnexpectedAnswerError('read the return URL', 0, returnUrl);
  return id;
}
