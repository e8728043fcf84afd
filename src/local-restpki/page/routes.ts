/**
 * The signing page (the `redirectUrl`), as a Fastify plugin. Its URL carries its authorization, so every route
 * first checks the token; forms post form-urlencoded (sign, cancel) or multipart (upload, streamed to disk). At the
 * end the browser gets a 303 to the application's `returnUrl` with `signatureSessionId` added, or to the ending
 * page, which closes the tab the application opened.
 */
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { randomBytes } from 'node:crypto';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { refusalReason } from '../certificate-requirements';
import { type ServiceContext } from '../context';
import {
  BadSignatureSessionOperationError,
  CertificateRefusedError,
  DocumentSigningError,
  NoDocumentsToSignError,
  SessionNotPendingError,
  SignatureSessionNotFoundError,
} from '../errors';
import { type SessionRecord } from '../store';
import { cancelSession } from '../use-cases/cancel-session';
import { findSession } from '../use-cases/find-session';
import { signSession } from '../use-cases/sign-session';
import { uploadDocument, type UploadOutcome } from '../use-cases/upload-document';
import { renderEndingView, renderFailureView, renderNotFoundView, renderSigningView, type PageDocument } from './views';

/** The page's forms carry a certificate ID or a confirmation, nothing more. */
const FORM_BODY_LIMIT = 16 * 1024;

type PageRequest = FastifyRequest<{ Params: { sessionId: string; token: string } }>;

/** The return URL with `signatureSessionId` added to its query (before any fragment). */
export function returnUrlFor(returnUrl: string, sessionId: string): string {
  const hashAt = returnUrl.indexOf('#');
  const base = hashAt === -1 ? returnUrl : returnUrl.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : returnUrl.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}signatureSessionId=${sessionId}${fragment}`;
}

/** What the user sees for each failure of an action, and with which status. */
function userMessageFor(error: unknown): { status: number; message: string } | null {
  if (error instanceof CertificateRefusedError) {
    return { status: 422, message: `This certificate cannot be used here: ${error.reason}.` };
  }
  if (error instanceof NoDocumentsToSignError) return { status: 422, message: 'Add at least one document to sign.' };
  if (error instanceof BadSignatureSessionOperationError) {
    return { status: 422, message: 'The documents of this session are set by the application.' };
  }
  if (error instanceof DocumentSigningError) {
    return { status: 500, message: 'A document could not be signed. Check that it is a valid file and try again.' };
  }
  return null;
}

/** Registers the signing page's routes on `app`. */
export function signingPagePlugin(context: ServiceContext) {
  const documentsOf = (session: SessionRecord): PageDocument[] =>
    context.store.listDocuments(session.id).map((record) => ({
      record,
      viewUrl: context.urls.fileUrl(record.id, 'original'),
      signedUrl: record.status === 'Completed' ? context.urls.fileUrl(record.id, 'signed') : null,
    }));

  const pageUrl = (sessionId: string): string => context.urls.signingPageUrl(sessionId);

  function sendHtml(reply: FastifyReply, status: number, page: string): FastifyReply {
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .send(page);
  }

  function signingPage(
    reply: FastifyReply,
    session: SessionRecord,
    status = 200,
    extra: { error?: string; uploads?: UploadOutcome[] } = {},
  ): FastifyReply {
    const base = pageUrl(session.id);
    const page = renderSigningView({
      session,
      documents: documentsOf(session),
      certificates: context.pki.certificates.map((certificate) => ({
        certificate,
        refusal: refusalReason(certificate, session.certificateRequirements),
      })),
      actions: { sign: `${base}/sign`, cancel: `${base}/cancel`, upload: `${base}/upload` },
      uploads: extra.uploads ?? [],
      error: extra.error ?? null,
    });
    return sendHtml(reply, status, page);
  }

  function endingPage(reply: FastifyReply, session: SessionRecord, status = 200, closeTab = false): FastifyReply {
    return sendHtml(reply, status, renderEndingView(session, documentsOf(session), { closeTab }));
  }

  /** After signing or cancelling: back to the application, or to the ending page. */
  function finish(reply: FastifyReply, session: SessionRecord): FastifyReply {
    const target = session.returnUrl ? returnUrlFor(session.returnUrl, session.id) : `${pageUrl(session.id)}/done`;
    return reply.header('referrer-policy', 'no-referrer').redirect(target, 303);
  }

  return async function page(app: FastifyInstance): Promise<void> {
    await app.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
    await app.register(multipart, {
      throwFileSizeLimit: false,
      limits: { fileSize: context.config.maxFileBytes, files: 20, fields: 20, parts: 40 },
    });

    app.addHook('onRequest', async (request: PageRequest, reply) => {
      const { sessionId, token } = request.params;
      if (!context.urls.checkPageToken(sessionId, token) || !context.store.getSession(sessionId)) {
        return sendHtml(reply, 404, renderNotFoundView());
      }
    });

    app.setErrorHandler(async (error: unknown, request: PageRequest, reply) => {
      const { sessionId } = request.params;
      if (error instanceof SignatureSessionNotFoundError) return sendHtml(reply, 404, renderNotFoundView());
      if (error instanceof SessionNotPendingError) return endingPage(reply, findSession(context, sessionId), 409);
      const known = userMessageFor(error);
      if (known) {
        if (known.status >= 500) request.log.error({ err: error, sessionId }, 'Signing failed');
        return signingPage(reply, findSession(context, sessionId), known.status, { error: known.message });
      }
      const reference = randomBytes(6).toString('hex');
      request.log.error({ err: error, sessionId, exceptionCode: reference }, 'Signing page failed unexpectedly');
      return sendHtml(reply, 500, renderFailureView(reference));
    });

    app.get('/signing/:sessionId/:token', async (request: PageRequest, reply) => {
      const session = findSession(context, request.params.sessionId);
      if (session.status !== 'Pending') return endingPage(reply, session);
      return signingPage(reply, session);
    });

    app.get('/signing/:sessionId/:token/done', async (request: PageRequest, reply) => {
      const session = findSession(context, request.params.sessionId);
      return endingPage(reply, session, 200, session.returnUrl === null);
    });

    app.post('/signing/:sessionId/:token/sign', async (request: PageRequest, reply) => {
      const session = findSession(context, request.params.sessionId);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const certificateId = typeof body.certificateId === 'string' ? body.certificateId : '';
      if (certificateId === '') {
        if (session.status !== 'Pending') return endingPage(reply, session, 409);
        return signingPage(reply, session, 400, { error: 'Choose a certificate to sign with.' });
      }
      return finish(reply, await signSession(context, session.id, certificateId));
    });

    app.post('/signing/:sessionId/:token/cancel', async (request: PageRequest, reply) => {
      return finish(reply, cancelSession(context, request.params.sessionId));
    });

    app.post('/signing/:sessionId/:token/upload', async (request: PageRequest, reply) => {
      const sessionId = request.params.sessionId;
      if (!request.isMultipart()) {
        return signingPage(reply, findSession(context, sessionId), 400, { error: 'Choose files to upload.' });
      }

      const uploads: UploadOutcome[] = [];
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        if (part.filename === '') {
          part.file.resume();
          continue;
        }
        uploads.push(
          await uploadDocument(context, sessionId, {
            name: part.filename,
            mimeType: part.mimetype,
            stream: part.file,
            truncated: () => part.file.truncated,
          }),
        );
      }
      return signingPage(reply, findSession(context, sessionId), 200, {
        uploads,
        error: uploads.length === 0 ? 'Choose files to upload.' : undefined,
      });
    });
  };
}
