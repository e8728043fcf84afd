/**
 * `Content-Disposition` for a download whose file name came from outside (the user's upload, Rest PKI Core): an ASCII
 * fallback with every risky character replaced, and the real name percent-encoded as RFC 6266 and RFC 8187 describe.
 */
import { displayFileName } from '../storage/document-store';

/** An `attachment` disposition that no file name can break out of. */
export function contentDisposition(fileName: string | null | undefined): string {
  const name = displayFileName(fileName);
  const ascii = name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/["\\%;]/g, '_')
    .trim();
  const fallback = ascii === '' || /^\.+$/.test(ascii) ? 'document' : ascii;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
