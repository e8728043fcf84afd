/**
 * What a backend system sends to start a signature session, through the HTTP API or the typed client: one schema,
 * validated once at the edge, whose inferred type both use.
 */
import { createHash } from 'node:crypto';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import {
  certificateRequirementSchema,
  cmsSignatureOptionsSchema,
  pdfSignatureOptionsSchema,
  requestMetadataSchema,
  SIGNATURE_TYPES,
} from '../restpki/models';
import { APPLICATION_KEY_PATTERN } from '../workflows/messages';

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http or https URL' });

/** A duration in the notation Temporal uses (`'90 minutes'`, `'36h'`, `'7 days'`), at least one second. */
export const durationSchema = z.string().refine(
  (value) => {
    try {
      return msToNumber(value as Parameters<typeof msToNumber>[0]) >= 1000;
    } catch {
      return false;
    }
  },
  { message: "expected a duration of at least one second such as '90 minutes', '36h' or '7 days'" },
);

/** One document to sign: its bytes inline (base64) or a URL Rest PKI Core downloads, which carries its own authorization. */
export const documentToStartSchema = z
  .strictObject({
    name: z.string().min(1).max(260),
    content: z.base64().optional(),
    url: httpUrl.optional(),
    signatureType: z.enum(SIGNATURE_TYPES).optional(),
    metadata: requestMetadataSchema.optional(),
  })
  .superRefine((document, ctx) => {
    if ((document.content === undefined) === (document.url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'give exactly one of content or url' });
    }
  });
export type DocumentToStart = z.infer<typeof documentToStartSchema>;

export const startSessionRequestSchema = z.strictObject({
  /** The application's own key for the session: starting twice with one key is one session. */
  applicationKey: z
    .string()
    .regex(
      APPLICATION_KEY_PATTERN,
      'expected 1 to 200 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    ),
  documents: z.array(documentToStartSchema).min(1).max(50).optional(),
  documentMetadata: requestMetadataSchema.optional(),
  callbackArgument: z.string().max(1024).optional(),
  disableDownloads: z.boolean().optional(),
  enableBackgroundProcessing: z.boolean().optional(),
  certificateRequirements: z.array(certificateRequirementSchema).max(10).optional(),
  securityContextId: z.guid().optional(),
  pdfSignatureOptions: pdfSignatureOptionsSchema.optional(),
  cmsSignatureOptions: cmsSignatureOptionsSchema.optional(),
  /** The application's page the user lands on after signing, told the verified outcome. */
  returnUrl: httpUrl.max(900).optional(),
  /** Where session events (ended, reminder due) are posted for the application. */
  notificationUrl: httpUrl.max(1024).optional(),
  /** How long the user has before the session is abandoned; default 7 days. */
  abandonAfter: durationSchema.optional(),
  /** Reminders, as durations after the start, each before the deadline. */
  remindAfter: z.array(durationSchema).max(10).optional(),
});
export type StartSessionRequest = z.infer<typeof startSessionRequestSchema>;

/**
 * A digest of the request, inline bytes included, independent of property order: two starts with the same key and
 * the same digest are the same session; the same key with another digest is a conflict.
 */
export function requestDigest(request: StartSessionRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
