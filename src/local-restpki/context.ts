/**
 * What every route and use case of the local service works with, built once at start and passed in explicitly.
 */
import { type Logger } from '../logger';
import { type FileStore } from './file-store';
import { type FileUrls } from './file-urls';
import { type TestPki } from './pki';
import { type SessionEvents } from './session-events';
import { type LocalRestPkiConfig } from './settings';
import { type Store } from './store';

/** The service's dependencies. */
export interface ServiceContext {
  config: LocalRestPkiConfig;
  store: Store;
  files: FileStore;
  urls: FileUrls;
  pki: TestPki;
  events: SessionEvents;
  logger: Logger;
  /** Sessions whose documents are being signed right now, so a second Sign press cannot sign them twice. */
  signingNow: Set<string>;
  /** Asks the background loop to look for due work now (a delivery just queued, a processing just started). */
  wake(): void;
}
