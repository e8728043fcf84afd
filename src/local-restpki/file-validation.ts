/**
 * The application's say on files a user uploads: the file-name pattern of the subscription, then its validation
 * endpoint, asked with `{ name, contentType, length }` and answering (any 2xx) `{ accept, rejectReason }`.
 */
import { z } from 'zod';
import { type Logger } from '../logger';

const VALIDATION_TIMEOUT_MS = 10_000;

const answerSchema = z.object({ accept: z.boolean(), rejectReason: z.string().nullable().optional() });

/** The verdict on one file; `rejectReason` is shown to the user. */
export type FileVerdict = { accept: true } | { accept: false; rejectReason: string };

/** Checks the name against `pattern` (a JavaScript regular expression, case-sensitive). */
export function checkFileName(name: string, pattern: string | null): FileVerdict {
  if (pattern === null || new RegExp(pattern).test(name)) return { accept: true };
  return { accept: false, rejectReason: 'The file name is not allowed here.' };
}

/**
 * Asks the validation endpoint. An endpoint that cannot be reached or answers nonsense rejects the file: accepting
 * it would let through exactly what the application set the endpoint up to stop.
 */
export async function askValidationEndpoint(
  url: string | null,
  file: { name: string; contentType: string; length: number },
  logger: Logger,
): Promise<FileVerdict> {
  if (url === null) return { accept: true };

  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(file),
      signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const answer = answerSchema.parse(await response.json());
    if (answer.accept) return { accept: true };
    return { accept: false, rejectReason: answer.rejectReason || 'The application did not accept this file.' };
  } catch (error) {
    logger.warn({ err: error }, 'File validation endpoint failed; rejecting the file');
    return { accept: false, rejectReason: 'The file could not be checked right now. Please try again.' };
  }
}
