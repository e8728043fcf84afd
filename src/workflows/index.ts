/** The workflows this project's worker runs. */
export { signatureSession } from './signature-session';
export { documentSignedDelivery } from './document-signed-delivery';
export { applicationNotification } from './application-notification';
