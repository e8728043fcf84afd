/**
 * The activities of the signature session workflow, built by one factory over their dependencies: a Rest PKI Core
 * client and a document store. Each is safe to retry, and each returns identifiers, statuses and digests, never bytes.
 */
import { type RestPkiClient } from '../restpki/client';
import { type DocumentStore } from '../storage/document-store';
import { createSignatureSessionActivity } from './create-signature-session';
import { downloadSignedDocumentsActivity } from './download-signed-documents';
import { findSessionOfDocumentActivity } from './find-session-of-document';
import { notifyApplicationActivity, type NotificationSettings } from './notify-application';
import { readSignatureSessionActivity } from './read-signature-session';
import { waitForBackgroundProcessingActivity } from './wait-for-background-processing';

export interface ActivityDependencies {
  restPki: RestPkiClient;
  store: DocumentStore;
  /** How events to applications are signed; without it, sessions with a notification URL cannot notify. */
  notifications?: NotificationSettings;
}

export function createActivities(dependencies: ActivityDependencies) {
  return {
    createSignatureSession: createSignatureSessionActivity(dependencies),
    readSignatureSession: readSignatureSessionActivity(dependencies),
    waitForBackgroundProcessing: waitForBackgroundProcessingActivity(dependencies),
    downloadSignedDocuments: downloadSignedDocumentsActivity(dependencies),
    findSessionOfDocument: findSessionOfDocumentActivity(dependencies),
    notifyApplication: notifyApplicationActivity(dependencies.notifications),
  };
}

/** The activities as the workflow proxies them. */
export type SignatureSessionActivities = ReturnType<typeof createActivities>;
