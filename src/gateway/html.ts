/**
 * Server-rendered HTML for the pages a person sees (the return route's notices, the demo): escaping, and one small
 * layout that reads well on a phone and needs no JavaScript. Every value put into a page goes through {@link html}.
 */

/** A piece of HTML that is already safe: only {@link html} and {@link raw} make one. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type Interpolated = SafeHtml | string | number | null | undefined | false | Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof SafeHtml) return value.value;
  return escapeHtml(String(value));
}

/** A template tag that escapes every interpolated value unless it is {@link SafeHtml}; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks trusted markup (a constant of this code base) as safe. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

const STYLE = `
  :root { color-scheme: light dark; --accent: #1d5fbf; }
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 1rem;
    display: flex; justify-content: center; }
  main { width: 100%; max-width: 40rem; overflow-wrap: anywhere; }
  h1 { font-size: 1.5rem; line-height: 1.25; }
  a { color: var(--accent); }
  fieldset { border: 1px solid #8886; border-radius: .5rem; margin: 0 0 1rem; padding: .75rem 1rem; }
  label { display: block; padding: .25rem 0; }
  input[type=file] { max-width: 100%; }
  input[type=text] { display: block; width: 100%; font: inherit; padding: .4rem; margin-top: .25rem; }
  button, .button { display: inline-block; font: inherit; padding: .6rem 1.2rem; border-radius: .4rem;
    border: 0; background: var(--accent); color: #fff; text-decoration: none; cursor: pointer; }
  .muted { opacity: .75; font-size: .9rem; }
  .status { display: inline-block; padding: .1rem .5rem; border-radius: .3rem; background: #8883; }
  .status[data-final="true"] { background: #2a83; }
  ul.files { padding-left: 1.2rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { font-weight: 600; }
  dd { margin: 0; }
`;

/** Headers for every page: no scripts, no framing, no content sniffing. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** A whole page: title, optional refresh (seconds) for pages that wait, and the body. */
export function page(title: string, body: SafeHtml, options: { refreshSeconds?: number } = {}): string {
  const refresh =
    options.refreshSeconds === undefined ? '' : html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${refresh}
        <title>${title}</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html> `.value;
}
