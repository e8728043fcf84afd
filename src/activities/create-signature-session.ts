/**
 * Creates the session at Rest PKI Core, marking it with the workflow ID so that the return route (through the return
 * URL's query) and the webhook receiver (through every document's metadata) can find the workflow again.
 */
import { Context } from '@temporalio/activity';
import {
  type CertificateRequirement as CertificateRequirementModel,
  type CreateSignatureSessionRequest,
  type FileReferenceModel,
} from '../restpki/models';
import {
  WORKFLOW_METADATA_NAME,
  WORKFLOW_RETURN_PARAMETER,
  type CertificateRequirement,
  type DocumentToSign,
  type SessionLink,
  type SignatureSessionInput,
} from '../workflows/messages';
import { type ActivityDependencies } from './index';

export interface CreateSignatureSessionInput {
  workflowId: string;
  input: SignatureSessionInput;
}

export function createSignatureSessionActivity({ restPki, store }: ActivityDependencies) {
  /**
   * Rest PKI Core has no idempotency key for creation: a retry after a lost answer creates a second session. That one
   * is never shown to anybody (only the answer that reached the workflow is used) and the service expires it.
   */
  return async function createSignatureSession({
    workflowId,
    input,
  }: CreateSignatureSessionInput): Promise<SessionLink> {
    const { options } = input;
    const request: CreateSignatureSessionRequest = {
      returnUrl: input.returnUrl ? withQueryParameter(input.returnUrl, WORKFLOW_RETURN_PARAMETER, workflowId) : null,
      callbackArgument: options.callbackArgument ?? null,
      enableBackgroundProcessing: options.enableBackgroundProcessing ?? false,
      disableDownloads: options.disableDownloads ?? false,
      documentMetadata: { ...options.documentMetadata, [WORKFLOW_METADATA_NAME]: [workflowId] },
      documents: options.documents
        ? await Promise.all(options.documents.map((document) => documentData(document, store)))
        : null,
      certificateRequirements: options.certificateRequirements
        ? await Promise.all(options.certificateRequirements.map((requirement) => requirementData(requirement, store)))
        : null,
      securityContextId: options.securityContextId ?? null,
      pdfSignatureOptions: options.pdfSignatureOptions,
      cmsSignatureOptions: options.cmsSignatureOptions,
    };

    const created = await restPki.createSession(request, { signal: Context.current().cancellationSignal });
    return { sessionId: created.sessionId, redirectUrl: created.redirectUrl };
  };
}

async function documentData(document: DocumentToSign, store: ActivityDependencies['store']) {
  return {
    file: await fileReference(document, store),
    signatureType: document.signatureType,
    metadata: document.metadata ?? null,
  };
}

async function requirementData(
  requirement: CertificateRequirement,
  store: ActivityDependencies['store'],
): Promise<CertificateRequirementModel> {
  if (requirement.type !== 'Cpf') return { type: requirement.type };
  return { type: 'Cpf', argument: (await readStaged(requirement.stagedArgumentKey, store)).toString('utf8') };
}

/**
 * A staged document travels inline to Rest PKI Core, base64 in the create request. That holds the file in memory for
 * the length of the call; documents too large for that should be given by URL.
 */
async function fileReference(
  document: DocumentToSign,
  store: ActivityDependencies['store'],
): Promise<FileReferenceModel> {
  if ('url' in document.source) return { url: document.source.url, name: document.name };

  return { content: (await readStaged(document.source.stagedKey, store)).toString('base64'), name: document.name };
}

async function readStaged(key: string, store: ActivityDependencies['store']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.open(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function withQueryParameter(url: string, name: string, value: string): string {
  const target = new URL(url);
  target.searchParams.set(name, value);
  return target.href;
}
