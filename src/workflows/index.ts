/** The workflows this project's worker runs. */
export { signatureSession } from './signature-session';
