/**
 * The Rest PKI Core models this project exchanges, as zod schemas with their inferred types, following
 * `openapi-subset.json` (API 2.2.2). Two directions, two attitudes:
 *
 * - responses are read tolerantly: unknown fields are dropped, an enum value we do not know is kept as the string it is,
 *   and a property that is missing or `null` becomes `null` (the documented webhook sample omits several), so a newer
 *   server or an unusual payload never breaks a session that we could otherwise follow;
 * - the request we send is checked strictly, because the gateway validates its callers' input with it: an unknown
 *   field, an over-long `returnUrl` or a badly named metadata entry is refused before it reaches the service.
 *
 * Wire names are kept verbatim (`Pending`, `UserCancelled`, `callbackArgument`...).
 */
import { z } from 'zod';

/** A value of an enum that the service may extend: one of the known values, or any other string kept as received. */
export type OpenEnum<T extends string> = T | (string & Record<never, never>);

/** Accepts the known values with their literal types and keeps any other string instead of failing. */
function openEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.union([z.enum(values), z.custom<string & Record<never, never>>((value) => typeof value === 'string')]);
}

/** A response property that may be absent or `null`: either way it reads as `null`. */
function orNull<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? null);
}

/** A metadata map (name -> values) as the service returns it; missing maps and `null` value lists read as empty. */
const responseMetadataSchema = z
  .record(z.string(), z.array(z.string()).nullish())
  .nullish()
  .transform((metadata) =>
    Object.fromEntries(Object.entries(metadata ?? {}).map(([name, values]) => [name, values ?? []])),
  );

/** The session statuses API 2.2.2 defines. */
export const SIGNATURE_SESSION_STATUSES = [
  'Pending',
  'Processing',
  'Completed',
  'UserCancelled',
  'Expired',
  'ProcessingError',
] as const;

/** A session's status; values added by later servers are kept as strings. */
export const signatureSessionStatusSchema = openEnum(SIGNATURE_SESSION_STATUSES);
export type SignatureSessionStatus = z.infer<typeof signatureSessionStatusSchema>;

/** The document statuses API 2.2.2 defines. */
export const DOCUMENT_STATUSES = ['PendingSignature', 'Processing', 'Completed', 'ProcessingError'] as const;

/** A document's status within a session; only `Completed` documents have a signed file. */
export const documentStatusSchema = openEnum(DOCUMENT_STATUSES);
export type DocumentStatus = z.infer<typeof documentStatusSchema>;

/** The signature types a document may be given. */
export const SIGNATURE_TYPES = ['Pdf', 'Cms', 'Xml'] as const;

/** A signature type as received; the documented webhook sample says `Pades`, which is kept as is. */
export const signatureTypesSchema = openEnum(SIGNATURE_TYPES);
export type SignatureTypes = z.infer<typeof signatureTypesSchema>;

/** The kinds of certificate requirement a session may set. */
export const CERTIFICATE_REQUIREMENT_TYPES = ['CryptoDevice', 'Cpf'] as const;

/** The ICP-Brasil certificate types (A1, A3...). */
export const PKI_BRAZIL_CERTIFICATE_TYPES = [
  'Unknown',
  'A1',
  'A2',
  'A3',
  'A4',
  'S1',
  'S2',
  'S3',
  'S4',
  'T3',
  'T4',
] as const;

/** An ICP-Brasil certificate type; unknown values are kept as strings. */
export const pkiBrazilCertificateTypesSchema = openEnum(PKI_BRAZIL_CERTIFICATE_TYPES);
export type PkiBrazilCertificateTypes = z.infer<typeof pkiBrazilCertificateTypesSchema>;

/** The webhook event types; `DocumentSignatureCompleted` is the only one today. */
export const WEBHOOK_EVENT_TYPES = ['DocumentSignatureCompleted'] as const;

/** A webhook event type; types added later are kept as strings. */
export const webhookEventTypesSchema = openEnum(WEBHOOK_EVENT_TYPES);
export type WebhookEventTypes = z.infer<typeof webhookEventTypesSchema>;

/** An X.500 name, broken into its usual attributes. */
export const nameModelSchema = z.object({
  country: orNull(z.string()),
  organization: orNull(z.string()),
  organizationUnit: orNull(z.string()),
  dnQualifier: orNull(z.string()),
  stateName: orNull(z.string()),
  commonName: orNull(z.string()),
  serialNumber: orNull(z.string()),
  locality: orNull(z.string()),
  title: orNull(z.string()),
  surname: orNull(z.string()),
  givenName: orNull(z.string()),
  initials: orNull(z.string()),
  pseudonym: orNull(z.string()),
  generationQualifier: orNull(z.string()),
  emailAddress: orNull(z.string()),
  allValues: responseMetadataSchema,
  dnString: orNull(z.string()),
});
export type NameModel = z.infer<typeof nameModelSchema>;

/** The ICP-Brasil fields of a certificate. `cpf` is personal data: never log it. */
export const pkiBrazilCertificateModelSchema = z.object({
  certificateType: orNull(pkiBrazilCertificateTypesSchema),
  cpf: orNull(z.string()),
  cnpj: orNull(z.string()),
  responsavel: orNull(z.string()),
  dateOfBirth: orNull(z.string()),
  companyName: orNull(z.string()),
  oabUF: orNull(z.string()),
  oabNumero: orNull(z.string()),
  rgEmissor: orNull(z.string()),
  rgEmissorUF: orNull(z.string()),
  rgNumero: orNull(z.string()),
});
export type PkiBrazilCertificateModel = z.infer<typeof pkiBrazilCertificateModelSchema>;

/** A certificate in full, as on a session's `signerCertificate`; `issuer` nests the same model up the chain. */
export interface CertificateModel {
  subjectName: NameModel | null;
  issuerName: NameModel | null;
  issuerDisplayName: string | null;
  serialNumber: string | null;
  validityStart: string | null;
  validityEnd: string | null;
  issuer: CertificateModel | null;
  pkiBrazil: PkiBrazilCertificateModel | null;
  thumbprint: string | null;
  thumbprintSHA256: string | null;
  subjectCommonName: string | null;
  subjectDisplayName: string | null;
  subjectIdentifier: string | null;
  emailAddress: string | null;
  organization: string | null;
  organizationIdentifier: string | null;
}

/** Reads a {@link CertificateModel}, its issuers included. */
export const certificateModelSchema: z.ZodType<CertificateModel> = z.object({
  subjectName: orNull(nameModelSchema),
  issuerName: orNull(nameModelSchema),
  issuerDisplayName: orNull(z.string()),
  serialNumber: orNull(z.string()),
  validityStart: orNull(z.string()),
  validityEnd: orNull(z.string()),
  get issuer() {
    return orNull(certificateModelSchema);
  },
  pkiBrazil: orNull(pkiBrazilCertificateModelSchema),
  thumbprint: orNull(z.string()),
  thumbprintSHA256: orNull(z.string()),
  subjectCommonName: orNull(z.string()),
  subjectDisplayName: orNull(z.string()),
  subjectIdentifier: orNull(z.string()),
  emailAddress: orNull(z.string()),
  organization: orNull(z.string()),
  organizationIdentifier: orNull(z.string()),
});

/** The short description of a certificate given for each signer of a document. */
export const certificateSummarySchema = z.object({
  thumbprint: orNull(z.string()),
  thumbprintSHA256: orNull(z.string()),
  subjectCommonName: orNull(z.string()),
  subjectDisplayName: orNull(z.string()),
  subjectIdentifier: orNull(z.string()),
  emailAddress: orNull(z.string()),
  organization: orNull(z.string()),
  organizationIdentifier: orNull(z.string()),
});
export type CertificateSummary = z.infer<typeof certificateSummarySchema>;

/** One signature on a document: who signed and when. */
export const signerSummarySchema = z.object({
  certificate: orNull(certificateSummarySchema),
  date: orNull(z.string()),
});
export type SignerSummary = z.infer<typeof signerSummarySchema>;

/**
 * A file of a document. The bytes are never inline: `url` is an absolute link that works without the API key. Older
 * payloads (the webhook sample among them) carry only the deprecated `location` and `contentType`, so each pair is
 * filled from the other and readers can rely on `url` and `mimeType`.
 */
export const documentFileModelSchema = z
  .object({
    name: orNull(z.string()),
    length: orNull(z.number()),
    mimeType: orNull(z.string()),
    contentType: orNull(z.string()),
    url: orNull(z.string()),
    location: orNull(z.string()),
  })
  .transform((file) => ({
    ...file,
    mimeType: file.mimeType ?? file.contentType,
    contentType: file.contentType ?? file.mimeType,
    url: file.url ?? file.location,
    location: file.location ?? file.url,
  }));
export type DocumentFileModel = z.infer<typeof documentFileModelSchema>;

/** A document as listed on its session. */
export const signatureSessionDocumentSummarySchema = z.object({
  id: z.string(),
  status: orNull(documentStatusSchema),
  dateSigned: orNull(z.string()),
  key: orNull(z.string()),
  formattedKey: orNull(z.string()),
  originalFile: orNull(documentFileModelSchema),
  markedFile: orNull(documentFileModelSchema),
  signedFile: orNull(documentFileModelSchema),
  signatureType: orNull(signatureTypesSchema),
  availableUntil: orNull(z.string()),
});
export type SignatureSessionDocumentSummary = z.infer<typeof signatureSessionDocumentSummarySchema>;

/** A signature session's state, as `GET /api/signature-sessions/{id}` answers it. */
export const signatureSessionModelSchema = z.object({
  id: z.string(),
  status: signatureSessionStatusSchema,
  processingErrorCode: orNull(z.string()),
  callbackArgument: orNull(z.string()),
  signerCertificate: orNull(certificateModelSchema),
  documents: z
    .array(signatureSessionDocumentSummarySchema)
    .nullish()
    .transform((documents) => documents ?? []),
});
export type SignatureSessionModel = z.infer<typeof signatureSessionModelSchema>;

/** A document with its signers and metadata, as `GET /api/documents/{id}` answers it and as webhooks carry it. */
export const documentModelSchema = z.object({
  id: z.string(),
  key: orNull(z.string()),
  formattedKey: orNull(z.string()),
  signers: z
    .array(signerSummarySchema)
    .nullish()
    .transform((signers) => signers ?? []),
  metadata: responseMetadataSchema,
  originalFile: orNull(documentFileModelSchema),
  markedFile: orNull(documentFileModelSchema),
  signedFile: orNull(documentFileModelSchema),
  signatureType: orNull(signatureTypesSchema),
  availableUntil: orNull(z.string()),
});
export type DocumentModel = z.infer<typeof documentModelSchema>;

/** The answer of `GET /api/documents/keys/{key}`: an unknown key is `{ found: false, document: null }`, not an error. */
export const documentQueryResponseSchema = z.object({
  found: z.boolean(),
  document: orNull(documentModelSchema),
});
export type DocumentQueryResponse = z.infer<typeof documentQueryResponseSchema>;

/** The answer of one long poll on `when-completed`; `progress` (0 to 100) comes with `completed: false`. */
export const sessionCompletionStatusSchema = z.object({
  completed: z.boolean(),
  progress: orNull(z.number()),
});
export type SessionCompletionStatus = z.infer<typeof sessionCompletionStatusSchema>;

/** The answer of `POST /api/signature-sessions`: where to send the user. */
export const createSignatureSessionResponseSchema = z.object({
  sessionId: z.string(),
  redirectUrl: z.string(),
});
export type CreateSignatureSessionResponse = z.infer<typeof createSignatureSessionResponseSchema>;

/** A webhook delivery. It names neither the session nor the event: re-read the document for metadata and a fresh URL. */
export const webhookEventModelSchema = z.object({
  type: webhookEventTypesSchema,
  document: documentModelSchema,
});
export type WebhookEventModel = z.infer<typeof webhookEventModelSchema>;

/** An error body. `details` maps a field or aspect to a message; `validationResults` is kept unparsed. */
export const errorModelV2Schema = z.object({
  code: orNull(z.string()),
  message: orNull(z.string()),
  detail: orNull(z.string()),
  details: z
    .record(z.string(), z.string().nullish())
    .nullish()
    .transform((details) => details ?? {}),
  validationResults: z.unknown().optional(),
});
export type ErrorModelV2 = z.infer<typeof errorModelV2Schema>;

/** A metadata name: letters, digits, `-`, `_` and spaces, up to 50 characters. */
export const METADATA_NAME_PATTERN = /^[A-Za-z0-9 _-]{1,50}$/;

/** Metadata we send: every name follows {@link METADATA_NAME_PATTERN}, every value is at most 500 characters. */
export const requestMetadataSchema = z.record(
  z.string().regex(METADATA_NAME_PATTERN, 'metadata names are 1 to 50 letters, digits, spaces, - or _'),
  z.array(z.string().max(500)),
);

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http or https URL' });

/**
 * A file given to the service: inline (`content` in base64 with its `name`), by an absolute `url` that the service
 * downloads (it must carry its own authorization), or by a `blobToken` from an earlier upload. Exactly one of them.
 */
export const fileReferenceModelSchema = z
  .strictObject({
    content: z.base64().nullish(),
    url: httpUrl.nullish(),
    blobToken: z.string().min(1).nullish(),
    name: z.string().min(1).max(260).nullish(),
    mimeType: z.string().max(200).nullish(),
  })
  .superRefine((file, ctx) => {
    const sources = [file.content, file.url, file.blobToken].filter((source) => source != null);
    if (sources.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of content, url or blobToken' });
    }
    if (file.content != null && file.name == null) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'an inline file needs its name' });
    }
  });
export type FileReferenceModel = z.infer<typeof fileReferenceModelSchema>;

const PADES_HORIZONTAL_ALIGNS = ['Left', 'Center', 'Right'] as const;
const PADES_VERTICAL_ALIGNS = ['Top', 'Center', 'Bottom'] as const;
const PADES_MEASUREMENT_UNITS = ['Centimeters', 'PdfPoints'] as const;
const PAPER_SIZES = [
  'Custom',
  'A0',
  'A1',
  'A2',
  'A3',
  'A4',
  'A5',
  'A6',
  'A7',
  'A8',
  'Letter',
  'Legal',
  'Ledger',
] as const;

const padesVisualRectangleSchema = z.strictObject({
  left: z.number().nullish(),
  top: z.number().nullish(),
  right: z.number().nullish(),
  bottom: z.number().nullish(),
  width: z.number().nullish(),
  height: z.number().nullish(),
});

const padesSizeSchema = z.strictObject({ height: z.number().positive(), width: z.number().positive() });

const padesPageOptimizationSchema = z.strictObject({
  paperSize: z.enum(PAPER_SIZES).optional(),
  customPaperSize: padesSizeSchema.optional(),
  pageOrientation: z.enum(['Auto', 'Portrait', 'Landscape']).optional(),
});

const padesVisualPositioningSchema = z.strictObject({
  pageNumber: z.int().optional(),
  measurementUnits: z.enum(PADES_MEASUREMENT_UNITS).optional(),
  pageOptimization: padesPageOptimizationSchema.optional(),
  auto: z
    .strictObject({
      container: padesVisualRectangleSchema,
      signatureRectangleSize: padesSizeSchema,
      horizontalDirection: z.enum(['LeftToRight', 'RightToLeft']).optional(),
      verticalDirection: z.enum(['TopDown', 'BottomUp']).optional(),
      rowSpacing: z.number().optional(),
    })
    .optional(),
  manual: padesVisualRectangleSchema.optional(),
});

const padesVisualRepresentationSchema = z.strictObject({
  text: z
    .strictObject({
      fontSize: z.number().positive().nullish(),
      text: z.string().max(1000).nullish(),
      includeSigningTime: z.boolean().optional(),
      horizontalAlign: z.enum(['Left', 'Right']).optional(),
      container: padesVisualRectangleSchema.optional(),
    })
    .optional(),
  image: z
    .strictObject({
      resource: z
        .strictObject({ url: httpUrl.nullish(), content: z.base64().nullish(), mimeType: z.string().nullish() })
        .optional(),
      opacity: z.int().min(0).max(100).nullish(),
      horizontalAlign: z.enum(PADES_HORIZONTAL_ALIGNS).optional(),
      verticalAlign: z.enum(PADES_VERTICAL_ALIGNS).optional(),
    })
    .optional(),
  position: padesVisualPositioningSchema,
});

/** PAdES options: the visual stamp and page handling. `convertToPdfA` exists from server 3.x on. */
export const pdfSignatureOptionsSchema = z.strictObject({
  visualRepresentation: padesVisualRepresentationSchema.optional(),
  measurementUnits: z.enum(PADES_MEASUREMENT_UNITS).optional(),
  pageOptimization: padesPageOptimizationSchema.optional(),
  convertToPdfA: z.boolean().optional(),
});
export type PdfSignatureOptions = z.infer<typeof pdfSignatureOptionsSchema>;

/** CMS options: attached or detached, and for detached signatures the data or its hashes. */
export const cmsSignatureOptionsSchema = z.strictObject({
  detached: z.boolean().optional(),
  dataFile: fileReferenceModelSchema.optional(),
  dataHashes: z
    .array(
      z.strictObject({
        algorithm: z.enum(['MD5', 'SHA1', 'SHA256', 'SHA384', 'SHA512', 'SHA3_256']),
        value: z.base64().nullish(),
        hexValue: z.hex().nullish(),
      }),
    )
    .nullish(),
});
export type CmsSignatureOptions = z.infer<typeof cmsSignatureOptionsSchema>;

/**
 * A condition on the certificates the user may pick. `Cpf` needs the CPF as argument, punctuation allowed; its 11
 * digits are checked here, leading zeros included, so a CPF read as a number (zeros lost) is refused early.
 */
export const certificateRequirementSchema = z
  .strictObject({
    type: z.enum(CERTIFICATE_REQUIREMENT_TYPES),
    argument: z.string().max(100).nullish(),
  })
  .superRefine((requirement, ctx) => {
    if (requirement.type !== 'Cpf') return;
    const digits = (requirement.argument ?? '').replace(/[.\-\s/]/g, '');
    if (!/^\d{11}$/.test(digits)) {
      ctx.addIssue({ code: 'custom', path: ['argument'], message: 'a Cpf requirement needs the 11 digits of a CPF' });
    }
  });
export type CertificateRequirement = z.infer<typeof certificateRequirementSchema>;

/** One document offered for signature in the session. */
export const signatureSessionDocumentDataSchema = z.strictObject({
  id: z.guid().nullish(),
  file: fileReferenceModelSchema,
  metadata: requestMetadataSchema.nullish(),
  documentKey: z.string().max(100).nullish(),
  signatureType: z.enum(SIGNATURE_TYPES).optional(),
  pdfSignatureOptions: pdfSignatureOptionsSchema.optional(),
  cmsSignatureOptions: cmsSignatureOptionsSchema.optional(),
});
export type SignatureSessionDocumentData = z.infer<typeof signatureSessionDocumentDataSchema>;

/**
 * The body of `POST /api/signature-sessions`. Without `returnUrl` the session follows the webhook flow (the page opens
 * in a new tab and closes itself); without `documents` the user uploads his own files on the page.
 */
export const createSignatureSessionRequestSchema = z.strictObject({
  returnUrl: httpUrl.max(1024).nullish(),
  securityContextId: z.guid().nullish(),
  callbackArgument: z.string().max(1024).nullish(),
  enableBackgroundProcessing: z.boolean().optional(),
  disableDownloads: z.boolean().optional(),
  documentMetadata: requestMetadataSchema.nullish(),
  documents: z.array(signatureSessionDocumentDataSchema).nullish(),
  certificateRequirements: z.array(certificateRequirementSchema).nullish(),
  pdfSignatureOptions: pdfSignatureOptionsSchema.optional(),
  cmsSignatureOptions: cmsSignatureOptionsSchema.optional(),
});
export type CreateSignatureSessionRequest = z.infer<typeof createSignatureSessionRequestSchema>;
