/**
 * Checking credentials without leaking them through timing: the API's bearer tokens and the webhook subscription's
 * Basic, Bearer or API key credentials. Both sides are hashed to one length before a constant-time comparison, and
 * every configured token is compared, so neither the length nor the position of a match shows in the time taken.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type FastifyRequest, type onRequestHookHandler } from 'fastify';
import { ApiUnauthorizedError, WebhookUnauthorizedError } from './errors';
import { type WebhookAuthSettings } from './settings';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Whether `candidate` equals one of `secrets`, in time that depends on neither. */
export function matchesAnySecret(candidate: string, secrets: readonly string[]): boolean {
  const candidateDigest = digest(candidate);
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(candidateDigest, digest(secret))) matched = true;
  }
  return matched;
}

/** The credentials after `scheme` in an `Authorization`-style header value, or `null` for another scheme. */
function credentialsOf(header: string | string[] | undefined, scheme: string): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const match = /^(\S+)\s+(.+)$/.exec(value.trim());
  if (!match || match[1]!.toLowerCase() !== scheme.toLowerCase()) return null;
  return match[2]!.trim();
}

/** Builds the check of the API's `Authorization: Bearer <token>`; throws {@link ApiUnauthorizedError}. */
export function bearerTokenCheck(tokens: readonly string[]): (request: FastifyRequest) => void {
  if (tokens.length === 0) throw new RangeError('The API needs at least one bearer token');
  return (request) => {
    const token = credentialsOf(request.headers.authorization, 'Bearer');
    if (token === null) throw new ApiUnauthorizedError('missing');
    if (!matchesAnySecret(token, tokens)) throw new ApiUnauthorizedError('invalid');
  };
}

/**
 * Builds the check of a webhook delivery against the subscription's authentication. The vendor's pages name the header
 * `Authentication` where they almost certainly mean `Authorization`: both are accepted.
 */
export function webhookCredentialsCheck(auth: WebhookAuthSettings): (request: FastifyRequest) => void {
  switch (auth.kind) {
    case 'none':
      return () => undefined;
    case 'basic': {
      const expected = `${auth.username}:${auth.password}`;
      return (request) => {
        if (!anyHeaderMatches(request, 'Basic', (value) => decodeBasic(value), expected)) {
          throw new WebhookUnauthorizedError('Basic');
        }
      };
    }
    case 'bearer':
      return (request) => {
        if (!anyHeaderMatches(request, 'Bearer', (value) => value, auth.token)) {
          throw new WebhookUnauthorizedError('Bearer');
        }
      };
    case 'apikey':
      return (request) => {
        const header = request.headers['x-api-key'];
        const value = Array.isArray(header) ? header[0] : header;
        if (value === undefined || !matchesAnySecret(value.trim(), [auth.apiKey])) {
          throw new WebhookUnauthorizedError('X-Api-Key');
        }
      };
  }
}

function anyHeaderMatches(
  request: FastifyRequest,
  scheme: string,
  decode: (credentials: string) => string,
  expected: string,
): boolean {
  let matched = false;
  for (const header of [request.headers.authorization, request.headers.authentication]) {
    const credentials = credentialsOf(header, scheme);
    if (credentials !== null && matchesAnySecret(decode(credentials), [expected])) matched = true;
  }
  return matched;
}

function decodeBasic(credentials: string): string {
  return Buffer.from(credentials, 'base64').toString('utf8');
}

/** A check that throws, as an `onRequest` hook that answers with the thrown error. */
export function asRequestHook(check: (request: FastifyRequest) => void): onRequestHookHandler {
  return (request, _reply, done) => {
    try {
      check(request);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  };
}
