/**
 * The `CreateSignatureSessionRequest` body, validated once at the edge. Unknown fields are ignored (later server
 * versions add optional ones, and the real service is an ASP.NET model binder that ignores them too); every
 * problem is reported with the path of its field, as `documents[0].file.content`.
 */
import { z } from 'zod';
import { RequestValidationError } from './errors';
import { normalizeCpf } from './pki';
import { normalizeDocumentKey } from './document-keys';
import { type CertificateRequirement, type Metadata, type SignatureType } from './store';

const METADATA_NAME = /^[\p{L}\p{N} _-]{1,50}$/u;

const metadataSchema = z
  .record(z.string(), z.array(z.string().max(500, 'must be at most 500 characters')).nullable())
  .nullable()
  .optional()
  .superRefine((metadata, ctx) => {
    for (const name of Object.keys(metadata ?? {})) {
      if (!METADATA_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'must be 1 to 50 letters, digits, spaces, hyphens or underscores',
        });
      }
    }
  });

const optionsSchema = z.record(z.string(), z.unknown()).nullable().optional();

const absoluteUrl = (message: string) => z.string().refine((value) => URL.canParse(value), { message });

const fileReferenceSchema = z
  .object({
    content: z.base64('must be base64').nullable().optional(),
    url: absoluteUrl('must be an absolute URL').nullable().optional(),
    location: absoluteUrl('must be an absolute URL').nullable().optional(),
    blobToken: z.string().nullable().optional(),
    name: z.string().max(260, 'must be at most 260 characters').nullable().optional(),
    mimeType: z.string().max(200).nullable().optional(),
    contentType: z.string().max(200).nullable().optional(),
  })
  .superRefine((file, ctx) => {
    if (file.blobToken) {
      ctx.addIssue({
        code: 'custom',
        path: ['blobToken'],
        message: 'is not supported by the local service: send content or url',
      });
    }
    const url = file.url ?? file.location;
    if (file.content && url)
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'and url cannot both be given' });
    if (!file.content && !url && !file.blobToken) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'is required (or url)' });
    }
    if (url && !/^https?:/i.test(url))
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be http or https' });
  });

const documentSchema = z.object({
  id: z.guid('must be a UUID').nullable().optional(),
  file: fileReferenceSchema,
  metadata: metadataSchema,
  documentKey: z
    .string()
    .refine((value) => /^[A-Z0-9]{16}$/.test(normalizeDocumentKey(value)), {
      message: 'must be 16 letters or digits, dashes allowed',
    })
    .nullable()
    .optional(),
  signatureType: z.enum(['Pdf', 'Cms', 'Xml']).nullable().optional(),
  pdfSignatureOptions: optionsSchema,
  cmsSignatureOptions: optionsSchema,
});

const requirementSchema = z
  .object({
    type: z.enum(['CryptoDevice', 'Cpf']),
    argument: z.string().nullable().optional(),
  })
  .superRefine((requirement, ctx) => {
    if (requirement.type === 'Cpf' && normalizeCpf(requirement.argument ?? '') === null) {
      ctx.addIssue({ code: 'custom', path: ['argument'], message: 'must be a valid CPF for a Cpf requirement' });
    }
  });

const requestSchema = z.object(
  {
    returnUrl: z
      .string()
      .max(1024, 'must be at most 1024 characters')
      .refine((value) => URL.canParse(value), { message: 'must be an absolute URL' })
      .nullable()
      .optional(),
    // Accepted and ignored: the local service has one signing policy, so every security context is the same.
    securityContextId: z.guid('must be a UUID').nullable().optional(),
    callbackArgument: z.string().max(1024, 'must be at most 1024 characters').nullable().optional(),
    enableBackgroundProcessing: z.boolean().nullable().optional(),
    disableDownloads: z.boolean().nullable().optional(),
    documentMetadata: metadataSchema,
    documents: z.array(documentSchema).nullable().optional(),
    certificateRequirements: z.array(requirementSchema).nullable().optional(),
    // Accepted and kept with each document, but the test signers apply no visual representation or CMS options.
    pdfSignatureOptions: optionsSchema,
    cmsSignatureOptions: optionsSchema,
  },
  { error: 'must be a JSON object' },
);

/** Where a predefined document's bytes come from. */
export type DocumentSource = { kind: 'content'; base64: string } | { kind: 'url'; url: string };

/** One predefined document, as asked for. */
export interface RequestedDocument {
  /** Path of this document in the request, for error messages: `documents[2]`. */
  field: string;
  id: string | null;
  key: string | null;
  source: DocumentSource;
  name: string | null;
  mimeType: string | null;
  signatureType: SignatureType | null;
  metadata: Metadata;
  pdfSignatureOptions: unknown;
  cmsSignatureOptions: unknown;
}

/** A validated request to create a session. */
export interface CreateSessionRequest {
  returnUrl: string | null;
  callbackArgument: string | null;
  backgroundProcessing: boolean;
  disableDownloads: boolean;
  documentMetadata: Metadata;
  documents: RequestedDocument[];
  certificateRequirements: CertificateRequirement[];
  pdfSignatureOptions: unknown;
  cmsSignatureOptions: unknown;
}

/** `documents[0].file.content` from zod's `['documents', 0, 'file', 'content']`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let field = '';
  for (const part of path) {
    if (typeof part === 'number') field += `[${part}]`;
    else field += field === '' ? String(part) : `.${String(part)}`;
  }
  return field === '' ? 'body' : field;
}

function withoutNullValues(metadata: Record<string, string[] | null> | null | undefined): Metadata {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([name, values]) => [name, values ?? []]));
}

/** Validates a parsed JSON body; throws {@link RequestValidationError} naming every bad field. */
export function parseCreateSessionRequest(body: unknown): CreateSessionRequest {
  const result = requestSchema.safeParse(body);
  if (!result.success) {
    const fields: Record<string, string> = {};
    for (const issue of result.error.issues) fields[fieldPath(issue.path)] ??= issue.message;
    throw new RequestValidationError(fields);
  }
  const request = result.data;
  const sessionMetadata = withoutNullValues(request.documentMetadata);

  return {
    returnUrl: request.returnUrl ?? null,
    callbackArgument: request.callbackArgument ?? null,
    backgroundProcessing: request.enableBackgroundProcessing ?? false,
    disableDownloads: request.disableDownloads ?? false,
    documentMetadata: sessionMetadata,
    documents: (request.documents ?? []).map((document, index) => ({
      field: `documents[${index}]`,
      id: document.id ? document.id.toLowerCase() : null,
      key: document.documentKey ? normalizeDocumentKey(document.documentKey) : null,
      source: document.file.content
        ? { kind: 'content', base64: document.file.content }
        : { kind: 'url', url: document.file.url ?? document.file.location ?? '' },
      name: document.file.name ?? null,
      mimeType: document.file.mimeType ?? document.file.contentType ?? null,
      signatureType: document.signatureType ?? null,
      // A name given both for the session and for the document keeps the document's values.
      metadata: { ...sessionMetadata, ...withoutNullValues(document.metadata) },
      pdfSignatureOptions: document.pdfSignatureOptions ?? request.pdfSignatureOptions ?? null,
      cmsSignatureOptions: document.cmsSignatureOptions ?? request.cmsSignatureOptions ?? null,
    })),
    certificateRequirements: (request.certificateRequirements ?? []).map((requirement): CertificateRequirement =>
      requirement.type === 'Cpf'
        ? { type: 'Cpf', cpf: normalizeCpf(requirement.argument ?? '') ?? '' }
        : { type: 'CryptoDevice' },
    ),
    pdfSignatureOptions: request.pdfSignatureOptions ?? null,
    cmsSignatureOptions: request.cmsSignatureOptions ?? null,
  };
}
