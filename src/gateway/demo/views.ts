/** The demo application's pages: the start form, the session's outcome, and small notices. All work without JavaScript. */
import { type ApplicationEvent, type SignatureSessionState } from '../../workflows/messages';
import { html, page, type SafeHtml } from '../html';
import { isFinalStatus } from '../schemas';

/** Links the outcome page offers besides the downloads. */
export interface OutcomeLinks {
  /** The Temporal Web UI entry of the session's workflow, when a UI is configured. */
  workflowUi: string | null;
  /** Where each signed document is downloaded, by document ID. */
  download: (documentId: string) => string;
}

/** How long the outcome page waits before it looks again, while the session is not final. */
export const REFRESH_SECONDS = 2;

/** The start form; `error` is shown above it when a start failed. */
export function startPage(options: { error?: string; defaultName?: string } = {}): string {
  const body = html`<h1>Sign documents</h1>
    <p>
      This demo plays an application that asks a person to sign. It starts a signature session, sends you to the signing
      page, and shows you the outcome and the signed files when you come back.
    </p>
    ${options.error ? html`<p id="start-error" role="alert"><strong>${options.error}</strong></p>` : ''}
    <form id="start-form" method="post" action="/demo/sessions" enctype="multipart/form-data">
      <fieldset>
        <legend>Who signs</legend>
        <label
          >Name on the documents
          <input type="text" name="signer" value="${options.defaultName ?? 'Ana Lima'}" maxlength="80"
        /></label>
      </fieldset>
      <fieldset>
        <legend>Documents</legend>
        <label
          ><input type="checkbox" name="sample" value="pdf" checked /> A sample agreement (PDF, PAdES signature)</label
        >
        <label><input type="checkbox" name="sample" value="xml" checked /> A sample order (XML, XML signature)</label>
        <label><input type="checkbox" name="sample" value="text" checked /> A sample annex (text, CMS signature)</label>
        <label>Or your own files <input type="file" id="files" name="files" multiple /></label>
      </fieldset>
      <fieldset>
        <legend>Options</legend>
        <label><input type="checkbox" name="backgroundProcessing" value="on" /> Background processing</label>
        <label><input type="checkbox" name="disableDownloads" value="on" /> No downloads on the signing page</label>
      </fieldset>
      <button type="submit">Start signing</button>
    </form>`;
  return page('Sign documents — demo', body);
}

const STATUS_TEXT: Record<string, string> = {
  creating: 'The session is being created.',
  'waiting-for-user': 'Waiting for you to sign.',
  processing: 'Your signature is being processed.',
  downloading: 'Your documents are signed and being stored.',
  completed: 'Your documents are signed.',
  'user-cancelled': 'You cancelled the signature.',
  expired: 'The signing page expired before you signed.',
  'processing-error': 'Rest PKI Core could not process the signature.',
  abandoned: 'The session was closed because nobody signed in time.',
  cancelled: 'The session was cancelled by the application.',
  verifying: 'We are checking your signature.',
};

/** The session's outcome, refreshing itself while the session is not final. */
export function outcomePage(
  state: SignatureSessionState | null,
  applicationKey: string,
  links: OutcomeLinks,
  notifications: ApplicationEvent[],
): string {
  const status = state?.status ?? 'verifying';
  const final = isFinalStatus(status);
  const documents = state?.result?.documents ?? [];
  const body = html`<h1 id="outcome" data-status="${status}">${STATUS_TEXT[status] ?? status}</h1>
    <p>
      <span class="status" data-final="${String(final)}">${status}</span>
      ${final ? '' : html` <span class="muted">This page looks again every ${REFRESH_SECONDS} seconds.</span>`}
    </p>
    <dl>
      <dt>Application key</dt>
      <dd><code>${applicationKey}</code></dd>
      ${
        state?.restPkiStatus
          ? html`<dt>Rest PKI Core status</dt>
              <dd>${state.restPkiStatus}</dd>`
          : ''
      }
      ${
        state?.result?.signer?.name
          ? html`<dt>Signed by</dt>
              <dd id="signer">${state.result.signer.name}</dd>`
          : ''
      }
      ${
        state?.sessionId
          ? html`<dt>Session</dt>
              <dd><code>${state.sessionId}</code></dd>`
          : ''
      }
    </dl>
    ${
      documents.length > 0
        ? html`<h2>Signed documents</h2>
            <ul class="files" id="documents">
              ${documents.map(
                (document) =>
                  html`<li data-document-id="${document.documentId}">
                    <a href="${links.download(document.documentId)}">${document.fileName ?? document.documentId}</a>
                    <span class="muted"
                      >${formatSize(document.size)}, SHA-256 <code>${document.sha256.slice(0, 16)}…</code></span
                    >
                  </li>`,
              )}
            </ul>`
        : ''
    }
    ${notifications.length > 0 ? notificationList(notifications) : ''}
    <p>
      ${links.workflowUi ? html`<a id="workflow-link" href="${links.workflowUi}">See the workflow in the Temporal Web UI</a> · ` : ''}<a
        href="/demo"
        >Sign something else</a
      >
    </p>`;
  return page(STATUS_TEXT[status] ?? 'Signature session', body, final ? {} : { refreshSeconds: REFRESH_SECONDS });
}

function notificationList(notifications: ApplicationEvent[]): SafeHtml {
  return html`<h2>Notifications received</h2>
    <ul id="notifications">
      ${notifications.map(
        (event) => html`<li><code>${event.type}</code> <span class="muted">${event.occurredAt}</span></li>`,
      )}
    </ul>`;
}

/** A short page for what went wrong, with a way back. */
export function noticePage(title: string, text: string): string {
  return page(
    title,
    html`<h1>${title}</h1>
      <p>${text}</p>
      <p><a href="/demo">Back to the demo</a></p>`,
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
