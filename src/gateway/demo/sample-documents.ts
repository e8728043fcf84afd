/** The demo's sample documents, made on the spot: a one-page PDF agreement, an XML order and a plain-text annex. */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { type DocumentToStart } from '../../client/start-request';

/** The samples a person can tick on the demo page. */
export const SAMPLE_KINDS = ['pdf', 'xml', 'text'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/** A short service agreement naming `signer`, dated `date`. */
export async function sampleAgreementPdf(signer: string, date: Date): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Service agreement');
  pdf.setProducer('signature-sessions demo');
  const page = pdf.addPage([595, 842]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);

  page.drawText('Service agreement', { x: 56, y: 770, size: 22, font: bold, color: rgb(0.11, 0.37, 0.75) });
  const lines = [
    `Between Example Services Ltd. and ${latin1(signer) || 'the signer'}.`,
    `Drawn up on ${date.toISOString().slice(0, 10)}.`,
    '',
    '1. Example Services provides the services described in the order attached.',
    '2. The signer pays the agreed fees within thirty days of each invoice.',
    '3. Either party may end this agreement with thirty days of written notice.',
    '',
    'Signed electronically through a Rest PKI Core signature session.',
  ];
  lines.forEach((line, index) => page.drawText(line, { x: 56, y: 720 - index * 22, size: 12, font: regular }));
  return Buffer.from(await pdf.save());
}

/** An order in XML, to be signed with an enveloped XML signature. */
export function sampleOrderXml(signer: string, date: Date): Buffer {
  const escaped = signer.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<order date="${date.toISOString().slice(0, 10)}">\n` +
      `  <customer>${escaped}</customer>\n  <item quantity="12">Consulting hours</item>\n</order>\n`,
  );
}

/** A plain-text annex, to be signed with a detached CMS signature. */
export function sampleAnnexText(): Buffer {
  return Buffer.from('Annex A: service levels.\nResponse within one business day; resolution within five.\n');
}

/** The chosen samples as start-request documents. */
export async function sampleDocuments(kinds: readonly SampleKind[], signer: string): Promise<DocumentToStart[]> {
  const now = new Date();
  const documents: DocumentToStart[] = [];
  if (kinds.includes('pdf')) {
    const bytes = await sampleAgreementPdf(signer, now);
    documents.push({ name: 'agreement.pdf', content: bytes.toString('base64'), signatureType: 'Pdf' });
  }
  if (kinds.includes('xml')) {
    documents.push({
      name: 'order.xml',
      content: sampleOrderXml(signer, now).toString('base64'),
      signatureType: 'Xml',
    });
  }
  if (kinds.includes('text')) {
    documents.push({ name: 'annex.txt', content: sampleAnnexText().toString('base64'), signatureType: 'Cms' });
  }
  return documents;
}

/** The signature type for a file a person uploaded, by its extension. */
export function signatureTypeFor(fileName: string): 'Pdf' | 'Xml' | 'Cms' {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.pdf')) return 'Pdf';
  if (lower.endsWith('.xml')) return 'Xml';
  return 'Cms';
}

/** The standard PDF fonts only encode Latin-1: anything else is dropped from the drawn text. */
function latin1(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '').slice(0, 80);
}
