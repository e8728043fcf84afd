/**
 * Plays the user's part on the local service's signing page over plain HTTP, as a browser without JavaScript would:
 * GET the page, read its forms (action, method, fields), POST them form-urlencoded or multipart. Redirects are not
 * followed: the final 303 is returned as `location`, so a test decides whether to "land" on the application.
 */

/** One `<input>` or `<button>` of a form. */
export interface FormControl {
  tag: 'input' | 'button';
  type: string;
  name: string | null;
  value: string;
  checked: boolean;
  disabled: boolean;
}

/** A form as the page declares it; `action` is absolute. */
export interface PageForm {
  id: string | null;
  action: string;
  method: string;
  enctype: string;
  controls: FormControl[];
}

/** A certificate offered on the page; `refusal` is the reason shown when it cannot be chosen. */
export interface OfferedCertificate {
  id: string;
  label: string;
  selectable: boolean;
  refusal: string | null;
}

/** What happened to one uploaded file, as the page reports it. */
export interface UploadResult {
  name: string;
  accepted: boolean;
  rejectReason: string | null;
}

/** Everything a test may want from one rendering of the page. */
export interface SigningPage {
  url: string;
  status: number;
  html: string;
  forms: PageForm[];
  documents: { id: string; name: string; viewUrl: string | null }[];
  certificates: OfferedCertificate[];
  uploads: UploadResult[];
  /** The error banner, if any. */
  error: string | null;
  /** The session's status when the page shows how it ended (not the signing form). */
  endingStatus: string | null;
  signEnabled: boolean;
}

/** The answer to a form post: the 303 target, or the page shown instead. */
export interface FormPostResult {
  status: number;
  /** The redirect target: the return URL with `signatureSessionId`, or the page's ending view. */
  location: string | null;
  /** The page shown when the post did not redirect (a refusal, an error). */
  page: SigningPage | null;
}

/** Thrown when a test asks the "user" to pick a certificate the page does not let them pick. */
export class CertificateNotSelectableError extends Error {
  constructor(
    readonly certificateId: string,
    readonly refusal: string | null,
  ) {
    super(
      refusal === null
        ? `The page offers no certificate ${certificateId}`
        : `The page shows certificate ${certificateId} disabled: ${refusal}`,
    );
    this.name = 'CertificateNotSelectableError';
  }
}

/** Thrown when the page lacks a form a user action needs (the session already ended, say). */
export class FormNotOnPageError extends Error {
  constructor(
    readonly formId: string,
    readonly pageUrl: string,
    readonly status: number,
  ) {
    super(`The page at ${pageUrl} (HTTP ${status}) has no form #${formId}`);
    this.name = 'FormNotOnPageError';
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(fragment: string): string {
  return decodeEntities(fragment.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

function attributesOf(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  for (const match of tag.matchAll(pattern)) {
    attributes.set(match[1]!.toLowerCase(), decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

/** Reads the page's forms and what it shows. */
export function parseSigningPage(html: string, url: string, status: number): SigningPage {
  const forms: PageForm[] = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)].map((match) => {
    const attributes = attributesOf(match[1]!);
    const controls = [...match[2]!.matchAll(/<(input|button)\b([^>]*)>/gi)].map((control): FormControl => {
      const tag = control[1]!.toLowerCase() as 'input' | 'button';
      const controlAttributes = attributesOf(control[2]!);
      return {
        tag,
        type: controlAttributes.get('type') ?? (tag === 'button' ? 'submit' : 'text'),
        name: controlAttributes.get('name') ?? null,
        value: controlAttributes.get('value') ?? '',
        checked: controlAttributes.has('checked'),
        disabled: controlAttributes.has('disabled'),
      };
    });
    return {
      id: attributes.get('id') ?? null,
      action: new URL(attributes.get('action') ?? '', url).toString(),
      method: (attributes.get('method') ?? 'get').toLowerCase(),
      enctype: attributes.get('enctype') ?? 'application/x-www-form-urlencoded',
      controls,
    };
  });

  const certificates = [
    ...html.matchAll(/<label\b[^>]*data-certificate-id="([^"]*)"[^>]*>([\s\S]*?)<\/label\s*>/gi),
  ].map((match): OfferedCertificate => {
    const inner = match[2]!;
    const input = /<input\b([^>]*)>/i.exec(inner);
    const refusal = /<span\b[^>]*data-refusal[^>]*>([\s\S]*?)<\/span\s*>/i.exec(inner);
    return {
      id: decodeEntities(match[1]!),
      label: textOf(inner),
      selectable: input !== null && !attributesOf(input[1]!).has('disabled'),
      refusal: refusal ? textOf(refusal[1]!).replace(/^Not allowed:\s*/, '') : null,
    };
  });

  const documents = [...html.matchAll(/<li\b[^>]*data-document-id="([^"]*)"[^>]*>([\s\S]*?)<\/li\s*>/gi)].map(
    (match) => {
      const link = /<a\b([^>]*)>([\s\S]*?)<\/a\s*>/i.exec(match[2]!);
      const name = link ? textOf(link[2]!) : textOf(/<span\b[^>]*>([\s\S]*?)<\/span\s*>/i.exec(match[2]!)?.[1] ?? '');
      return {
        id: decodeEntities(match[1]!),
        name,
        viewUrl: link ? (attributesOf(link[1]!).get('href') ?? null) : null,
      };
    },
  );

  const uploads = [...html.matchAll(/<li\b([^>]*data-upload-outcome="[^"]*"[^>]*)>([\s\S]*?)<\/li\s*>/gi)].map(
    (match): UploadResult => {
      const attributes = attributesOf(match[1]!);
      const reason = /<span\b[^>]*data-reject-reason[^>]*>([\s\S]*?)<\/span\s*>/i.exec(match[2]!);
      return {
        name: attributes.get('data-file-name') ?? '',
        accepted: attributes.get('data-upload-outcome') === 'accepted',
        rejectReason: reason ? textOf(reason[1]!) : null,
      };
    },
  );

  const error = /<p\b[^>]*id="page-error"[^>]*>([\s\S]*?)<\/p\s*>/i.exec(html);
  const ending = /<h1\b[^>]*id="ending"[^>]*data-status="([^"]*)"/i.exec(html);
  const signButton = forms
    .find((form) => form.id === 'sign-form')
    ?.controls.find((control) => control.tag === 'button' && control.type === 'submit');

  return {
    url,
    status,
    html,
    forms,
    documents,
    certificates,
    uploads,
    error: error ? textOf(error[1]!) : null,
    endingStatus: ending ? decodeEntities(ending[1]!) : null,
    signEnabled: signButton !== undefined && !signButton.disabled,
  };
}

/** GETs the page (the `redirectUrl`, or any page URL) and reads it. */
export async function openSigningPage(url: string): Promise<SigningPage> {
  const response = await fetch(url, { redirect: 'manual' });
  return parseSigningPage(await response.text(), url, response.status);
}

function formOf(page: SigningPage, formId: string): PageForm {
  const form = page.forms.find((candidate) => candidate.id === formId);
  if (!form) throw new FormNotOnPageError(formId, page.url, page.status);
  return form;
}

/** The fields a browser submits for `form`: named, enabled controls, checked ones only for radios and checkboxes. */
function fieldsOf(form: PageForm, overrides: Record<string, string>): URLSearchParams {
  const fields = new URLSearchParams();
  for (const control of form.controls) {
    if (control.name === null || control.disabled || control.name in overrides) continue;
    if (control.tag === 'button' || control.type === 'file' || control.type === 'submit') continue;
    if ((control.type === 'radio' || control.type === 'checkbox') && !control.checked) continue;
    fields.append(control.name, control.value);
  }
  for (const [name, value] of Object.entries(overrides)) fields.append(name, value);
  return fields;
}

async function post(form: PageForm, body: URLSearchParams | FormData): Promise<FormPostResult> {
  const response = await fetch(form.action, { method: 'POST', body, redirect: 'manual' });
  const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
  if (location !== null) {
    await response.body?.cancel();
    return { status: response.status, location: new URL(location, form.action).toString(), page: null };
  }
  return {
    status: response.status,
    location: null,
    page: parseSigningPage(await response.text(), form.action, response.status),
  };
}

/**
 * Chooses `certificateId` and presses Sign. Throws {@link CertificateNotSelectableError} when the page shows that
 * certificate disabled (or not at all), as a user could not pick it; use {@link forgeSignPost} to post it anyway.
 */
export async function signAsUser(redirectUrl: string, certificateId: string): Promise<FormPostResult> {
  const page = await openSigningPage(redirectUrl);
  const form = formOf(page, 'sign-form');
  const offered = page.certificates.find((certificate) => certificate.id === certificateId);
  if (!offered || !offered.selectable) throw new CertificateNotSelectableError(certificateId, offered?.refusal ?? null);
  return post(form, fieldsOf(form, { certificateId }));
}

/** Posts the sign form with `certificateId` whatever the page allows, as a hand-made request would. */
export async function forgeSignPost(redirectUrl: string, certificateId: string): Promise<FormPostResult> {
  const form = formOf(await openSigningPage(redirectUrl), 'sign-form');
  return post(form, fieldsOf(form, { certificateId }));
}

/** Presses Cancel. */
export async function cancelAsUser(redirectUrl: string): Promise<FormPostResult> {
  const form = formOf(await openSigningPage(redirectUrl), 'cancel-form');
  return post(form, fieldsOf(form, {}));
}

/** A file as a user picks it. */
export interface FileToUpload {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

/** The page's verdict on an upload of one file, plus every file's outcome and the page shown after. */
export interface UploadAsUserResult {
  accepted: boolean;
  rejectReason: string | null;
  results: UploadResult[];
  page: SigningPage;
}

/** Picks `files` in the upload form and presses Upload (multipart); reports the first file's outcome. */
export async function uploadAsUser(
  redirectUrl: string,
  files: FileToUpload | FileToUpload[],
): Promise<UploadAsUserResult> {
  const form = formOf(await openSigningPage(redirectUrl), 'upload-form');
  const fileInput = form.controls.find((control) => control.type === 'file' && control.name !== null);
  if (!fileInput?.name) throw new FormNotOnPageError('upload-form (file input)', form.action, 0);

  const body = new FormData();
  for (const [name, value] of fieldsOf(form, {})) body.append(name, value);
  for (const file of Array.isArray(files) ? files : [files]) {
    body.append(fileInput.name, new Blob([file.bytes], { type: file.contentType }), file.name);
  }
  const result = await post(form, body);
  if (!result.page) throw new Error(`Upload answered HTTP ${result.status} with a redirect to ${result.location}`);

  const first = result.page.uploads[0];
  return {
    accepted: first?.accepted ?? false,
    rejectReason: first?.rejectReason ?? result.page.error,
    results: result.page.uploads,
    page: result.page,
  };
}
