/**
 * The one pino logger of every process outside workflow code. Credentials are redacted by path wherever they could
 * appear in a logged object; callers still log identifiers, never document bytes or personal data.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

/** Object paths whose values are replaced with `[redacted]` in every log line. */
export const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'cpf',
  '*.cpf',
  'headers.authorization',
  'headers.authentication',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.authentication',
  'req.headers["x-api-key"]',
];

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...options,
  });
}

export type { Logger };
