/**
 * The typed client for backend systems that talk to Temporal directly: start a session and get where to send the
 * user in one round trip, read its state, list, cancel, hand over a user's return, and wait for the result.
 */
import { Readable } from 'node:stream';
import { status } from '@grpc/grpc-js';
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { APPLICATION_KEY, SESSION_STATUS } from '../search-attributes';
import { storageKeyFor, type DocumentStore } from '../storage/document-store';
import {
  cancelSessionUpdate,
  DEFAULT_TASK_QUEUE,
  deliveryWorkflowIdForDocument,
  documentSignedSignal,
  SESSION_KEY_CONFLICT,
  sessionLinkUpdate,
  sessionStateQuery,
  userReturnedSignal,
  userReturnedUpdate,
  workflowIdForKey,
  type CertificateRequirement,
  type DocumentToSign,
  type ReturnVerdict,
  type SessionLink,
  type SessionStatus,
  type SignatureSessionInput,
  type SignatureSessionResult,
  type SignatureSessionState,
} from '../workflows/messages';
import type { documentSignedDelivery } from '../workflows/document-signed-delivery';
import type { signatureSession } from '../workflows/signature-session';
import { requestDigest, startSessionRequestSchema, type StartSessionRequest } from './start-request';

/** What the session workflow carries in its memo, readable without a worker. */
interface SessionMemo {
  requestDigest: string;
  applicationReturnUrl: string | null;
}

export interface SignatureSessionsClientOptions {
  client: Client;
  taskQueue?: string;
  /** Where inline documents are staged before the workflow starts: bytes never travel in workflow input. */
  store?: DocumentStore;
  /**
   * The gateway's return route, given to Rest PKI Core as the `returnUrl`; the request's own `returnUrl` then becomes
   * the page the gateway sends the user on to. Without it, Rest PKI Core returns the user to the request's `returnUrl`
   * directly and the application reports the return with {@link SignatureSessionsClient.reportReturn}.
   */
  returnRouteUrl?: string;
}

/** A started session: its workflow and where to send the user. */
export interface StartedSession extends SessionLink {
  workflowId: string;
  applicationKey: string;
}

/** Thrown when an application key is reused for a different request. */
export class SessionKeyConflictError extends Error {
  constructor(readonly applicationKey: string) {
    super(`A signature session with the application key ${applicationKey} already exists for a different request`);
    this.name = 'SessionKeyConflictError';
  }
}

/** Thrown when no session exists for an application key. */
export class SessionNotFoundError extends Error {
  constructor(readonly applicationKey: string) {
    super(`No signature session has the application key ${applicationKey}`);
    this.name = 'SessionNotFoundError';
  }
}

/** Thrown when an operation needs a running session and the session already ended. */
export class SessionEndedError extends Error {
  constructor(
    readonly applicationKey: string,
    readonly status: SessionStatus,
  ) {
    super(`The signature session with the application key ${applicationKey} already ended as ${status}`);
    this.name = 'SessionEndedError';
  }
}

/** Thrown when inline documents or a CPF requirement are given to a client that has no store to stage them in. */
export class StagingUnavailableError extends Error {
  constructor() {
    super(
      'Inline document content and CPF requirements need a document store to stage them in: construct the client with `store`',
    );
    this.name = 'StagingUnavailableError';
  }
}

export interface ListSessionsFilter {
  status?: SessionStatus;
  applicationKey?: string;
  startedAfter?: Date;
  startedBefore?: Date;
  pageSize?: number;
  nextPageToken?: string;
}

export interface SessionListItem {
  workflowId: string;
  applicationKey: string | null;
  status: string | null;
  restPkiSessionId: string | null;
  startedAt: string;
  closedAt: string | null;
}

export class SignatureSessionsClient {
  readonly #client: Client;
  readonly #taskQueue: string;
  readonly #store: DocumentStore | undefined;
  readonly #returnRouteUrl: string | undefined;

  constructor(options: SignatureSessionsClientOptions) {
    this.#client = options.client;
    this.#taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.#store = options.store;
    this.#returnRouteUrl = options.returnRouteUrl;
  }

  /**
   * Starts the session for `request.applicationKey`, or joins it if it exists for the same request, and returns where
   * to send the user as soon as Rest PKI Core has created it. Throws {@link SessionKeyConflictError} when the key is
   * taken by a different request, and a zod error naming the field when the request is malformed.
   */
  async start(request: StartSessionRequest): Promise<StartedSession> {
    return (await this.startOrJoin(request)).session;
  }

  /** {@link start}, telling also whether this call started the session or joined one started with the same request. */
  async startOrJoin(request: StartSessionRequest): Promise<{ session: StartedSession; created: boolean }> {
    const parsed = startSessionRequestSchema.parse(request);
    const workflowId = workflowIdForKey(parsed.applicationKey);
    const digest = requestDigest(parsed);
    const input = await this.#workflowInput(parsed, workflowId, digest);

    const startOperation = new WithStartWorkflowOperation<typeof signatureSession>('signatureSession', {
      workflowId,
      taskQueue: this.#taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A session whose creation was refused (its workflow failed) may be started again with the same key; one that
      // ran is answered from its final state below.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [
        { key: APPLICATION_KEY, value: parsed.applicationKey },
        { key: SESSION_STATUS, value: 'creating' },
      ],
      memo: { requestDigest: digest, applicationReturnUrl: input.applicationReturnUrl ?? null } satisfies SessionMemo,
      staticSummary: `Signature session ${parsed.applicationKey}`,
    });
    try {
      const { created, ...link } = await this.#client.workflow.executeUpdateWithStart(sessionLinkUpdate, {
        args: [{ requestDigest: digest }],
        startWorkflowOperation: startOperation,
      });
      return { session: { workflowId, applicationKey: parsed.applicationKey, ...link }, created };
    } catch (error) {
      if (isKeyConflict(error)) throw new SessionKeyConflictError(parsed.applicationKey);
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }

    // The session for this key already ended: answer from its final state, if it was the same request.
    const handle = this.#client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const memo = description.memo as Partial<SessionMemo> | undefined;
    const state = await handle.query(sessionStateQuery);
    if (memo?.requestDigest !== digest || state.sessionId === null || state.redirectUrl === null) {
      throw new SessionKeyConflictError(parsed.applicationKey);
    }
    return {
      session: {
        workflowId,
        applicationKey: parsed.applicationKey,
        sessionId: state.sessionId,
        redirectUrl: state.redirectUrl,
      },
      created: false,
    };
  }

  /** The session's current state, as its workflow reports it. */
  async get(applicationKey: string): Promise<SignatureSessionState> {
    return this.#withHandle(applicationKey, (handle) => handle.query(sessionStateQuery));
  }

  /**
   * Cancels a session whose user has not finished; the returned state says how it ended. Throws
   * {@link SessionEndedError} when the session already ended, and a `WorkflowUpdateFailedError` when it is past
   * waiting for the user (its files are being stored).
   */
  async cancel(applicationKey: string): Promise<SignatureSessionState> {
    try {
      return await this.#withHandle(applicationKey, (handle) => handle.executeUpdate(cancelSessionUpdate));
    } catch (error) {
      if (!(error instanceof SessionNotFoundError)) throw error;
      const state = await this.get(applicationKey);
      throw new SessionEndedError(applicationKey, state.status);
    }
  }

  /** Waits for the session to end and returns its result. */
  async result(applicationKey: string): Promise<SignatureSessionResult> {
    return this.#withHandle(applicationKey, (handle) => handle.result() as Promise<SignatureSessionResult>);
  }

  /**
   * Hands a user's return to the session's workflow, which asks the API for the truth before answering. Throws when
   * `signatureSessionId` is not the session's.
   */
  async reportReturn(workflowId: string, signatureSessionId: string): Promise<ReturnVerdict> {
    return this.#client.workflow
      .getHandle(workflowId)
      .executeUpdate(userReturnedUpdate, { args: [{ signatureSessionId }] });
  }

  /**
   * Records a return durably without waiting for an answer, for when {@link reportReturn} could not be awaited (a
   * slow API, no worker running): the workflow looks at the API as soon as it runs again.
   */
  async noteReturn(workflowId: string, signatureSessionId: string): Promise<void> {
    await this.#client.workflow.getHandle(workflowId).signal(userReturnedSignal, { signatureSessionId });
  }

  /**
   * Where the user goes after a return, read from the workflow's memo so that it answers with no worker running;
   * `null` when there is no such session.
   */
  async returnTarget(
    workflowId: string,
  ): Promise<{ applicationKey: string; applicationReturnUrl: string | null } | null> {
    try {
      const description = await this.#client.workflow.getHandle(workflowId).describe();
      const memo = description.memo as Partial<SessionMemo> | undefined;
      const applicationKey = description.typedSearchAttributes.get(APPLICATION_KEY) ?? null;
      if (applicationKey === null) return null;
      return { applicationKey, applicationReturnUrl: memo?.applicationReturnUrl ?? null };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * Records a `DocumentSignatureCompleted` webhook delivery in Temporal and resolves once it is durable: a workflow per
   * document then finds the session and tells it, with retries. Repeated deliveries of one document are one record.
   */
  async acceptDocumentSignedWebhook(documentId: string): Promise<void> {
    try {
      await this.#client.workflow.start<typeof documentSignedDelivery>('documentSignedDelivery', {
        workflowId: deliveryWorkflowIdForDocument(documentId),
        taskQueue: this.#taskQueue,
        args: [{ documentId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Webhook: document ${documentId} signed`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /** Tells the session's workflow that one of its documents was signed; repeats are harmless. */
  async reportDocumentSigned(workflowId: string, documentId: string): Promise<void> {
    await this.#client.workflow.getHandle(workflowId).signal(documentSignedSignal, { documentId });
  }

  /** Lists sessions from Temporal's visibility, newest first, a page at a time. */
  async list(filter: ListSessionsFilter = {}): Promise<{ sessions: SessionListItem[]; nextPageToken: string | null }> {
    const clauses = [`WorkflowType = 'signatureSession'`];
    if (filter.status) clauses.push(`${SESSION_STATUS.name} = ${quote(filter.status)}`);
    if (filter.applicationKey) clauses.push(`${APPLICATION_KEY.name} = ${quote(filter.applicationKey)}`);
    if (filter.startedAfter) clauses.push(`StartTime >= ${quote(filter.startedAfter.toISOString())}`);
    if (filter.startedBefore) clauses.push(`StartTime < ${quote(filter.startedBefore.toISOString())}`);

    const page = await this.#client.workflowService.listWorkflowExecutions({
      namespace: this.#client.options.namespace,
      query: clauses.join(' AND '),
      pageSize: filter.pageSize ?? 50,
      nextPageToken: filter.nextPageToken ? Buffer.from(filter.nextPageToken, 'base64url') : undefined,
    });
    const sessions = (page.executions ?? []).map((execution) => {
      const indexed = execution.searchAttributes?.indexedFields ?? {};
      const keyword = (name: string) => {
        const payload = indexed[name];
        return payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as string) : null;
      };
      return {
        workflowId: execution.execution?.workflowId ?? '',
        applicationKey: keyword(APPLICATION_KEY.name),
        status: keyword(SESSION_STATUS.name),
        restPkiSessionId: keyword('RestPkiSessionId'),
        startedAt: timestampToIso(execution.startTime) ?? '',
        closedAt: timestampToIso(execution.closeTime),
      };
    });
    const token = page.nextPageToken && page.nextPageToken.length > 0 ? Buffer.from(page.nextPageToken) : null;
    return { sessions, nextPageToken: token ? token.toString('base64url') : null };
  }

  async #workflowInput(
    request: StartSessionRequest,
    workflowId: string,
    digest: string,
  ): Promise<SignatureSessionInput> {
    const documents = request.documents
      ? await Promise.all(request.documents.map((document, index) => this.#stage(document, index, workflowId)))
      : undefined;
    return {
      applicationKey: request.applicationKey,
      options: {
        documents,
        documentMetadata: request.documentMetadata,
        callbackArgument: request.callbackArgument,
        disableDownloads: request.disableDownloads,
        enableBackgroundProcessing: request.enableBackgroundProcessing,
        certificateRequirements: request.certificateRequirements
          ? await Promise.all(
              request.certificateRequirements.map((requirement, index) =>
                this.#stageRequirement(requirement, index, workflowId),
              ),
            )
          : undefined,
        securityContextId: request.securityContextId,
        pdfSignatureOptions: request.pdfSignatureOptions,
        cmsSignatureOptions: request.cmsSignatureOptions,
      },
      returnUrl: this.#returnRouteUrl ?? request.returnUrl,
      applicationReturnUrl: this.#returnRouteUrl ? request.returnUrl : undefined,
      notificationUrl: request.notificationUrl,
      abandonAfter: request.abandonAfter,
      remindAfter: request.remindAfter,
      requestDigest: digest,
    };
  }

  async #stage(
    document: NonNullable<StartSessionRequest['documents']>[number],
    index: number,
    workflowId: string,
  ): Promise<DocumentToSign> {
    const base = { name: document.name, signatureType: document.signatureType, metadata: document.metadata };
    if (document.url !== undefined) return { ...base, source: { url: document.url } };
    if (!this.#store) throw new StagingUnavailableError();

    const key = storageKeyFor({ workflowId, documentId: `to-sign-${index}`, fileName: document.name });
    const stored = await this.#store.put(key, Readable.from([Buffer.from(document.content ?? '', 'base64')]));
    return { ...base, source: { stagedKey: stored.key } };
  }

  async #stageRequirement(
    requirement: NonNullable<StartSessionRequest['certificateRequirements']>[number],
    index: number,
    workflowId: string,
  ): Promise<CertificateRequirement> {
    if (requirement.type !== 'Cpf') return { type: 'CryptoDevice' };
    if (!this.#store) throw new StagingUnavailableError();

    const key = storageKeyFor({ workflowId, documentId: `cpf-requirement-${index}`, fileName: null });
    const stored = await this.#store.put(key, Readable.from([Buffer.from(requirement.argument ?? '', 'utf8')]));
    return { type: 'Cpf', stagedArgumentKey: stored.key };
  }

  async #withHandle<T>(
    applicationKey: string,
    use: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
  ): Promise<T> {
    try {
      return await use(this.#client.workflow.getHandle(workflowIdForKey(applicationKey)));
    } catch (error) {
      if (isNotFound(error)) throw new SessionNotFoundError(applicationKey);
      throw error;
    }
  }
}

function isKeyConflict(error: unknown): boolean {
  return (
    error instanceof WorkflowUpdateFailedError &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === SESSION_KEY_CONFLICT
  );
}

function isNotFound(error: unknown): boolean {
  if (error instanceof Error && error.name === 'WorkflowNotFoundError') return true;
  return isGrpcServiceError(error) && error.code === status.NOT_FOUND;
}

/** A string literal for a visibility query. */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function timestampToIso(timestamp: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!timestamp?.seconds) return null;
  const millis = Number(timestamp.seconds) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6);
  return new Date(millis).toISOString();
}
