/**
 * URLs that carry their own authorization: a document file's URL (time-limited) and the signing page's URL (valid as
 * long as the session is). Each holds an HMAC token over what it grants, keyed by a secret of the data folder, so
 * it cannot be guessed or altered, needs no API key, and survives restarts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type FileKind } from './file-store';

/** Outcome of checking a file URL's token. */
export type FileTokenCheck = 'valid' | 'expired' | 'invalid';

/** Makes and checks the tokens inside file and signing-page URLs. */
export class FileUrls {
  constructor(
    private readonly tokenKey: Buffer,
    private readonly publicUrl: () => string,
    private readonly lifetimeMs: number,
  ) {}

  /** The absolute, time-limited URL of a document's file; it works in a browser without the API key. */
  fileUrl(documentId: string, kind: FileKind, now = Date.now()): string {
    const expires = Math.floor((now + this.lifetimeMs) / 1000);
    const token = this.mac(`file:${documentId}:${kind}:${expires}`);
    return `${this.publicUrl()}/files/${documentId}/${kind}?expires=${expires}&token=${token}`;
  }

  /** Checks a file URL's token against what it claims to grant. */
  checkFileToken(documentId: string, kind: FileKind, expires: string, token: string, now = Date.now()): FileTokenCheck {
    if (!/^\d{1,12}$/.test(expires)) return 'invalid';
    if (!this.matches(token, `file:${documentId}:${kind}:${expires}`)) return 'invalid';
    return Number(expires) * 1000 < now ? 'expired' : 'valid';
  }

  /** The signing page of a session: the `redirectUrl` handed to the application. */
  signingPageUrl(sessionId: string): string {
    return `${this.publicUrl()}${this.signingPagePath(sessionId)}`;
  }

  /** The signing page's path, token included; its forms post to paths below it. */
  signingPagePath(sessionId: string): string {
    return `/signing/${sessionId}/${this.mac(`page:${sessionId}`)}`;
  }

  /** Whether `token` is the signing-page token of `sessionId`. */
  checkPageToken(sessionId: string, token: string): boolean {
    return this.matches(token, `page:${sessionId}`);
  }

  private mac(grant: string): string {
    return createHmac('sha256', this.tokenKey).update(grant).digest('base64url');
  }

  private matches(token: string, grant: string): boolean {
    const expected = Buffer.from(this.mac(grant));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
