/**
 * Shared by the local service's tests: calling the API as a client would, sample documents, and a real local HTTP
 * server playing the application (webhook receiver, file-validation endpoint, document host, return page).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { type TestRestPki } from '../helpers/local-restpki';
import { assertHasEveryProperty, assertMatchesContract } from './contract';

/** An answer from the API: status, headers and parsed JSON (or null). */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Calls `path` of the service with the full-access key unless `apiKey` says otherwise (`null`: no key). */
export async function callApi(
  service: Pick<TestRestPki, 'url' | 'apiKey'>,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: {
    body?: unknown;
    rawBody?: string;
    contentType?: string | null;
    apiKey?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const apiKey = options.apiKey === undefined ? service.apiKey : options.apiKey;
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  const contentType =
    options.contentType === undefined && body !== undefined ? 'application/json' : options.contentType;
  if (contentType) headers['content-type'] = contentType;

  const response = await fetch(`${service.url}${path}`, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? null : (JSON.parse(text) as unknown),
  };
}

/** `DocumentFileModel`. */
export interface FileModel {
  mimeType: string | null;
  content: string | null;
  blobToken: string | null;
  url: string | null;
  name: string | null;
  length: number;
  contentType: string | null;
  location: string | null;
}

/** `SignatureSessionDocumentSummary`. */
export interface DocumentSummary {
  status: string;
  dateSigned: string | null;
  id: string;
  key: string | null;
  formattedKey: string | null;
  originalFile: FileModel | null;
  markedFile: FileModel | null;
  signedFile: FileModel | null;
  signatureType: string;
  availableUntil: string | null;
}

/** The parts of `CertificateModel` and `CertificateSummary` tests read. */
export interface CertificateFields {
  thumbprintSHA256: string | null;
  subjectCommonName: string | null;
  pkiBrazil?: { cpf: string | null; certificateType: string } | null;
}

/** `SignatureSessionModel`. */
export interface SessionModel {
  id: string;
  status: string;
  processingErrorCode: string | null;
  callbackArgument: string | null;
  signerCertificate: CertificateFields | null;
  documents: DocumentSummary[] | null;
}

/** `SignerSummary`. */
export interface SignerSummary {
  certificate: CertificateFields | null;
  date: string;
}

/** `DocumentModel`. */
export interface DocumentModel extends Omit<DocumentSummary, 'status' | 'dateSigned'> {
  signers: SignerSummary[] | null;
  metadata: Record<string, string[] | null> | null;
}

/** `ErrorModelV2`, plus the `exceptionCode` of a 500. */
export interface ErrorModel {
  code: string | null;
  message: string | null;
  detail: string | null;
  details: Record<string, string | null> | null;
  validationResults: unknown;
  exceptionCode?: string;
}

/** Asserts `answer` is a 200 whose body is a complete, valid `model` (every property present), and returns it. */
export function readModel<T>(answer: ApiAnswer, model: string): T {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assertMatchesContract(model, answer.body);
  if (!model.endsWith('[]')) assertHasEveryProperty(model, answer.body);
  else for (const item of answer.body as unknown[]) assertHasEveryProperty(model.slice(0, -2), item);
  return answer.body as T;
}

/** Asserts `answer` is an `ErrorModelV2` with `status` (and `code`, when given), and returns it. */
export function readError(answer: ApiAnswer, status: number, code?: string): ErrorModel {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  const { exceptionCode, ...body } = answer.body as ErrorModel;
  assertMatchesContract('ErrorModelV2', body);
  assertHasEveryProperty('ErrorModelV2', body);
  if (code !== undefined) assert.equal(body.code, code);
  return { ...body, ...(exceptionCode === undefined ? {} : { exceptionCode }) };
}

/** Reads a session, checking it against the contract. */
export async function getSession(
  service: Pick<TestRestPki, 'url' | 'apiKey'>,
  sessionId: string,
): Promise<SessionModel> {
  return readModel<SessionModel>(
    await callApi(service, 'GET', `/api/signature-sessions/${sessionId}`),
    'SignatureSessionModel',
  );
}

/** Reads a document, checking it against the contract. */
export async function getDocument(
  service: Pick<TestRestPki, 'url' | 'apiKey'>,
  documentId: string,
): Promise<DocumentModel> {
  return readModel<DocumentModel>(await callApi(service, 'GET', `/api/documents/${documentId}`), 'DocumentModel');
}

/** Creates a session and returns `{ sessionId, redirectUrl }`, failing the test on anything but 200. */
export async function createSession(
  service: Pick<TestRestPki, 'url' | 'apiKey'>,
  request: Record<string, unknown>,
): Promise<{ sessionId: string; redirectUrl: string }> {
  return readModel(
    await callApi(service, 'POST', '/api/signature-sessions', { body: request }),
    'CreateSignatureSessionResponse',
  );
}

/** A one-page PDF with a line of text. */
export async function samplePdf(text = 'Contract'): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595, 842]);
  page.drawText(text, { x: 50, y: 780, size: 18, font: await pdf.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await pdf.save());
}

/** A small XML document. */
export function sampleXml(subject = 'Terms'): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<contract><subject>${subject}</subject></contract>\n`);
}

/** An inline document for a create-session request. */
export function inlineDocument(
  name: string,
  bytes: Buffer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { file: { name, content: bytes.toString('base64') }, ...extra };
}

/** A request the fake application received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): unknown;
}

/** What the fake application answers: status, JSON body (or text), and content type. */
export interface FakeAnswer {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  body?: Buffer;
}

/** A real HTTP server standing in for the application. */
export interface FakeApplication {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Sets how the next requests are answered. */
  answerWith(answer: (request: ReceivedRequest) => FakeAnswer): void;
  /** Waits until `count` requests matching `path` (a prefix) were received; returns them. */
  waitForRequests(path: string, count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts the fake application on a free port (or `port`); it answers 200 `{}` until told otherwise. */
export async function startFakeApplication(port = 0): Promise<FakeApplication> {
  const received: ReceivedRequest[] = [];
  let answer: (request: ReceivedRequest) => FakeAnswer = () => ({ status: 200, json: {} });

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: ReceivedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
        json: () => JSON.parse(body.toString('utf8')) as unknown,
      };
      received.push(entry);
      const reply = answer(entry);
      const payload =
        reply.body ?? Buffer.from(reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json)));
      response.writeHead(reply.status, {
        'content-type':
          reply.contentType ?? (reply.text !== undefined ? 'text/html; charset=utf-8' : 'application/json'),
        'content-length': payload.length,
      });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const boundPort = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${boundPort}`,
    port: boundPort,
    received,
    answerWith: (next) => {
      answer = next;
    },
    waitForRequests: async (path, count, timeoutMs = 10_000) => {
      const matching = () => received.filter((request) => request.url.startsWith(path));
      await waitUntil(() => matching().length >= count, timeoutMs, `${count} requests to ${path}`);
      return matching();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `condition` every 50 ms until it holds, failing after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Downloads a URL without any API key, as a browser or a plain client would. */
export async function download(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}
