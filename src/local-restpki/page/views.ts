/**
 * The signing page's views: the page where the user signs (documents, upload, certificates, Sign and Cancel), and
 * the page that tells how a session ended. Plain forms posting form-urlencoded or multipart; elements carry `id`s
 * and `data-` attributes so tests and the HTTP-only page driver can read them.
 */
import { maskCpf } from '../certificate-requirements';
import { type TestCertificate } from '../pki';
import { type DocumentRecord, type SessionRecord, type SessionStatus } from '../store';
import { type UploadOutcome } from '../use-cases/upload-document';
import { html, layout, type Html } from './html';

/** A document as the page lists it, with the URL that shows it. */
export interface PageDocument {
  record: DocumentRecord;
  viewUrl: string;
  signedUrl: string | null;
}

/** A certificate as the page offers it; `refusal` says why it cannot be chosen. */
export interface PageCertificate {
  certificate: TestCertificate;
  refusal: string | null;
}

/** Where the page's forms post to. */
export interface PageActions {
  sign: string;
  cancel: string;
  upload: string;
}

/** Everything the signing view shows. */
export interface SigningView {
  session: SessionRecord;
  documents: PageDocument[];
  certificates: PageCertificate[];
  actions: PageActions;
  uploads: UploadOutcome[];
  error: string | null;
}

const TYPE_LABELS = { Pdf: 'PDF signature', Cms: 'CMS signature (.p7s)', Xml: 'XML signature' } as const;

function documentList(documents: PageDocument[], links: 'original' | 'signed' | 'none'): Html {
  if (documents.length === 0) return html`<p class="muted" id="no-documents">No documents yet.</p>`;
  const items = documents.map(({ record, viewUrl, signedUrl }) => {
    const url = links === 'original' ? viewUrl : links === 'signed' ? signedUrl : null;
    const name = url
      ? html`<a href="${url}" target="_blank" rel="noopener noreferrer" data-file-link="${links}">${record.name}</a>`
      : html`<span>${record.name}</span>`;
    return html`<li class="document" data-document-id="${record.id}">
      ${name} <span class="detail">${TYPE_LABELS[record.signatureType]}</span>
    </li>`;
  });
  return html`<ul id="documents">
    ${items}
  </ul>`;
}

function certificateOption({ certificate, refusal }: PageCertificate): Html {
  const details = [
    certificate.kind === 'A3' ? 'A3 · crypto device' : 'A1 · software certificate',
    `CPF ${maskCpf(certificate.cpf)}`,
    ...(certificate.revoked ? ['revoked (test certificate)'] : []),
  ].join(' · ');
  const input = refusal
    ? html`<input type="radio" name="certificateId" value="${certificate.id}" disabled />`
    : html`<input type="radio" name="certificateId" value="${certificate.id}" required />`;
  const reason = refusal ? html`<span class="reason" data-refusal>Not allowed: ${refusal}</span>` : html``;
  return html`<label class="certificate${refusal ? ' refused' : ''}" data-certificate-id="${certificate.id}">
    ${input}<span>${certificate.holderName}<span class="detail">${details}</span>${reason}</span></label
  >`;
}

function uploadResults(uploads: UploadOutcome[]): Html {
  if (uploads.length === 0) return html``;
  const items = uploads.map((upload) =>
    upload.accepted
      ? html`<li class="notice accepted" data-upload-outcome="accepted" data-file-name="${upload.name}">
          “${upload.name}” was added.
        </li>`
      : html`<li class="notice rejected" data-upload-outcome="rejected" data-file-name="${upload.name}">
          “${upload.name}” was not accepted: <span data-reject-reason>${upload.reason}</span>
        </li>`,
  );
  return html`<ul id="upload-results" style="list-style:none;padding:0">
    ${items}
  </ul>`;
}

/** The page where the user signs. */
export function renderSigningView(view: SigningView): string {
  const { session, documents, actions } = view;
  const canSign = documents.length > 0;
  const error = view.error ? html`<p class="notice error" id="page-error" role="alert">${view.error}</p>` : html``;

  const upload = session.predefinedDocuments
    ? html``
    : html`<form class="card" id="upload-form" method="post" action="${actions.upload}" enctype="multipart/form-data">
        <label for="files"><strong>Add documents to sign</strong></label
        ><br />
        <input type="file" id="files" name="files" multiple required />
        <div class="actions"><button type="submit" class="secondary" id="upload-button">Upload</button></div>
      </form>`;

  const body = html`<h1>Sign documents</h1>
    ${error}
    <section aria-labelledby="documents-title">
      <h2 id="documents-title">Documents</h2>
      ${documentList(documents, 'original')}
    </section>
    ${uploadResults(view.uploads)} ${upload}
    <form class="card" id="sign-form" method="post" action="${actions.sign}">
      <fieldset>
        <legend>Choose your certificate</legend>
        ${view.certificates.map(certificateOption)}
      </fieldset>
      ${canSign ? html`` : html`<p class="muted">Add at least one document to sign.</p>`}
      <div class="actions">
        <button type="submit" id="sign-button" ${canSign ? html`` : html` disabled`}>Sign</button>
      </div>
    </form>
    <form id="cancel-form" method="post" action="${actions.cancel}">
      <input type="hidden" name="confirm" value="cancel" />
      <button type="submit" class="secondary" id="cancel-button">Cancel</button>
    </form>`;
  return layout('Sign documents', body);
}

const ENDINGS: Record<SessionStatus, { title: string; message: string }> = {
  Pending: { title: 'Signing not finished', message: 'These documents have not been signed yet.' },
  Processing: {
    title: 'Documents signed',
    message: 'Your signature was received. The documents are being processed and will reach the application shortly.',
  },
  Completed: { title: 'Documents signed', message: 'The documents were signed.' },
  UserCancelled: { title: 'Signing cancelled', message: 'You cancelled. Nothing was signed.' },
  Expired: { title: 'Session expired', message: 'This signing session has expired. Nothing was signed.' },
  ProcessingError: {
    title: 'Signing failed',
    message: 'The documents could not be processed. The application has been told.',
  },
};

/** How a session ended. `closeTab` (no return URL) adds the note and the script that close the tab. */
export function renderEndingView(
  session: SessionRecord,
  documents: PageDocument[],
  options: { closeTab: boolean },
): string {
  const ending = ENDINGS[session.status];
  const downloads = session.status === 'Completed' && !session.disableDownloads;
  const list =
    session.status === 'Completed' || session.status === 'Processing'
      ? html`<section aria-labelledby="documents-title">
          <h2 id="documents-title">Documents</h2>
          ${documentList(documents, downloads ? 'signed' : 'none')}
        </section>`
      : html``;
  const close = options.closeTab
    ? html`<p id="close-note">You can close this window now; it will try to close itself.</p>`
    : html``;

  const body = html`<h1 id="ending" data-status="${session.status}">${ending.title}</h1>
    <p class="notice ${session.status === 'Completed' || session.status === 'Processing' ? 'done' : 'error'}">
      ${ending.message}
    </p>
    ${list} ${close}`;
  return layout(ending.title, body, { closeTab: options.closeTab });
}

/** A page for a link that leads nowhere (wrong token, unknown session). */
export function renderNotFoundView(): string {
  return layout(
    'Link not valid',
    html`<h1>Link not valid</h1>
      <p>This signing link is not valid. Ask the application for a new one.</p>`,
  );
}

/** A page for a failure the user cannot fix. */
export function renderFailureView(reference: string): string {
  return layout(
    'Something went wrong',
    html`<h1>Something went wrong</h1>
      <p>Please try again later. Reference: ${reference}</p>`,
  );
}
