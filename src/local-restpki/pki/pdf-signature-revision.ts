/**
 * The incremental update that adds one signature to a PDF: the original bytes stay untouched (so earlier signatures
 * remain valid), and a new revision appended after them holds an invisible signature field on the first page, its
 * signature dictionary with a zero-filled `/Contents` placeholder, the rewritten objects that point to the field, and
 * a cross-reference section of the same kind as the original's (table or stream) chained to it by `/Prev`.
 *
 * Objects are read with pdf-lib; the new revision's bytes are laid out here, because pdf-lib can only rewrite a whole
 * file. Encrypted PDFs are refused (pdf-lib does not decrypt).
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  type PDFContext,
  type PDFObject,
  type PDFPage,
} from 'pdf-lib';

/** Bytes reserved for the DER CMS in `/Contents`: a signature with two RSA-2048 certificates takes about 3 KB. */
export const SIGNATURE_CONTENTS_BYTES = 8192;

/** What the signature dictionary says besides the signature itself. */
export interface SignatureDictionaryDetails {
  /** `/Name`: the signer's name. */
  signerName: string;
  /** `/Reason`, left out when absent. */
  reason?: string;
  /** `/M`: the signing time (PAdES keeps it here rather than in the CMS). */
  signingTime: Date;
}

/** The whole new file, with a zero-filled `/Contents` between `contentsStart` and `contentsEnd`. */
export interface PreparedSignature {
  file: Buffer;
  /** Offset of the `<` that opens `/Contents`. */
  contentsStart: number;
  /** Offset just after the `>` that closes `/Contents`. */
  contentsEnd: number;
}

/** Thrown when the input cannot take an incremental signature; the message says why, never what the PDF contains. */
export class UnsupportedPdfError extends Error {
  constructor(problem: string, options?: { cause?: unknown }) {
    super(problem, options);
    this.name = 'UnsupportedPdfError';
  }
}

const NAME = {
  annots: PDFName.of('Annots'),
  acroForm: PDFName.of('AcroForm'),
  fields: PDFName.of('Fields'),
  sigFlags: PDFName.of('SigFlags'),
  t: PDFName.of('T'),
} as const;

/** SigFlags: SignaturesExist (1) and AppendOnly (2). */
const SIG_FLAGS = 3;
/** Annotation flags: Print (4) and Locked (128). */
const WIDGET_FLAGS = 132;
/** Fixed width of each ByteRange number, so the dictionary's length does not depend on their values. */
const BYTE_RANGE_DIGITS = 10;

/** An object of the new revision: its number (reused when it replaces an older object) and its text. */
interface RevisedObject {
  ref: PDFRef;
  body: string;
}

/**
 * Appends a signature revision to `original` and returns the new file with its `/Contents` placeholder located.
 * Throws {@link UnsupportedPdfError} for an encrypted, unreadable or pageless PDF.
 */
export async function prepareSignatureRevision(
  original: Buffer,
  details: SignatureDictionaryDetails,
): Promise<PreparedSignature> {
  const pdf = await loadPdf(original);
  const catalogRef = pdf.context.trailerInfo.Root;
  if (!(catalogRef instanceof PDFRef)) throw new UnsupportedPdfError('the trailer has no /Root reference');
  if (pdf.getPageCount() === 0) throw new UnsupportedPdfError('the PDF has no page to put the signature field on');
  const page = pdf.getPage(0);
  const previousXref = findLastStartXref(original);
  const sizeBefore = previousSize(original, previousXref);

  // pdf-lib does not count object streams and cross-reference streams among the objects it read, so its nextRef()
  // could hand out their numbers; new objects start past the previous section's /Size instead.
  let nextObjectNumber = Math.max(sizeBefore, pdf.context.largestObjectNumber + 1);
  const newRef = (): PDFRef => PDFRef.of(nextObjectNumber++);
  const signatureRef = newRef();
  const widgetRef = newRef();

  const form = formWithField(pdf, catalogRef, widgetRef);
  const widget =
    `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${PDFString.of(form.fieldName).toString()}` +
    ` /V ${signatureRef.toString()} /P ${page.ref.toString()} /Rect [0 0 0 0] /F ${WIDGET_FLAGS} >>`;
  const revised = [pageWithWidget(pdf, page, widgetRef), form.object, { ref: widgetRef, body: widget }];

  const revision = new RevisionWriter(original);
  for (const { ref, body } of revised) revision.writeObject(ref, body);
  const placeholders = revision.writeSignatureObject(signatureRef, details);
  const trailer = trailerEntries(pdf.context.trailerInfo, catalogRef, previousXref);
  if (isXrefStream(original, previousXref)) revision.writeXrefStream(newRef(), trailer, sizeBefore);
  else revision.writeXrefTable(trailer, sizeBefore);
  const file = revision.finish();

  const contentsStart = placeholders.contentsStart;
  const contentsEnd = contentsStart + 2 + SIGNATURE_CONTENTS_BYTES * 2;
  const byteRange = `[0 ${contentsStart} ${contentsEnd} ${file.length - contentsEnd}]`;
  file.write(byteRange.padEnd(placeholders.byteRangeLength, ' '), placeholders.byteRangeStart, 'latin1');
  return { file, contentsStart, contentsEnd };
}

/** The page (or its separate `/Annots` array) rewritten with the widget appended to its annotations. */
function pageWithWidget(pdf: PDFDocument, page: PDFPage, widgetRef: PDFRef): RevisedObject {
  const annots = page.node.get(NAME.annots);
  if (annots instanceof PDFRef) {
    return { ref: annots, body: withAppended(pdf.context, pdf.context.lookup(annots, PDFArray), widgetRef).toString() };
  }

  const pageDict = page.node.clone();
  pageDict.set(NAME.annots, withAppended(pdf.context, annots instanceof PDFArray ? annots : undefined, widgetRef));
  return { ref: page.ref, body: pageDict.toString() };
}

/**
 * The interactive form with the signature field appended and SigFlags set: the AcroForm object itself when the
 * catalog points to one, else the catalog with the form inline. Also picks a field name no top-level field has.
 */
function formWithField(
  pdf: PDFDocument,
  catalogRef: PDFRef,
  widgetRef: PDFRef,
): { object: RevisedObject; fieldName: string } {
  const entry = pdf.catalog.get(NAME.acroForm);
  const existing = entry === undefined ? undefined : pdf.context.lookup(entry);
  const acroForm = existing instanceof PDFDict ? existing.clone() : pdf.context.obj({});
  const fields = acroForm.lookup(NAME.fields);
  const fieldArray = fields instanceof PDFArray ? fields : undefined;
  acroForm.set(NAME.fields, withAppended(pdf.context, fieldArray, widgetRef));
  acroForm.set(NAME.sigFlags, PDFNumber.of(SIG_FLAGS));
  const fieldName = unusedFieldName(fieldArray);

  if (entry instanceof PDFRef) return { object: { ref: entry, body: acroForm.toString() }, fieldName };
  const catalog = pdf.catalog.clone();
  catalog.set(NAME.acroForm, acroForm);
  return { object: { ref: catalogRef, body: catalog.toString() }, fieldName };
}

function isXrefStream(pdf: Buffer, xrefOffset: number): boolean {
  return !/^\s*xref/.test(pdf.toString('latin1', xrefOffset, xrefOffset + 32));
}

async function loadPdf(original: Buffer): Promise<PDFDocument> {
  try {
    return await PDFDocument.load(original, { updateMetadata: false });
  } catch (error) {
    throw new UnsupportedPdfError('the input is not a readable, unencrypted PDF', { cause: error });
  }
}

/** Lays out the bytes of the new revision and remembers where each object starts. */
class RevisionWriter {
  private readonly chunks: Buffer[] = [];
  private length: number;
  private readonly offsets = new Map<number, { offset: number; generation: number }>();
  private xrefOffset = -1;

  constructor(original: Buffer) {
    this.chunks.push(original);
    this.length = original.length;
    const last = original[original.length - 1];
    if (last !== 0x0a && last !== 0x0d) this.append('\n');
  }

  writeObject(ref: PDFRef, body: string): void {
    this.offsets.set(ref.objectNumber, { offset: this.length, generation: ref.generationNumber });
    this.append(`${ref.objectNumber} ${ref.generationNumber} obj\n${body}\nendobj\n`);
  }

  /** Writes the signature dictionary with placeholders and returns where they are. */
  writeSignatureObject(
    ref: PDFRef,
    details: SignatureDictionaryDetails,
  ): { contentsStart: number; byteRangeStart: number; byteRangeLength: number } {
    const byteRangePlaceholder = `[0 ${'0'.repeat(BYTE_RANGE_DIGITS)} ${'0'.repeat(BYTE_RANGE_DIGITS)} ${'0'.repeat(BYTE_RANGE_DIGITS)}]`;
    const head = `${ref.objectNumber} ${ref.generationNumber} obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange `;
    const tail = [
      ` /M ${PDFString.of(pdfDate(details.signingTime)).toString()}`,
      ` /Name ${PDFHexString.fromText(details.signerName).toString()}`,
      details.reason === undefined ? '' : ` /Reason ${PDFHexString.fromText(details.reason).toString()}`,
      ' >>\nendobj\n',
    ].join('');

    this.offsets.set(ref.objectNumber, { offset: this.length, generation: ref.generationNumber });
    const byteRangeStart = this.length + Buffer.byteLength(head, 'latin1');
    const contentsStart = byteRangeStart + byteRangePlaceholder.length + ' /Contents '.length;
    this.append(`${head}${byteRangePlaceholder} /Contents <${'0'.repeat(SIGNATURE_CONTENTS_BYTES * 2)}>${tail}`);
    return { contentsStart, byteRangeStart, byteRangeLength: byteRangePlaceholder.length };
  }

  writeXrefTable(trailer: string, previousSize: number): void {
    this.xrefOffset = this.length;
    const lines = ['xref'];
    for (const run of this.runs()) {
      lines.push(`${run[0]!.objectNumber} ${run.length}`);
      for (const entry of run) {
        // Each entry is exactly 20 bytes, its end-of-line included.
        lines.push(`${String(entry.offset).padStart(10, '0')} ${String(entry.generation).padStart(5, '0')} n\r`);
      }
    }
    this.append(`${lines.join('\n')}\ntrailer\n<< /Size ${this.size(previousSize)} ${trailer} >>\n`);
  }

  writeXrefStream(ref: PDFRef, trailer: string, previousSize: number): void {
    this.xrefOffset = this.length;
    this.offsets.set(ref.objectNumber, { offset: this.length, generation: ref.generationNumber });

    const offsetWidth = this.length >= 2 ** 32 ? 8 : 4;
    const runs = this.runs();
    const rows = runs.flat().map(({ offset, generation }) => {
      const row = Buffer.alloc(1 + offsetWidth + 2);
      row[0] = 1;
      if (offsetWidth === 8) row.writeBigUInt64BE(BigInt(offset), 1);
      else row.writeUInt32BE(offset, 1);
      row.writeUInt16BE(generation, 1 + offsetWidth);
      return row;
    });
    const data = Buffer.concat(rows);
    const index = runs.map((run) => `${run[0]!.objectNumber} ${run.length}`).join(' ');
    const dictionary =
      `<< /Type /XRef /Size ${this.size(previousSize)} /W [1 ${offsetWidth} 2] /Index [${index}]` +
      ` /Length ${data.length} ${trailer} >>`;
    this.append(`${ref.objectNumber} ${ref.generationNumber} obj\n${dictionary}\nstream\n`);
    this.chunks.push(data);
    this.length += data.length;
    this.append('\nendstream\nendobj\n');
  }

  finish(): Buffer {
    this.append(`startxref\n${this.xrefOffset}\n%%EOF\n`);
    return Buffer.concat(this.chunks, this.length);
  }

  private append(text: string): void {
    const chunk = Buffer.from(text, 'latin1');
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Written objects sorted by number, grouped in runs of consecutive numbers (the xref subsections). */
  private runs(): { objectNumber: number; offset: number; generation: number }[][] {
    const entries = [...this.offsets.entries()]
      .map(([objectNumber, entry]) => ({ objectNumber, ...entry }))
      .sort((a, b) => a.objectNumber - b.objectNumber);
    const runs: (typeof entries)[] = [];
    for (const entry of entries) {
      const run = runs[runs.length - 1];
      const last = run?.[run.length - 1];
      if (run && last && last.objectNumber + 1 === entry.objectNumber) run.push(entry);
      else runs.push([entry]);
    }
    return runs;
  }

  private size(previousSize: number): number {
    return Math.max(previousSize, ...[...this.offsets.keys()].map((objectNumber) => objectNumber + 1));
  }
}

/** `/Root`, `/Prev` and, when the original has them, `/Info` and `/ID`, copied from its last trailer. */
function trailerEntries(trailerInfo: { Info?: PDFObject; ID?: PDFObject }, root: PDFRef, previousXref: number): string {
  const entries = [`/Root ${root.toString()}`, `/Prev ${previousXref}`];
  if (trailerInfo.Info) entries.push(`/Info ${trailerInfo.Info.toString()}`);
  if (trailerInfo.ID) entries.push(`/ID ${trailerInfo.ID.toString()}`);
  return entries.join(' ');
}

/** The offset after the last `startxref` keyword: where the newest cross-reference section starts. */
function findLastStartXref(pdf: Buffer): number {
  const tailStart = Math.max(0, pdf.length - 4096);
  const tail = pdf.toString('latin1', tailStart);
  const match = /startxref\s+(\d+)\s*(?:%%EOF)?\s*$/.exec(tail.slice(tail.lastIndexOf('startxref')));
  const offset = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(offset) || offset >= pdf.length) {
    throw new UnsupportedPdfError('no usable startxref at the end of the file');
  }
  return offset;
}

/** `/Size` of the newest cross-reference section (its trailer or its stream dictionary), or 0 if absent. */
function previousSize(pdf: Buffer, previousXref: number): number {
  const at = pdf.indexOf('/Size', previousXref, 'latin1');
  const match = at < 0 ? null : /^\/Size\s+(\d+)/.exec(pdf.toString('latin1', at, at + 32));
  return match ? Number(match[1]) : 0;
}

function withAppended(context: PDFContext, array: PDFArray | undefined, ref: PDFRef): PDFArray {
  const copy = array ? array.clone() : PDFArray.withContext(context);
  copy.push(ref);
  return copy;
}

function unusedFieldName(fields: PDFArray | undefined): string {
  const taken = new Set<string>();
  for (let index = 0; fields && index < fields.size(); index++) {
    const field = fields.lookup(index);
    const name = field instanceof PDFDict ? field.lookup(NAME.t) : undefined;
    if (name instanceof PDFString || name instanceof PDFHexString) taken.add(name.decodeText());
  }
  let counter = 1;
  while (taken.has(`Signature${counter}`)) counter++;
  return `Signature${counter}`;
}

/** `D:YYYYMMDDHHmmSS+00'00'` in UTC. */
function pdfDate(date: Date): string {
  const digits = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `D:${digits}+00'00'`;
}
