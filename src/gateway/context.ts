/** What every route of the gateway works with, built once by `buildGateway`. */
import { type Client } from '@temporalio/client';
import { type SignatureSessionsClient } from '../client/signature-sessions-client';
import { type Logger } from '../logger';
import { type DocumentStore } from '../storage/document-store';
import { type PageTokens } from './page-tokens';
import { type WebhookAuthSettings } from './settings';

/** The gateway's collaborators and settings, shared by its route modules. */
export interface GatewayContext {
  /** The typed client, constructed with the gateway's return route as Rest PKI Core's `returnUrl`. */
  sessions: SignatureSessionsClient;
  /** The Temporal client underneath, for deadlines and for reading a finished workflow's result. */
  temporal: Client;
  store: DocumentStore;
  /** The gateway's absolute base URL, without a trailing slash. */
  publicUrl: string;
  /** How long an API call may wait for Temporal (and the worker behind it) before answering 503. */
  apiWaitMs: number;
  returnWaitMs: number;
  webhookWaitMs: number;
  webhookAuth: WebhookAuthSettings;
  logger: Logger;
  pageTokens: PageTokens;
}
