/**
 * List page tokens the gateway can vouch for. Temporal's own token is opaque and a forged one makes the visibility
 * store fail with an unknown error (retried for seconds, then a 500), so the gateway hands out Temporal's token with
 * an HMAC and refuses any token whose HMAC does not match before calling Temporal.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { InvalidPageTokenError } from './errors';

/** Seals Temporal's list page tokens for callers and opens the ones they send back. */
export class PageTokens {
  readonly #key: Buffer;

  /**
   * The key is derived from the API tokens, so every gateway instance with the same configuration accepts the tokens
   * any of them handed out; rotating the API tokens invalidates open page tokens, which only restarts a listing.
   */
  constructor(apiTokens: readonly string[]) {
    const material = [...apiTokens].sort().join('\n');
    this.#key = Buffer.from(hkdfSync('sha256', material, 'signature-sessions gateway', 'list page tokens', 32));
  }

  /** The token to hand out for Temporal's `nextPageToken` (base64url), or `null` on the last page. */
  seal(temporalToken: string | null): string | null {
    return temporalToken === null ? null : `${temporalToken}.${this.#mac(temporalToken)}`;
  }

  /** Temporal's token inside a token this gateway handed out; throws {@link InvalidPageTokenError} otherwise. */
  open(pageToken: string): string {
    const separator = pageToken.lastIndexOf('.');
    const temporalToken = pageToken.slice(0, separator);
    const mac = Buffer.from(pageToken.slice(separator + 1), 'base64url');
    const expected = Buffer.from(this.#mac(temporalToken), 'base64url');
    if (separator <= 0 || mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw new InvalidPageTokenError();
    }
    return temporalToken;
  }

  #mac(temporalToken: string): string {
    return createHmac('sha256', this.#key).update(temporalToken).digest('base64url');
  }
}
