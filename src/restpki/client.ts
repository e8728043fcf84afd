/**
 * The typed client of Rest PKI Core's signature session and document API: one method per call the project makes,
 * every answer parsed with the models' schemas, every failure turned into one of the named errors of `./errors`. It
 * keeps no state beyond its settings, so one instance serves all activities of a worker.
 */
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { z } from 'zod';
import { ConfigError, durationSetting, loadConfig } from '../config';
import {
  RestPkiBadOperationError,
  RestPkiNotFoundError,
  RestPkiRequestError,
  type RestPkiRequestErrorKind,
  RestPkiResponseError,
  RestPkiUnavailableError,
  type RestPkiOperation,
} from './errors';
import {
  createSignatureSessionResponseSchema,
  documentModelSchema,
  documentQueryResponseSchema,
  errorModelV2Schema,
  sessionCompletionStatusSchema,
  signatureSessionModelSchema,
  signerSummarySchema,
  type CreateSignatureSessionRequest,
  type CreateSignatureSessionResponse,
  type DocumentModel,
  type DocumentQueryResponse,
  type SessionCompletionStatus,
  type SignatureSessionModel,
  type SignerSummary,
} from './models';

/** How to reach a Rest PKI Core instance. */
export interface RestPkiClientOptions {
  /** The instance's base URL, with or without a trailing slash (a path prefix such as `/restpki/` is kept). */
  endpoint: string | URL;
  /** The application's key, sent as `X-Api-Key`; it never appears in messages, JSON or inspection of the client. */
  apiKey: string;
  /** Time allowed for one ordinary call, or for a download's headers; default 30 seconds. */
  timeoutMs?: number;
  /** Time allowed for one long poll; it must exceed the server's hold of about 15 seconds; default 60 seconds. */
  longPollTimeoutMs?: number;
  userAgent?: string;
}

/** A file being downloaded: read `body` to the end or destroy it. */
export interface DownloadedFile {
  /** The bytes as they arrive, never buffered whole. Errors while reading are {@link RestPkiUnavailableError}s. */
  body: Readable;
  /** The announced length, when the server gave one for the bytes as delivered (not for a compressed transfer). */
  contentLength?: number;
  contentType?: string;
}

/** Options of the calls that may be cancelled by their caller, such as a Temporal activity's cancellation signal. */
export interface CallOptions {
  /** When it aborts, the call stops and rejects with the signal's `reason`. */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_LONG_POLL_TIMEOUT_MS = 60_000;
const DEFAULT_USER_AGENT = 'signature-sessions';
/** Server-provided text quoted in an error message is cut here; it is a hint, not a transcript. */
const MAX_QUOTED_LENGTH = 300;

interface ApiCall<T extends z.ZodType> {
  operation: RestPkiOperation;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  model: string;
  schema: T;
}

/** A client of one Rest PKI Core instance with one API key. */
export class RestPkiClient {
  /** The base URL every API path is resolved against; it always ends with `/`. */
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly longPollTimeoutMs: number;
  readonly #apiKey: string;
  readonly #userAgent: string;

  constructor(options: RestPkiClientOptions) {
    const base = parseHttpUrl(String(options.endpoint));
    if (!base) throw new TypeError('RestPkiClient: the endpoint must be an absolute http or https URL');
    if (!options.apiKey) throw new TypeError('RestPkiClient: the API key is empty');

    base.search = '';
    base.hash = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.endpoint = base.href;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.longPollTimeoutMs = options.longPollTimeoutMs ?? DEFAULT_LONG_POLL_TIMEOUT_MS;
    this.#apiKey = options.apiKey;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  }

  /**
   * Creates a signature session and returns where to send the user. The request is sent as given: validate outside
   * input with `createSignatureSessionRequestSchema` at the edge.
   */
  async createSession(
    request: CreateSignatureSessionRequest,
    options: CallOptions = {},
  ): Promise<CreateSignatureSessionResponse> {
    return this.#call({
      operation: { action: 'create a signature session' },
      method: 'POST',
      path: 'api/signature-sessions',
      body: request,
      timeoutMs: this.timeoutMs,
      signal: options.signal,
      model: 'CreateSignatureSessionResponse',
      schema: createSignatureSessionResponseSchema,
    });
  }

  /** Reads a session's status, documents and signer. Unknown session: {@link RestPkiNotFoundError}. */
  async getSession(id: string, options: CallOptions = {}): Promise<SignatureSessionModel> {
    return this.#call({
      operation: { action: 'get signature session', resource: id },
      method: 'GET',
      path: `api/signature-sessions/${encodeURIComponent(id)}`,
      timeoutMs: this.timeoutMs,
      signal: options.signal,
      model: 'SignatureSessionModel',
      schema: signatureSessionModelSchema,
    });
  }

  /**
   * Makes ONE long poll for the completion of a session's background processing: the server holds the request for a
   * while and answers `completed: true` as soon as it is done, or `completed: false` with a `progress` when its wait
   * ran out. Callers loop (and heartbeat). A `Pending` session answers {@link RestPkiBadOperationError}.
   */
  async waitForSessionCompletion(id: string, options: CallOptions = {}): Promise<SessionCompletionStatus> {
    return this.#call({
      operation: { action: 'wait for the completion of signature session', resource: id },
      method: 'GET',
      path: `api/signature-sessions/${encodeURIComponent(id)}/when-completed`,
      timeoutMs: this.longPollTimeoutMs,
      signal: options.signal,
      model: 'SessionCompletionStatus',
      schema: sessionCompletionStatusSchema,
    });
  }

  /** Reads a document with its signers, metadata and fresh file URLs. Unknown document: {@link RestPkiNotFoundError}. */
  async getDocument(id: string, options: CallOptions = {}): Promise<DocumentModel> {
    return this.#call({
      operation: { action: 'get document', resource: id },
      method: 'GET',
      path: `api/documents/${encodeURIComponent(id)}`,
      timeoutMs: this.timeoutMs,
      signal: options.signal,
      model: 'DocumentModel',
      schema: documentModelSchema,
    });
  }

  /** Reads who signed a document and when. */
  async getDocumentSigners(id: string, options: CallOptions = {}): Promise<SignerSummary[]> {
    return this.#call({
      operation: { action: 'get the signers of document', resource: id },
      method: 'GET',
      path: `api/documents/${encodeURIComponent(id)}/signers`,
      timeoutMs: this.timeoutMs,
      signal: options.signal,
      model: 'SignerSummary[]',
      schema: z.array(signerSummarySchema),
    });
  }

  /** Finds a document by its key, formatted (`XXXX-XXXX-...`) or not. An unknown key is `found: false`, not an error. */
  async findDocumentByKey(key: string, options: CallOptions = {}): Promise<DocumentQueryResponse> {
    return this.#call({
      operation: { action: 'find the document with key', resource: key },
      method: 'GET',
      path: `api/documents/keys/${encodeURIComponent(key)}`,
      timeoutMs: this.timeoutMs,
      signal: options.signal,
      model: 'DocumentQueryResponse',
      schema: documentQueryResponseSchema,
    });
  }

  /**
   * Starts downloading a file from the URL of a `DocumentFileModel`. The URL carries its own authorization, so the
   * request is a plain GET without the API key; messages name only the URL's host, never its path or query. The
   * timeout covers the wait for headers; a stalled body is left to the caller's signal and undici's body timeout.
   */
  async downloadFile(url: string, options: CallOptions = {}): Promise<DownloadedFile> {
    const target = parseHttpUrl(url);
    if (!target) {
      throw new RestPkiResponseError('the file URL is not an absolute http or https URL', {
        operation: { action: 'download a file' },
        model: 'DocumentFileModel',
        path: 'url',
      });
    }
    const operation = { action: 'download a file from', resource: target.host };

    const headersTimeout = new AbortController();
    const timer = setTimeout(
      () => headersTimeout.abort(new Error(`no answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    const signal = options.signal ? AbortSignal.any([options.signal, headersTimeout.signal]) : headersTimeout.signal;
    let response: Response;
    try {
      response = await fetch(target, { headers: { 'User-Agent': this.#userAgent }, signal });
    } catch (error) {
      throw transportError(operation, error, options.signal, headersTimeout.signal, this.timeoutMs);
    } finally {
      clearTimeout(timer);
    }

    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw errorForStatus(operation, response.status, undefined);
    }

    return {
      body: readableBody(response, operation, options.signal),
      contentLength: announcedLength(response.headers),
      contentType: response.headers.get('content-type') ?? undefined,
    };
  }

  /** Only the endpoint and timeouts: the API key stays out of logs. */
  toJSON(): { endpoint: string; timeoutMs: number; longPollTimeoutMs: number } {
    return { endpoint: this.endpoint, timeoutMs: this.timeoutMs, longPollTimeoutMs: this.longPollTimeoutMs };
  }

  [inspect.custom](): string {
    return `RestPkiClient { endpoint: '${this.endpoint}' }`;
  }

  async #call<T extends z.ZodType>(call: ApiCall<T>): Promise<z.output<T>> {
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      'X-Api-Key': this.#apiKey,
      Accept: 'application/json',
      'User-Agent': this.#userAgent,
    };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';

    let status: number;
    let text: string;
    try {
      // Redirects are not followed: undici would carry X-Api-Key to wherever the Location points.
      const response = await fetch(new URL(call.path, this.endpoint), {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        redirect: 'manual',
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw transportError(call.operation, error, call.signal, timeout, call.timeoutMs);
    }

    if (status >= 300 && status < 400) {
      throw new RestPkiResponseError(`the service answered with a redirect (${status}), which is not followed`, {
        operation: call.operation,
        status,
      });
    }
    if (status < 200 || status >= 300) {
      throw errorForStatus(call.operation, status, readErrorBody(text, this.#secrets()));
    }
    return parseAnswer(call, status, text);
  }

  /** The key and, for `name|secret` keys, the secret part alone: either must never be quoted back from the server. */
  #secrets(): string[] {
    const secretPart = this.#apiKey.slice(this.#apiKey.indexOf('|') + 1);
    return secretPart.length >= 8 && secretPart !== this.#apiKey ? [this.#apiKey, secretPart] : [this.#apiKey];
  }
}

function parseHttpUrl(value: string): URL | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

function parseAnswer<T extends z.ZodType>(call: ApiCall<T>, status: number, text: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // No cause: V8's SyntaxError quotes the start of the body, which may hold personal data.
    throw new RestPkiResponseError(`the answer is not the JSON of a ${call.model}`, {
      operation: call.operation,
      status,
      model: call.model,
    });
  }

  const result = call.schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? formatPath(issue.path) : '';
  throw new RestPkiResponseError(
    `the answer does not match ${call.model} at ${path || '(root)'}: ${issue?.message ?? 'invalid'}`,
    { operation: call.operation, status, model: call.model, path },
  );
}

/** `['documents', 0, 'id']` -> `documents[0].id` */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

interface ErrorBody {
  code?: string;
  message?: string;
  details: Record<string, string>;
}

/**
 * Reads what an error answer says, tolerating ErrorModelV2, ASP.NET's validation problem (`title`, `errors`), or no
 * JSON at all. Quoted text is cut short and scrubbed of the API key, in case a server echoes what it was sent.
 */
function readErrorBody(text: string, secrets: string[]): ErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }

  const scrub = (value: string): string => {
    const cleaned = secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), value);
    return cleaned.length > MAX_QUOTED_LENGTH ? `${cleaned.slice(0, MAX_QUOTED_LENGTH)}...` : cleaned;
  };
  const model = errorModelV2Schema.safeParse(json);
  const problem = z
    .object({ title: z.string().optional(), errors: z.record(z.string(), z.array(z.string())).optional() })
    .safeParse(json);

  const details: Record<string, string> = {};
  for (const [field, message] of Object.entries(model.success ? model.data.details : {})) {
    if (message) details[scrub(field)] = scrub(message);
  }
  for (const [field, messages] of Object.entries(problem.success ? (problem.data.errors ?? {}) : {})) {
    details[scrub(field)] = scrub(messages.join(' '));
  }
  const message = (model.success ? (model.data.message ?? model.data.detail) : null) ?? problem.data?.title;
  return {
    code: (model.success ? model.data.code : null) ?? undefined,
    message: message ? scrub(message) : undefined,
    details,
  };
}

function requestErrorKind(status: number, code: string | undefined): RestPkiRequestErrorKind {
  if (code === 'BadSignatureSessionOperation') return 'BadSignatureSessionOperation';
  if (status === 404 || status === 410 || code?.endsWith('NotFound')) return 'NotFound';
  if (status === 400) return 'BadRequest';
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 415) return 'UnsupportedMediaType';
  if (status === 422) return 'Unprocessable';
  return 'Other';
}

function errorForStatus(operation: RestPkiOperation, status: number, body: ErrorBody | undefined): Error {
  const code = body?.code;
  const fieldList = Object.entries(body?.details ?? {})
    .filter(([field]) => !body?.message?.includes(field))
    .map(([field, message]) => `${field}: ${message}`);
  const problem = [
    `${status}${code ? ` ${code}` : ''}`,
    body?.message,
    fieldList.length > 0 ? `(${fieldList.join('; ')})` : undefined,
  ]
    .filter(Boolean)
    .join(' ');

  // A resource still being processed answers 422 BackgroundProcessing: unlike other 4xx, waiting does help.
  if (status >= 500 || status === 408 || status === 429 || code === 'BackgroundProcessing') {
    return new RestPkiUnavailableError(problem, { operation, status, code });
  }

  const fields = { operation, status, code, details: body?.details };
  const kind = requestErrorKind(status, code);
  if (kind === 'NotFound') return new RestPkiNotFoundError(problem, fields);
  if (kind === 'BadSignatureSessionOperation') return new RestPkiBadOperationError(problem, fields);
  return new RestPkiRequestError(problem, { ...fields, kind });
}

/** A failure before any answer: the caller's own cancellation passes through, the rest is retryable. */
function transportError(
  operation: RestPkiOperation,
  error: unknown,
  callerSignal: AbortSignal | undefined,
  timeoutSignal: AbortSignal,
  timeoutMs: number,
): unknown {
  if (callerSignal?.aborted) return callerSignal.reason;
  if (timeoutSignal.aborted) {
    return new RestPkiUnavailableError(`no answer within ${timeoutMs} ms`, { operation, cause: error });
  }
  return new RestPkiUnavailableError('the service could not be reached', { operation, cause: error });
}

function announcedLength(headers: Headers): number | undefined {
  // With a compressed transfer, fetch hands over the decoded bytes, whose length the header does not give.
  const encoding = headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const length = Number(headers.get('content-length') ?? Number.NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** The response body as a byte stream whose errors are named; destroying it cancels the download. */
function readableBody(
  response: Response,
  operation: RestPkiOperation,
  callerSignal: AbortSignal | undefined,
): Readable {
  const body = response.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (!body) return;
    try {
      for await (const chunk of body) yield chunk;
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      throw new RestPkiUnavailableError('the download broke off', { operation, cause: error });
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

const restPkiSettingsSchema = z
  .object({
    RESTPKI_ENDPOINT: z.url({ protocol: /^https?$/, error: 'expected an absolute http or https URL' }).optional(),
    RESTPKI_API_KEY: z.string().min(1).optional(),
    RESTPKI_TIMEOUT: durationSetting.optional(),
  })
  .superRefine((settings, ctx) => {
    if (settings.RESTPKI_ENDPOINT && !settings.RESTPKI_API_KEY) {
      ctx.addIssue({ code: 'custom', path: ['RESTPKI_API_KEY'], message: 'required when RESTPKI_ENDPOINT is set' });
    }
  });

/**
 * Reads the Rest PKI Core instance to use from `RESTPKI_ENDPOINT`, `RESTPKI_API_KEY` and the optional
 * `RESTPKI_TIMEOUT` (a duration, per call), or `undefined` when no endpoint is set (for processes that fall back to
 * the local service). A {@link ConfigError} names a bad variable, never its value.
 */
export function loadOptionalRestPkiSettings(env: NodeJS.ProcessEnv = process.env): RestPkiClientOptions | undefined {
  const settings = loadConfig(restPkiSettingsSchema, env);
  if (!settings.RESTPKI_ENDPOINT || !settings.RESTPKI_API_KEY) return undefined;
  return {
    endpoint: settings.RESTPKI_ENDPOINT,
    apiKey: settings.RESTPKI_API_KEY,
    ...(settings.RESTPKI_TIMEOUT === undefined ? {} : { timeoutMs: settings.RESTPKI_TIMEOUT }),
  };
}

/** Like {@link loadOptionalRestPkiSettings}, for processes that cannot run without an instance: both are required. */
export function loadRestPkiSettings(env: NodeJS.ProcessEnv = process.env): RestPkiClientOptions {
  const settings = loadOptionalRestPkiSettings(env);
  if (!settings) throw new ConfigError([{ name: 'RESTPKI_ENDPOINT', problem: 'required' }]);
  return settings;
}
