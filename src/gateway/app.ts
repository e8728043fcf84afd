/**
 * Assembling the HTTP gateway: the sessions API for backend systems (bearer tokens), the return route for users'
 * browsers, the webhook receiver for Rest PKI Core, the OpenAPI document and its reference page, and optionally the
 * demo application. Built apart from `listen()`, so tests can also drive it with `inject()`.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { type Client } from '@temporalio/client';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyBodyParser,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { SignatureSessionsClient } from '../client/signature-sessions-client';
import { createLogger, type Logger } from '../logger';
import { type DocumentStore } from '../storage/document-store';
import { asRequestHook, bearerTokenCheck } from './auth';
import { type GatewayContext } from './context';
import { demoRoutes } from './demo/routes';
import { documentedErrorCodes, notFoundAnswer, toErrorAnswer, type ErrorAnswer } from './errors';
import { html, page, PAGE_HEADERS } from './html';
import { PageTokens } from './page-tokens';
import { documentRoutes } from './routes/documents';
import { returnRoutes } from './routes/return';
import { sessionRoutes } from './routes/sessions';
import { webhookRoutes } from './routes/webhooks';
import { type WebhookAuthSettings } from './settings';

/** The demo application's settings; it is served only when given. */
export interface DemoOptions {
  /** The Temporal Web UI's base URL, for a link to each session's workflow; none when `null`. */
  temporalUiUrl: string | null;
  /** The Temporal namespace, for those links; default the client's. */
  namespace?: string;
  /** The worker's notification signing secret: with it the demo asks for notifications and shows those it verified. */
  notificationSigningSecret?: string | null;
}

/** What {@link buildGateway} needs: a Temporal client, the document store, and the gateway's settings. */
export interface GatewayOptions {
  /** A connected Temporal client (its namespace is the sessions'). */
  temporal: Client;
  taskQueue?: string;
  /** Where inline documents are staged and signed files are read from: the worker's store. */
  store: DocumentStore;
  /** The absolute base URL browsers and Rest PKI Core reach the gateway at; the return route is `<publicUrl>/return`. */
  publicUrl: string;
  /** The bearer tokens the API accepts; at least one. */
  apiTokens: string[];
  webhookAuth: WebhookAuthSettings;
  /**
   * How long an API call may wait for Temporal and a worker (a start waits for Rest PKI Core to create the session)
   * before answering 503; default 30 seconds.
   */
  apiWaitMs?: number;
  /** How long the return route waits for the workflow's verdict; default 5 seconds. */
  returnWaitMs?: number;
  /** How long the webhook receiver waits for Temporal to record a delivery; default 10 seconds. */
  webhookWaitMs?: number;
  /** The largest request body, in bytes; default 64 MiB. */
  bodyLimitBytes?: number;
  logger?: Logger;
  /** Serve the demo application at `/demo`. */
  demo?: DemoOptions;
}

/** The gateway's Fastify app. */
export type GatewayApp = FastifyInstance;

const MAX_PATH_PARAMETER_LENGTH = 2048;
const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

/** Builds the gateway without listening. */
export async function buildGateway(options: GatewayOptions): Promise<GatewayApp> {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const logger = options.logger ?? createLogger('gateway');
  const context: GatewayContext = {
    sessions: new SignatureSessionsClient({
      client: options.temporal,
      taskQueue: options.taskQueue,
      store: options.store,
      returnRouteUrl: `${publicUrl}/return`,
    }),
    temporal: options.temporal,
    store: options.store,
    publicUrl,
    apiWaitMs: options.apiWaitMs ?? 30_000,
    returnWaitMs: options.returnWaitMs ?? 5000,
    webhookWaitMs: options.webhookWaitMs ?? 10_000,
    webhookAuth: options.webhookAuth,
    logger,
    pageTokens: new PageTokens(options.apiTokens),
  };
  const checkBearerToken = bearerTokenCheck(options.apiTokens);

  const fastifyLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: fastifyLogger,
    // Request lines would carry query strings (a signature session ID) and headers: requests are logged by route
    // pattern below, and the logger redacts credentials wherever they appear.
    logController: new LogController({ disableRequestLogging: true }),
    // Path parameters are bounded by their schemas, which name the parameter in the 400; the router's own default of
    // 100 characters would refuse the longest application key with a bare 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    forceCloseConnections: true,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  acceptJsonVariants(app);

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'Request handled',
    );
  });
  app.setErrorHandler(async (error, request, reply) => {
    const answer = toErrorAnswer(error, request.id);
    if (answer.unexpected) request.log.error({ err: error, errorId: request.id }, 'Request failed unexpectedly');
    return sendError(request, reply, answer);
  });
  app.setNotFoundHandler(async (request, reply) =>
    sendError(request, reply, notFoundAnswer(request.method, request.url.split('?')[0] ?? '')),
  );

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'signature-sessions gateway',
        version: '1.0.0',
        description: apiDescription(),
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          webhookBasic: { type: 'http', scheme: 'basic' },
          webhookBearer: { type: 'http', scheme: 'bearer' },
          webhookApiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.register(
    async (api) => {
      api.addHook('onRequest', asRequestHook(checkBearerToken));
      await api.register(sessionRoutes(context));
      await api.register(documentRoutes(context));
    },
    { prefix: '/api' },
  );
  await app.register(returnRoutes(context));
  await app.register(webhookRoutes(context));
  if (options.demo) {
    await app.register(
      demoRoutes({
        app,
        apiToken: options.apiTokens[0]!,
        publicUrl,
        temporalUiUrl: options.demo.temporalUiUrl,
        namespace: options.demo.namespace ?? options.temporal.options.namespace,
        notificationSigningSecret: options.demo.notificationSigningSecret,
      }),
      { prefix: '/demo' },
    );
  }
  return app;
}

/**
 * JSON bodies under the content types Rest PKI Core's clients use (`application/json`, `text/json`,
 * `application/*+json`), with Fastify's guard against prototype poisoning; an empty body reads as no body.
 */
function acceptJsonVariants(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const parser: FastifyBodyParser<string> = (request, body, done) => {
    if (body.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, body, done);
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'string' }, parser);
  app.addContentTypeParser(/^application\/[\w.-]+\+json$/, { parseAs: 'string' }, parser);
}

/** Browsers get a page, everyone else the JSON error body. */
async function sendError(request: FastifyRequest, reply: FastifyReply, answer: ErrorAnswer) {
  reply.status(answer.status).headers(answer.headers);
  const path = request.url.split('?')[0] ?? '';
  if (path === '/return' || path === '/demo' || path.startsWith('/demo/')) {
    const text = answer.status >= 500 ? 'Something went wrong on our side. Please try again.' : answer.body.message;
    return reply
      .headers(PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(
        page(
          'Something went wrong',
          html`<h1>Something went wrong</h1>
            <p>${text}</p>`,
        ),
      );
  }
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(answer.body));
}

function apiDescription(): string {
  const rows = documentedErrorCodes()
    .map(({ status, code, action }) => `| ${status} | \`${code}\` | ${action} |`)
    .join('\n');
  return [
    'Start Rest PKI Core signature sessions, each run by a durable Temporal workflow; read, list and cancel them, and',
    'download their signed documents. Every `/api` route needs `Authorization: Bearer <token>`.',
    '',
    'Errors answer `{ code, message }` (plus `issues` naming each bad field, or an `errorId` for unexpected failures):',
    '',
    '| status | code | what to do |',
    '| --- | --- | --- |',
    rows,
  ].join('\n');
}
