/**
 * The receiver of Rest PKI Core's webhooks. A `DocumentSignatureCompleted` delivery is answered 2xx only once it is
 * recorded in Temporal (a deduplicated delivery workflow per document finds the session and tells it), so a
 * delivery is never lost between Rest PKI Core and the workflow: if Temporal cannot record it in time, the answer is
 * 503 and Rest PKI Core sends it again. The body names no session and carries no signature: it is only a hint, and
 * the workflows re-read the API before believing anything.
 */
import { type FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { documentModelSchema, webhookEventModelSchema } from '../../restpki/models';
import { asRequestHook, webhookCredentialsCheck } from '../auth';
import { type GatewayContext } from '../context';
import { apiErrorBodySchema, WebhookNotRecordedError } from '../errors';

/**
 * The event as Rest PKI Core sends it, tolerant of unknown fields and types, except that a document ID must look like
 * one (the vendor's are GUIDs): it becomes part of a workflow ID.
 */
const webhookBodySchema = webhookEventModelSchema.extend({
  document: documentModelSchema.extend({
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'expected a document ID such as a GUID'),
  }),
});

const acceptedSchema = z.object({ accepted: z.boolean(), documentId: z.string().nullable() });

/** The `/webhooks/restpki` route, checked against the subscription's configured authentication. */
export function webhookRoutes(context: GatewayContext): FastifyPluginCallbackZod {
  const checkCredentials = webhookCredentialsCheck(context.webhookAuth);

  return (app, _options, done) => {
    app.post(
      '/webhooks/restpki',
      {
        onRequest: asRequestHook(checkCredentials),
        schema: {
          summary: "Rest PKI Core's webhook: DocumentSignatureCompleted",
          description:
            'Authenticated as the subscription is configured (Basic or Bearer in `Authorization` or `Authentication`, ' +
            'or `X-Api-Key`). 200 once the delivery is recorded; 503 when it could not be, so that it is sent again. ' +
            'Other event types are acknowledged and ignored.',
          tags: ['webhooks'],
          security: [{ webhookBasic: [] }, { webhookBearer: [] }, { webhookApiKey: [] }],
          body: webhookBodySchema,
          response: { 200: acceptedSchema, 400: apiErrorBodySchema, 401: apiErrorBodySchema, 503: apiErrorBodySchema },
        },
      },
      async (request) => {
        const { type, document } = request.body;
        const log = request.log.child({ eventType: type, documentId: document.id });
        if (type !== 'DocumentSignatureCompleted') {
          log.info('Webhook of a type this gateway does not act on; acknowledged');
          return { accepted: false, documentId: document.id };
        }

        try {
          await context.temporal.withDeadline(Date.now() + context.webhookWaitMs, () =>
            context.sessions.acceptDocumentSignedWebhook(document.id),
          );
        } catch (error) {
          throw new WebhookNotRecordedError(document.id, { cause: error });
        }
        log.info('Webhook recorded');
        return { accepted: true, documentId: document.id };
      },
    );
    done();
  };
}
