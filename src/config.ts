/**
 * Reading settings from the environment: every process of the project describes its settings as a zod object whose
 * keys are the environment variables, and gets either typed settings or one error that names each bad variable.
 */
import { z } from 'zod';

/** Thrown at start when a setting is missing or malformed; `settings` names each offending variable. */
export class ConfigError extends Error {
  constructor(readonly settings: { name: string; problem: string }[]) {
    super(`Invalid configuration: ${settings.map((s) => `${s.name}: ${s.problem}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` with `schema`; the error names variables only, never their values (a value may be a secret). */
export function loadConfig<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({ name: issue.path.join('.') || '(environment)', problem: issue.message })),
  );
}

/** A TCP port number given as a string. */
export const portSetting = z.coerce.number().int().min(0).max(65535);

/** A boolean given as `true`/`false`/`1`/`0`/`yes`/`no`. */
export const booleanSetting = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A duration in milliseconds given as a whole number, or with a unit: `500ms`, `15s`, `10m`, `2h`, `7d`. */
export const durationSetting = z.string().transform((value, ctx) => {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 15s, 10m, 2h or 7d' });
    return z.NEVER;
  }
  const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  return Number(match[1]) * units[(match[2] ?? 'ms') as keyof typeof units];
});
