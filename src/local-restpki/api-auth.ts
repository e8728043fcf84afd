/**
 * API key authentication: the full-access key may do anything, the read-only key only reads. The key is read from
 * `X-Api-Key`, or from `Authorization: Bearer <key>`; a `Bearer ` prefix inside `X-Api-Key` is accepted too, because
 * the official Python client sends it that way (whether the real server accepts it is unverified: tolerant choice).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders } from 'node:http';
import { MissingApiKeyError, ReadOnlyApiKeyError, UnknownApiKeyError } from './errors';

/** What a key allows. */
export type ApiRole = 'full' | 'read-only';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function firstHeader(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? null : text.trim();
}

/** The key a request carries, or null. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | null {
  const header = firstHeader(headers['x-api-key']);
  if (header !== null) return header.replace(/^Bearer\s+/i, '');
  const authorization = firstHeader(headers.authorization);
  const bearer = authorization === null ? null : /^Bearer\s+(\S+)$/i.exec(authorization);
  return bearer?.[1] ?? null;
}

// Comparing digests keeps the comparison constant-time whatever the lengths of the keys.
function sameKey(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Checks the key of a request; throws 401-class errors for a missing or unknown key and 403 for a read-only write. */
export function authorize(
  headers: IncomingHttpHeaders,
  method: string,
  keys: { apiKey: string; readOnlyApiKey: string },
): ApiRole {
  const given = apiKeyOf(headers);
  if (given === null) throw new MissingApiKeyError();
  if (sameKey(given, keys.apiKey)) return 'full';
  if (!sameKey(given, keys.readOnlyApiKey)) throw new UnknownApiKeyError();
  if (!READ_METHODS.has(method)) throw new ReadOnlyApiKeyError(method);
  return 'read-only';
}
