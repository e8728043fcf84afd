/**
 * Downloading a session's signed documents from the document store, the way applications get files from sessions
 * with `disableDownloads`. Only a finished session names its stored files (in its result), and only those are served:
 * the store itself is never addressed by anything the caller sends.
 */
import { type FastifyReply } from 'fastify';
import { type FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SessionNotFoundError } from '../../client/signature-sessions-client';
import { type SignatureSessionResult, workflowIdForKey } from '../../workflows/messages';
import { type GatewayContext } from '../context';
import { apiErrorBodySchema, DocumentNotAvailableError } from '../errors';
import { documentParamsSchema } from '../schemas';
import { contentDisposition } from '../content-disposition';

/** Content types by signature type, for files stored without one. */
const CONTENT_TYPES: Record<string, string> = {
  Pdf: 'application/pdf',
  Cms: 'application/pkcs7-signature',
  Xml: 'application/xml',
};

/** The `/api/sessions/:applicationKey/documents/:documentId` route; register under `/api` behind the token check. */
export function documentRoutes(context: GatewayContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/sessions/:applicationKey/documents/:documentId',
      {
        schema: {
          summary: 'Download a signed document of a finished session',
          description:
            'Streams the stored file with its SHA-256 as `Repr-Digest` and `ETag`. Answers 304 to a matching ' +
            '`If-None-Match`.',
          tags: ['documents'],
          security: [{ bearerAuth: [] }],
          params: documentParamsSchema,
          response: {
            200: {
              description: 'The signed file',
              content: { 'application/octet-stream': { schema: z.string().describe('The bytes of the file') } },
            },
            401: apiErrorBodySchema,
            404: apiErrorBodySchema,
          },
        },
      },
      async (request, typedReply) => {
        // The answer is a stream or an empty 304, which the JSON-typed reply does not describe.
        const reply = typedReply as unknown as FastifyReply;
        const { applicationKey, documentId } = request.params;
        const result = await finishedResult(context, applicationKey, documentId);
        const document = result.documents.find((candidate) => candidate.documentId === documentId);
        if (!document) throw new DocumentNotAvailableError(applicationKey, documentId, 'not-stored');
        const stored = await context.store.stat(document.storageKey);
        if (!stored) throw new DocumentNotAvailableError(applicationKey, documentId, 'not-stored');

        const etag = `"sha256-${stored.sha256}"`;
        reply
          .header('etag', etag)
          .header('repr-digest', `sha-256=:${Buffer.from(stored.sha256, 'hex').toString('base64')}:`)
          .header('cache-control', 'private, no-cache')
          .header('x-content-type-options', 'nosniff');
        if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.status(304).send();

        const fileName = document.fileName ?? stored.fileName;
        const body = await context.store.open(document.storageKey);
        return reply
          .header(
            'content-type',
            stored.contentType ?? CONTENT_TYPES[document.signatureType ?? ''] ?? 'application/octet-stream',
          )
          .header('content-length', String(stored.size))
          .header('content-disposition', contentDisposition(fileName))
          .send(body);
      },
    );
    done();
  };
}

/** The result of the session if it finished; a running session has stored nothing yet. */
async function finishedResult(
  context: GatewayContext,
  applicationKey: string,
  documentId: string,
): Promise<SignatureSessionResult> {
  const handle = context.temporal.workflow.getHandle(workflowIdForKey(applicationKey));
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    if (error instanceof Error && error.name === 'WorkflowNotFoundError')
      throw new SessionNotFoundError(applicationKey);
    throw error;
  }
  if (status === 'RUNNING') throw new DocumentNotAvailableError(applicationKey, documentId, 'session-running');
  if (status !== 'COMPLETED') throw new DocumentNotAvailableError(applicationKey, documentId, 'not-stored');
  return (await handle.result()) as SignatureSessionResult;
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((candidate) => candidate.trim() === etag || candidate.trim() === '*');
}
