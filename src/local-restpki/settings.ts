/**
 * Settings of the local Rest PKI Core-compatible service: the typed configuration every part of the service reads,
 * its defaults, and how it is read from `RESTPKI_LOCAL_*` environment variables (validated at start, with an error
 * that names each bad variable).
 */
import { z } from 'zod';
import { durationSetting, loadConfig, portSetting } from '../config';

/** How the service authenticates to the application's webhook receiver. */
export type WebhookAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'apikey'; apiKey: string };

/** The webhook subscription: where `DocumentSignatureCompleted` events go, and how failed deliveries are retried. */
export interface WebhookSettings {
  /** The application's receiver; `null` means no subscription (nothing is queued). */
  url: string | null;
  auth: WebhookAuth;
  /** Waits between attempts; after the last one, that last wait repeats until a 2xx answer. */
  retryScheduleMs: number[];
  /** How long one delivery attempt may take before it counts as failed. */
  timeoutMs: number;
}

/** Ways to make the service unreliable on purpose, for fault tests of the applications that use it. All off by default. */
export interface FaultSettings {
  /** Share (0..1) of API requests answered with a 500 instead of being handled. */
  errorRate: number;
  /** Added before every API answer. */
  latencyMs: number;
  /** Share (0..1) of webhook deliveries reported as done without being sent. */
  webhookDropRate: number;
  /** Share (0..1) of webhook deliveries sent twice. */
  webhookDuplicateRate: number;
  /** Each delivery is held back by a random wait up to this, so deliveries can arrive out of order. */
  webhookReorderMaxDelayMs: number;
}

/** Everything the service needs to run. Build one with {@link resolveLocalRestPkiConfig} or {@link localRestPkiConfigFromEnv}. */
export interface LocalRestPkiConfig {
  /** Interface to listen on. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Base of every absolute URL the service hands out; `null` means `http://<host>:<bound port>`. */
  publicUrl: string | null;
  /** Full-access API key; `null` means the one generated once and kept in the data folder. */
  apiKey: string | null;
  /** Read-only API key (GET only); `null` means the one generated once and kept in the data folder. */
  readOnlyApiKey: string | null;
  /** Where the database, the files, the keys and the test PKI live. */
  dataDir: string;
  /** A session not finished within this becomes `Expired`. */
  sessionLifetimeMs: number;
  /** How long a session with background processing stays `Processing`. */
  processingDurationMs: number;
  /** How long `when-completed` holds a request before answering `completed: false`. */
  whenCompletedHoldMs: number;
  /** How long a file URL works after it was handed out. */
  fileUrlLifetimeMs: number;
  /** Largest document accepted, whether inline, downloaded or uploaded. */
  maxFileBytes: number;
  /** Regular expression an uploaded file's name must match; `null` accepts every name. */
  uploadFileNamePattern: string | null;
  /** Endpoint of the application asked to accept or reject each uploaded file; `null` skips the call. */
  fileValidationUrl: string | null;
  webhook: WebhookSettings;
  faults: FaultSettings;
}

/** Overrides for {@link resolveLocalRestPkiConfig}: any top-level field, and any field of `webhook` and `faults`. */
export type LocalRestPkiOptions = Partial<Omit<LocalRestPkiConfig, 'webhook' | 'faults'>> & {
  webhook?: Partial<WebhookSettings>;
  faults?: Partial<FaultSettings>;
};

/** The port `npm run local-restpki` listens on unless told otherwise. */
export const DEFAULT_PORT = 8180;

/** Defaults for every setting. */
export function defaultLocalRestPkiConfig(): LocalRestPkiConfig {
  return {
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    publicUrl: null,
    apiKey: null,
    readOnlyApiKey: null,
    dataDir: '.data/local-restpki',
    sessionLifetimeMs: 3_600_000,
    processingDurationMs: 3_000,
    whenCompletedHoldMs: 15_000,
    fileUrlLifetimeMs: 3_600_000,
    maxFileBytes: 100 * 1024 * 1024,
    uploadFileNamePattern: null,
    fileValidationUrl: null,
    webhook: { url: null, auth: { kind: 'none' }, retryScheduleMs: [1_000, 5_000, 30_000, 300_000], timeoutMs: 10_000 },
    faults: { errorRate: 0, latencyMs: 0, webhookDropRate: 0, webhookDuplicateRate: 0, webhookReorderMaxDelayMs: 0 },
  };
}

/** Thrown when options given in code (not the environment) are unusable; `setting` names the option. */
export class InvalidLocalRestPkiOptionError extends Error {
  constructor(
    readonly setting: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid local Rest PKI option ${setting}: ${problem}`, options);
    this.name = 'InvalidLocalRestPkiOptionError';
  }
}

/** Fills the defaults in `options` and checks what types alone cannot (a pattern that compiles, absolute URLs). */
export function resolveLocalRestPkiConfig(options: LocalRestPkiOptions = {}): LocalRestPkiConfig {
  const defaults = defaultLocalRestPkiConfig();
  const config: LocalRestPkiConfig = {
    ...defaults,
    ...options,
    webhook: { ...defaults.webhook, ...options.webhook },
    faults: { ...defaults.faults, ...options.faults },
  };

  if (config.uploadFileNamePattern !== null) {
    try {
      new RegExp(config.uploadFileNamePattern);
    } catch (error) {
      throw new InvalidLocalRestPkiOptionError('uploadFileNamePattern', 'not a valid regular expression', {
        cause: error,
      });
    }
  }
  for (const [setting, url] of [
    ['publicUrl', config.publicUrl],
    ['fileValidationUrl', config.fileValidationUrl],
    ['webhook.url', config.webhook.url],
  ] as const) {
    if (url !== null && !isHttpUrl(url)) throw new InvalidLocalRestPkiOptionError(setting, 'expected an http(s) URL');
  }
  if (config.webhook.retryScheduleMs.length === 0) {
    throw new InvalidLocalRestPkiOptionError('webhook.retryScheduleMs', 'expected at least one wait');
  }
  return config;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const urlSetting = z.string().refine(isHttpUrl, { message: 'expected an absolute http(s) URL' });

const shareSetting = z.coerce.number().min(0).max(1);

const regexSetting = z.string().refine(
  (value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

const scheduleSetting = z.string().transform((value, ctx) => {
  const waits = value.split(',').map((part) => durationSetting.safeParse(part.trim()));
  if (waits.length === 0 || waits.some((wait) => !wait.success)) {
    ctx.addIssue({ code: 'custom', message: 'expected comma-separated durations such as 1s,5s,30s,5m' });
    return z.NEVER;
  }
  return waits.map((wait) => wait.data ?? 0);
});

const apiKeySetting = z.string().regex(/^\S+$/, { message: 'expected a key without spaces' });

/** The `RESTPKI_LOCAL_*` variables, each optional; defaults come from {@link defaultLocalRestPkiConfig}. */
export const localRestPkiEnvSchema = z
  .object({
    RESTPKI_LOCAL_HOST: z.string().min(1).optional(),
    RESTPKI_LOCAL_PORT: portSetting.optional(),
    RESTPKI_LOCAL_PUBLIC_URL: urlSetting.optional(),
    RESTPKI_LOCAL_API_KEY: apiKeySetting.optional(),
    RESTPKI_LOCAL_READONLY_API_KEY: apiKeySetting.optional(),
    RESTPKI_LOCAL_DATA_DIR: z.string().min(1).optional(),
    RESTPKI_LOCAL_SESSION_LIFETIME: durationSetting.optional(),
    RESTPKI_LOCAL_PROCESSING_DURATION: durationSetting.optional(),
    RESTPKI_LOCAL_WHEN_COMPLETED_HOLD: durationSetting.optional(),
    RESTPKI_LOCAL_FILE_URL_LIFETIME: durationSetting.optional(),
    RESTPKI_LOCAL_MAX_FILE_BYTES: z.coerce.number().int().positive().optional(),
    RESTPKI_LOCAL_UPLOAD_FILE_NAME_PATTERN: regexSetting.optional(),
    RESTPKI_LOCAL_FILE_VALIDATION_URL: urlSetting.optional(),
    RESTPKI_LOCAL_WEBHOOK_URL: urlSetting.optional(),
    RESTPKI_LOCAL_WEBHOOK_AUTH: z.enum(['none', 'basic', 'bearer', 'apikey']).optional(),
    RESTPKI_LOCAL_WEBHOOK_USERNAME: z.string().min(1).optional(),
    RESTPKI_LOCAL_WEBHOOK_PASSWORD: z.string().min(1).optional(),
    RESTPKI_LOCAL_WEBHOOK_TOKEN: z.string().min(1).optional(),
    RESTPKI_LOCAL_WEBHOOK_API_KEY: z.string().min(1).optional(),
    RESTPKI_LOCAL_WEBHOOK_RETRY_SCHEDULE: scheduleSetting.optional(),
    RESTPKI_LOCAL_WEBHOOK_TIMEOUT: durationSetting.optional(),
    RESTPKI_LOCAL_FAULT_ERROR_RATE: shareSetting.optional(),
    RESTPKI_LOCAL_FAULT_LATENCY: durationSetting.optional(),
    RESTPKI_LOCAL_FAULT_WEBHOOK_DROP_RATE: shareSetting.optional(),
    RESTPKI_LOCAL_FAULT_WEBHOOK_DUPLICATE_RATE: shareSetting.optional(),
    RESTPKI_LOCAL_FAULT_WEBHOOK_REORDER: durationSetting.optional(),
  })
  .superRefine((env, ctx) => {
    const needs: Record<string, (keyof typeof env)[]> = {
      basic: ['RESTPKI_LOCAL_WEBHOOK_USERNAME', 'RESTPKI_LOCAL_WEBHOOK_PASSWORD'],
      bearer: ['RESTPKI_LOCAL_WEBHOOK_TOKEN'],
      apikey: ['RESTPKI_LOCAL_WEBHOOK_API_KEY'],
    };
    for (const name of needs[env.RESTPKI_LOCAL_WEBHOOK_AUTH ?? 'none'] ?? []) {
      if (env[name] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `required when RESTPKI_LOCAL_WEBHOOK_AUTH is ${env.RESTPKI_LOCAL_WEBHOOK_AUTH}`,
        });
      }
    }
  });

/** Reads the service's settings from `env`; throws `ConfigError` naming every bad `RESTPKI_LOCAL_*` variable. */
export function localRestPkiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LocalRestPkiConfig {
  const settings = loadConfig(localRestPkiEnvSchema, env);
  const defaults = defaultLocalRestPkiConfig();

  return resolveLocalRestPkiConfig({
    host: settings.RESTPKI_LOCAL_HOST ?? defaults.host,
    port: settings.RESTPKI_LOCAL_PORT ?? defaults.port,
    publicUrl: settings.RESTPKI_LOCAL_PUBLIC_URL ?? null,
    apiKey: settings.RESTPKI_LOCAL_API_KEY ?? null,
    readOnlyApiKey: settings.RESTPKI_LOCAL_READONLY_API_KEY ?? null,
    dataDir: settings.RESTPKI_LOCAL_DATA_DIR ?? defaults.dataDir,
    sessionLifetimeMs: settings.RESTPKI_LOCAL_SESSION_LIFETIME ?? defaults.sessionLifetimeMs,
    processingDurationMs: settings.RESTPKI_LOCAL_PROCESSING_DURATION ?? defaults.processingDurationMs,
    whenCompletedHoldMs: settings.RESTPKI_LOCAL_WHEN_COMPLETED_HOLD ?? defaults.whenCompletedHoldMs,
    fileUrlLifetimeMs: settings.RESTPKI_LOCAL_FILE_URL_LIFETIME ?? defaults.fileUrlLifetimeMs,
    maxFileBytes: settings.RESTPKI_LOCAL_MAX_FILE_BYTES ?? defaults.maxFileBytes,
    uploadFileNamePattern: settings.RESTPKI_LOCAL_UPLOAD_FILE_NAME_PATTERN ?? null,
    fileValidationUrl: settings.RESTPKI_LOCAL_FILE_VALIDATION_URL ?? null,
    webhook: {
      url: settings.RESTPKI_LOCAL_WEBHOOK_URL ?? null,
      auth: webhookAuthFromEnv(settings),
      retryScheduleMs: settings.RESTPKI_LOCAL_WEBHOOK_RETRY_SCHEDULE ?? defaults.webhook.retryScheduleMs,
      timeoutMs: settings.RESTPKI_LOCAL_WEBHOOK_TIMEOUT ?? defaults.webhook.timeoutMs,
    },
    faults: {
      errorRate: settings.RESTPKI_LOCAL_FAULT_ERROR_RATE ?? 0,
      latencyMs: settings.RESTPKI_LOCAL_FAULT_LATENCY ?? 0,
      webhookDropRate: settings.RESTPKI_LOCAL_FAULT_WEBHOOK_DROP_RATE ?? 0,
      webhookDuplicateRate: settings.RESTPKI_LOCAL_FAULT_WEBHOOK_DUPLICATE_RATE ?? 0,
      webhookReorderMaxDelayMs: settings.RESTPKI_LOCAL_FAULT_WEBHOOK_REORDER ?? 0,
    },
  });
}

function webhookAuthFromEnv(settings: z.infer<typeof localRestPkiEnvSchema>): WebhookAuth {
  switch (settings.RESTPKI_LOCAL_WEBHOOK_AUTH ?? 'none') {
    case 'basic':
      return {
        kind: 'basic',
        username: settings.RESTPKI_LOCAL_WEBHOOK_USERNAME ?? '',
        password: settings.RESTPKI_LOCAL_WEBHOOK_PASSWORD ?? '',
      };
    case 'bearer':
      return { kind: 'bearer', token: settings.RESTPKI_LOCAL_WEBHOOK_TOKEN ?? '' };
    case 'apikey':
      return { kind: 'apikey', apiKey: settings.RESTPKI_LOCAL_WEBHOOK_API_KEY ?? '' };
    default:
      return { kind: 'none' };
  }
}
