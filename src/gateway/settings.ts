/**
 * The gateway's settings, read from `GATEWAY_*` environment variables (and `TASK_QUEUE`, `TEMPORAL_UI_URL`,
 * `NOTIFICATION_SIGNING_SECRET`): one zod
 * object whose keys are the variables, so that a bad setting stops the start with an error naming the variable, never
 * its value. The Temporal connection and the document store have their own readers.
 */
import { z } from 'zod';
import { booleanSetting, durationSetting, loadConfig, portSetting } from '../config';
import { DEFAULT_TASK_QUEUE } from '../workflows/messages';

/** How Rest PKI Core authenticates to the webhook receiver; the subscription is configured with the same values. */
export type WebhookAuthSettings =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'apikey'; apiKey: string };

/** Everything the gateway process reads from its environment. */
export interface GatewaySettings {
  host: string;
  port: number;
  /** The absolute base URL the user's browser and Rest PKI Core reach the gateway at, without a trailing slash. */
  publicUrl: string;
  apiTokens: string[];
  webhookAuth: WebhookAuthSettings;
  /** How long an API call may wait for Temporal and a worker before answering 503. */
  apiWaitMs: number;
  /** How long the return route waits for the workflow's verdict before sending the user on as `verifying`. */
  returnWaitMs: number;
  /** How long the webhook receiver waits for Temporal to record a delivery before answering 503. */
  webhookWaitMs: number;
  /** The largest request body accepted, in bytes (inline documents travel base64-encoded in the start request). */
  bodyLimitBytes: number;
  taskQueue: string;
  /** Whether `/demo` is served. */
  demo: boolean;
  /** The secret the workers sign notifications with; the demo verifies the notifications it receives with it. */
  notificationSigningSecret: string | null;
  /** The Temporal Web UI's base URL, for links to each session's workflow; `null` shows none. */
  temporalUiUrl: string | null;
}

/** The shortest API token accepted: a token is a password, and short ones can be guessed. */
export const MIN_API_TOKEN_LENGTH = 16;

const absoluteHttpUrl = z
  .string()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
      } catch {
        return false;
      }
    },
    { message: 'expected an absolute http(s) URL without query or fragment' },
  )
  .transform((value) => value.replace(/\/+$/, ''));

const apiTokensSetting = z.string().transform((value, ctx) => {
  const tokens = value
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
  if (tokens.length === 0 || tokens.some((token) => token.length < MIN_API_TOKEN_LENGTH || /\s/.test(token))) {
    ctx.addIssue({
      code: 'custom',
      message: `expected comma-separated tokens of at least ${MIN_API_TOKEN_LENGTH} characters without spaces`,
    });
    return z.NEVER;
  }
  return tokens;
});

const gatewayEnvSchema = z
  .object({
    GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
    GATEWAY_PORT: portSetting.default(8080),
    GATEWAY_PUBLIC_URL: absoluteHttpUrl.optional(),
    GATEWAY_API_TOKENS: apiTokensSetting,
    GATEWAY_WEBHOOK_AUTH: z.enum(['none', 'basic', 'bearer', 'apikey'], {
      error: 'expected none, basic, bearer or apikey',
    }),
    GATEWAY_WEBHOOK_USERNAME: z.string().min(1).optional(),
    GATEWAY_WEBHOOK_PASSWORD: z.string().min(1).optional(),
    GATEWAY_WEBHOOK_TOKEN: z.string().min(1).optional(),
    GATEWAY_WEBHOOK_API_KEY: z.string().min(1).optional(),
    GATEWAY_API_WAIT: durationSetting.default(30_000),
    GATEWAY_RETURN_WAIT: durationSetting.default(5000),
    GATEWAY_WEBHOOK_WAIT: durationSetting.default(10_000),
    GATEWAY_BODY_LIMIT: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    GATEWAY_DEMO: booleanSetting.default(false),
    TEMPORAL_UI_URL: absoluteHttpUrl.optional(),
    NOTIFICATION_SIGNING_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'expected a Standard Webhooks secret: whsec_ and base64')
      .optional(),
    TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  })
  // Checked even when other variables are bad, so that one start names every problem at once.
  .superRefine(
    (env, ctx) => {
      const needs: Record<string, (keyof typeof env)[]> = {
        basic: ['GATEWAY_WEBHOOK_USERNAME', 'GATEWAY_WEBHOOK_PASSWORD'],
        bearer: ['GATEWAY_WEBHOOK_TOKEN'],
        apikey: ['GATEWAY_WEBHOOK_API_KEY'],
      };
      for (const name of needs[env.GATEWAY_WEBHOOK_AUTH] ?? []) {
        if (env[name] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `required when GATEWAY_WEBHOOK_AUTH is ${env.GATEWAY_WEBHOOK_AUTH}`,
          });
        }
      }
    },
    { when: ({ value }) => typeof value === 'object' && value !== null },
  );

/** Reads the gateway's settings; throws `ConfigError` naming every missing or malformed variable. */
export function loadGatewaySettings(env: NodeJS.ProcessEnv = process.env): GatewaySettings {
  const settings = loadConfig(gatewayEnvSchema, env);
  return {
    host: settings.GATEWAY_HOST,
    port: settings.GATEWAY_PORT,
    publicUrl: settings.GATEWAY_PUBLIC_URL ?? `http://localhost:${settings.GATEWAY_PORT}`,
    apiTokens: settings.GATEWAY_API_TOKENS,
    webhookAuth: webhookAuthOf(settings),
    apiWaitMs: settings.GATEWAY_API_WAIT,
    returnWaitMs: settings.GATEWAY_RETURN_WAIT,
    webhookWaitMs: settings.GATEWAY_WEBHOOK_WAIT,
    bodyLimitBytes: settings.GATEWAY_BODY_LIMIT,
    taskQueue: settings.TASK_QUEUE,
    demo: settings.GATEWAY_DEMO,
    temporalUiUrl: settings.TEMPORAL_UI_URL ?? null,
    notificationSigningSecret: settings.NOTIFICATION_SIGNING_SECRET ?? null,
  };
}

function webhookAuthOf(settings: z.infer<typeof gatewayEnvSchema>): WebhookAuthSettings {
  switch (settings.GATEWAY_WEBHOOK_AUTH) {
    case 'basic':
      return {
        kind: 'basic',
        username: settings.GATEWAY_WEBHOOK_USERNAME ?? '',
        password: settings.GATEWAY_WEBHOOK_PASSWORD ?? '',
      };
    case 'bearer':
      return { kind: 'bearer', token: settings.GATEWAY_WEBHOOK_TOKEN ?? '' };
    case 'apikey':
      return { kind: 'apikey', apiKey: settings.GATEWAY_WEBHOOK_API_KEY ?? '' };
    case 'none':
      return { kind: 'none' };
  }
}
