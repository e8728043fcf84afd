/**
 * `/files/<document>/<original|signed>`: document files for clients and browsers, authorized by the token in the
 * URL alone (no API key). Files are streamed from disk. Anything but a PDF is served in a CSP sandbox, so that an
 * uploaded HTML file cannot run script on the service's origin (Chromium refuses to show a sandboxed PDF).
 */
import { type FastifyInstance, type FastifyReply } from 'fastify';
import { type ServiceContext } from '../context';

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.status(status).type('text/plain; charset=utf-8').send(message);
}

/** `inline; filename="…"; filename*=UTF-8''…`, so browsers show the file under its own name. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Registers the file route. */
export function fileRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get<{ Params: { documentId: string; kind: string }; Querystring: { expires?: string; token?: string } }>(
    '/files/:documentId/:kind',
    async (request, reply) => {
      const { documentId, kind } = request.params;
      if (kind !== 'original' && kind !== 'signed') return refuse(reply, 404, 'Not found');
      const check = context.urls.checkFileToken(
        documentId,
        kind,
        request.query.expires ?? '',
        request.query.token ?? '',
      );
      if (check === 'invalid') return refuse(reply, 403, 'This link is not valid.');
      if (check === 'expired') return refuse(reply, 403, 'This link has expired: ask the application for a new one.');

      const document = context.store.getDocument(documentId);
      if (!document) return refuse(reply, 404, 'Not found');
      const file =
        kind === 'original'
          ? { name: document.name, mimeType: document.mimeType, length: document.length }
          : document.status === 'Completed' && document.signedName !== null
            ? {
                name: document.signedName,
                mimeType: document.signedMimeType ?? '',
                length: document.signedLength ?? 0,
              }
            : null;
      if (!file) return refuse(reply, 404, 'This document has no signed file.');

      if (file.mimeType !== 'application/pdf') reply.header('content-security-policy', 'sandbox');
      return reply
        .header('content-type', file.mimeType || 'application/octet-stream')
        .header('content-length', file.length)
        .header('content-disposition', contentDisposition(file.name))
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .send(context.files.read(documentId, kind));
    },
  );
}
