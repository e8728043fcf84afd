/**
 * Document keys: the short codes a person can type to find a signed document (`XXXX-XXXX-XXXX-XXXX`), stored
 * without dashes. The alphabet leaves out characters people confuse (0/O, 1/I).
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A new random key of 16 characters (80 bits). */
export function generateDocumentKey(): string {
  // 256 is a multiple of the alphabet's 32 characters, so the modulo keeps every character equally likely.
  return [...randomBytes(16)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

/** The key in groups of four separated by dashes. */
export function formatDocumentKey(key: string): string {
  return key.match(/.{1,4}/g)?.join('-') ?? key;
}

/** A key as typed (with or without dashes or spaces, any case) in its stored form. */
export function normalizeDocumentKey(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}
