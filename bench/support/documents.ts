/**
 * Documents to sign, made by the benchmark: PDFs of any size (one page of text plus an embedded file of random,
 * incompressible bytes, written as a stream so that a 1 GiB PDF never sits in memory), small XML and text files, and a
 * loopback HTTP server that hands them to Rest PKI Core when a session gives documents by URL.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type DocumentToStart } from '../../src/client/start-request';

const BLOCK = 1024 * 1024;

/**
 * The bytes of a one-page PDF titled `title` that carries `fillerBytes` random bytes as an embedded file: a valid
 * PDF that the local service's PAdES signer takes, whose size is the filler's plus about 1 KB.
 */
export function* pdfChunks(title: string, fillerBytes: number): Generator<Buffer> {
  let offset = 0;
  const offsets: number[] = [];
  const text = (value: string): Buffer => {
    const bytes = Buffer.from(value, 'latin1');
    offset += bytes.length;
    return bytes;
  };
  const object = (number: number, body: string): Buffer => {
    offsets[number] = offset;
    return text(`${number} 0 obj\n${body}\nendobj\n`);
  };

  const content = `BT /F1 18 Tf 50 780 Td (${title.replace(/[()\\]/g, '')}) Tj ET`;
  yield text('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  yield object(1, '<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 7 0 R >> >>');
  yield object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  yield object(
    3,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
  );
  yield object(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  yield object(5, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  yield object(6, '<< /Type /Filespec /F (filler.bin) /UF (filler.bin) /EF << /F 8 0 R >> >>');
  yield object(7, '<< /Names [(filler.bin) 6 0 R] >>');

  offsets[8] = offset;
  yield text(`8 0 obj\n<< /Type /EmbeddedFile /Length ${fillerBytes} >>\nstream\n`);
  const block = randomBytes(Math.min(BLOCK, Math.max(fillerBytes, 1)));
  for (let left = fillerBytes; left > 0; left -= block.length) {
    const chunk = left >= block.length ? block : block.subarray(0, left);
    offset += chunk.length;
    yield chunk;
  }
  yield text('\nendstream\nendobj\n');

  const xrefAt = offset;
  const entries = offsets.slice(1).map((at) => `${String(at).padStart(10, '0')} 00000 n \n`);
  yield text(`xref\n0 ${offsets.length}\n0000000000 65535 f \n${entries.join('')}`);
  yield text(`trailer\n<< /Size ${offsets.length} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`);
}

/** A PDF in memory, for documents sent inline. */
export function makePdf(title: string, fillerBytes: number): Buffer {
  const chunks: Buffer[] = [];
  for (const chunk of pdfChunks(title, fillerBytes)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Writes a PDF of about `fillerBytes` to `path` without holding it in memory; returns its size. */
export async function writePdf(path: string, title: string, fillerBytes: number): Promise<number> {
  const file = createWriteStream(path);
  for (const chunk of pdfChunks(title, fillerBytes)) {
    if (!file.write(chunk)) await once(file, 'drain');
  }
  file.end();
  await once(file, 'finish');
  return (await stat(path)).size;
}

/** A document to start a session with, its bytes inline. */
export function inlineDocument(name: string, bytes: Buffer, signatureType: 'Pdf' | 'Xml' | 'Cms'): DocumentToStart {
  return { name, content: bytes.toString('base64'), signatureType };
}

/** The happy path's three documents: a PDF, an XML document and a text file signed as CMS. */
export function threeSmallDocuments(): DocumentToStart[] {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<terms><clause>Delivery within 30 days.</clause></terms>\n';
  return [
    inlineDocument('contract.pdf', makePdf('Contract', 16 * 1024), 'Pdf'),
    inlineDocument('terms.xml', Buffer.from(xml), 'Xml'),
    inlineDocument('annex.txt', Buffer.from('Annex: the fine print.\n'), 'Cms'),
  ];
}

/** A loopback server of files and in-memory documents, for sessions that give their documents by URL. */
export interface DocumentServer {
  /** The URL of a document added with `addFile` or `addBytes`. */
  urlOf(name: string): string;
  addFile(name: string, path: string): void;
  addBytes(name: string, bytes: Buffer): void;
  close(): Promise<void>;
}

export async function startDocumentServer(): Promise<DocumentServer> {
  const documents = new Map<string, { path: string } | { bytes: Buffer }>();
  const server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname.slice(1));
    const document = documents.get(name);
    if (!document || request.method !== 'GET') {
      response.writeHead(404).end();
      return;
    }
    if ('bytes' in document) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': document.bytes.length });
      response.end(document.bytes);
      return;
    }
    stat(document.path).then(
      ({ size }) => {
        response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': size });
        createReadStream(document.path).pipe(response);
      },
      () => response.writeHead(404).end(),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    urlOf: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    addFile: (name, path) => documents.set(name, { path }),
    addBytes: (name, bytes) => documents.set(name, { bytes }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
