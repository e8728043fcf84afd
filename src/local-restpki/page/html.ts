/**
 * The frame of every signing-page view: escaping, and one small layout that reads well on a phone and needs no
 * JavaScript (the only script closes a finished tab, and the page says so in words too).
 */

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** HTML that is already safe to embed, as opposed to text. */
export interface Html {
  readonly html: string;
}

/** Builds HTML from a template, escaping every interpolated value that is not already {@link Html}. */
export function html(strings: TemplateStringsArray, ...values: (Html | string | number | (Html | string)[])[]): Html {
  let result = strings[0] ?? '';
  values.forEach((value, index) => {
    const parts = Array.isArray(value) ? value : [value];
    result += parts.map((part) => (typeof part === 'object' ? part.html : escapeHtml(String(part)))).join('');
    result += strings[index + 1] ?? '';
  });
  return { html: result };
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f3f5f8}
main{max-width:40rem;margin:0 auto;padding:1rem}
header{background:#17324d;color:#fff;padding:.75rem 1rem}
header p{margin:0;max-width:40rem;margin:0 auto;font-weight:600}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
section>h2:first-child{margin-top:0}
section,form.card{background:#fff;border:1px solid #d5dbe3;border-radius:8px;padding:1rem;margin:0 0 1rem}
ul{padding-left:1.2rem;margin:.25rem 0}
li{margin:.25rem 0}
a{color:#0b5cad;word-break:break-word}
fieldset{border:0;padding:0;margin:0}
legend{font-weight:600;margin-bottom:.5rem}
label.certificate{display:flex;gap:.6rem;align-items:flex-start;padding:.6rem;border:1px solid #d5dbe3;border-radius:6px;margin:.4rem 0}
label.certificate input{margin-top:.3rem}
label.certificate.refused{color:#6b7380;background:#f6f7f9}
.detail{display:block;font-size:.9rem;color:#4b5563}
.reason{display:block;font-size:.9rem;color:#a1361b}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem}
button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:1px solid #0b5cad;background:#0b5cad;color:#fff;min-height:44px}
button.secondary{background:#fff;color:#0b5cad}
button:disabled{opacity:.5}
input[type=file]{max-width:100%;margin:.5rem 0}
.notice{padding:.6rem .8rem;border-radius:6px;margin:.5rem 0}
.notice.error,.notice.rejected{background:#fdecea;color:#7a1e0e}
.notice.accepted,.notice.done{background:#e7f5ec;color:#14532d}
.muted{color:#6b7380}
`;

/** A complete page. `closeTab` adds the script that closes a tab the application opened. */
export function layout(title: string, body: Html, options: { closeTab?: boolean } = {}): string {
  const script = options.closeTab ? '<script>window.close();</script>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><p>Local Rest PKI Core · test signatures</p></header>
<main>
${body.html}
</main>
${script}
</body>
</html>
`;
}
