/**
 * The `/api` half of the service, as a Fastify plugin: API key authentication, the JSON content types the official
 * clients send (anything else, or an empty body, is a 415), the optional fault settings, and one error handler that
 * answers every failure as `ErrorModelV2` through the table in `error-responses.ts`.
 */
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { authorize } from './api-auth';
import { type ServiceContext } from './context';
import { notFoundAnswer, toErrorAnswer } from './error-responses';
import { InjectedFaultError, MalformedJsonError, UnsupportedContentTypeError } from './errors';
import { documentRoutes } from './routes/documents';
import { signatureSessionRoutes } from './routes/signature-sessions';

/** Registers the API routes and their authentication, body parsing and error handling on `app`. */
export function apiPlugin(context: ServiceContext, keys: { apiKey: string; readOnlyApiKey: string }) {
  return function api(app: FastifyInstance, _options: unknown, done: (error?: Error) => void): void {
    app.removeAllContentTypeParsers();
    const parseJson = app.getDefaultJsonParser('error', 'error');
    const parseBody = (
      request: FastifyRequest,
      body: string | Buffer,
      parsed: (error: Error | null, value?: unknown) => void,
    ) => {
      const text = body.toString();
      if (text.trim() === '') {
        parsed(new UnsupportedContentTypeError(request.headers['content-type'] ?? null));
        return;
      }
      void parseJson(request, text, (error, value) => {
        if (error) parsed(new MalformedJsonError({ cause: error }));
        else parsed(null, value);
      });
    };
    app.addContentTypeParser(
      ['application/json', 'application/json-patch+json', 'text/json'],
      { parseAs: 'string' },
      parseBody,
    );
    app.addContentTypeParser(/^application\/[\w.-]+\+json(;|$)/, { parseAs: 'string' }, parseBody);

    app.addHook('onRequest', async (request) => {
      authorize(request.headers, request.method, keys);
      const { latencyMs, errorRate } = context.config.faults;
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      if (Math.random() < errorRate) throw new InjectedFaultError();
    });

    app.addHook('preValidation', (request, _reply, next) => {
      if (request.method === 'POST' && request.body === undefined) {
        next(new UnsupportedContentTypeError(request.headers['content-type'] ?? null));
      } else {
        next();
      }
    });

    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const answer = toErrorAnswer(error);
      if (answer.unexpected) {
        request.log.error({ err: error, exceptionCode: answer.body.exceptionCode }, 'API request failed unexpectedly');
      }
      return reply.status(answer.status).send(answer.body);
    });

    app.setNotFoundHandler(async (request, reply) => {
      authorize(request.headers, request.method, keys);
      const answer = notFoundAnswer(request.method, request.url.split('?')[0] ?? '');
      return reply.status(answer.status).send(answer.body);
    });

    signatureSessionRoutes(app, context);
    documentRoutes(app, context);
    done();
  };
}
