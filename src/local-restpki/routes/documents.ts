/**
 * `/api/documents` (registered under the `/api` prefix): a document by ID, its signers, and a document by its key.
 */
import { type FastifyInstance } from 'fastify';
import { type ServiceContext } from '../context';
import { normalizeDocumentKey } from '../document-keys';
import { toDocumentModel, toSignerSummaries } from '../models';
import { findDocument, parseId } from '../use-cases/find-session';

/** Registers the document routes. */
export function documentRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get<{ Params: { id: string } }>('/documents/:id', (request) => {
    return toDocumentModel(context, findDocument(context, parseId(request.params.id)));
  });

  app.get<{ Params: { id: string } }>('/documents/:id/signers', (request) => {
    return toSignerSummaries(context, findDocument(context, parseId(request.params.id)));
  });

  // An unknown key is not an error: the contract answers 200 with `found: false`.
  app.get<{ Params: { key: string } }>('/documents/keys/:key', (request) => {
    const document = context.store.getDocumentByKey(normalizeDocumentKey(request.params.key));
    return document ? { found: true, document: toDocumentModel(context, document) } : { found: false, document: null };
  });
}
