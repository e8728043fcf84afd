/** Sample documents made in the test itself: a real PDF, an XML document and plain bytes for a CMS signature. */
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { type DocumentToStart } from '../../src/client/start-request';

/** A one-page PDF with a line of text, padded with an incompressible stream to about `sizeBytes` when asked. */
export async function samplePdf(title: string, sizeBytes = 0): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595, 842]);
  page.drawText(title, { x: 50, y: 780, size: 18, font: await pdf.embedFont(StandardFonts.Helvetica) });
  if (sizeBytes > 0) {
    const filler = Buffer.alloc(sizeBytes);
    for (let i = 0; i < filler.length; i++) filler[i] = (i * 2654435761) >>> 24;
    await pdf.attach(filler, 'filler.bin', { mimeType: 'application/octet-stream' });
  }
  return Buffer.from(await pdf.save());
}

export function sampleXml(subject: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<contract><subject>${subject}</subject></contract>\n`);
}

/** Three documents, one of each signature type, ready for a start request. */
export async function threeDocuments(): Promise<DocumentToStart[]> {
  return [
    { name: 'contract.pdf', content: (await samplePdf('Contract')).toString('base64'), signatureType: 'Pdf' },
    { name: 'terms.xml', content: sampleXml('Terms').toString('base64'), signatureType: 'Xml' },
    { name: 'annex.txt', content: Buffer.from('Annex: the fine print.\n').toString('base64'), signatureType: 'Cms' },
  ];
}
