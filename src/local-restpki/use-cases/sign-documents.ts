/**
 * Producing the signed files of a session's documents with the test PKI's signers: PAdES for `Pdf`, a detached CMS
 * for `Cms`, enveloped XMLDSig for `Xml`. Signers read and write files by path, so no document is held in memory;
 * each output is staged and moved into place only when its signer finished.
 */
import { type ServiceContext } from '../context';
import { signedFileName, signedMimeType } from '../document-types';
import { DocumentSigningError } from '../errors';
import { signCms, signPdf, signXml } from '../pki';
import { type DocumentRecord, type SignedFileRecord } from '../store';

/** Signs every document with `certificateId`; throws {@link DocumentSigningError} for the first that fails. */
export async function signDocuments(
  context: ServiceContext,
  documents: DocumentRecord[],
  certificateId: string,
): Promise<SignedFileRecord[]> {
  const signed: SignedFileRecord[] = [];
  for (const document of documents) {
    const input = context.files.pathOf(document.id, 'original');
    const output = context.files.tempPath();
    try {
      if (document.signatureType === 'Pdf') await signPdf(context.pki, certificateId, input, output);
      else if (document.signatureType === 'Xml') await signXml(context.pki, certificateId, input, output);
      else await signCms(context.pki, certificateId, input, output);

      const length = await context.files.sizeOf(output);
      await context.files.commit(output, document.id, 'signed');
      signed.push({
        documentId: document.id,
        name: signedFileName(document.name, document.signatureType),
        mimeType: signedMimeType(document.signatureType),
        length,
      });
    } catch (error) {
      await context.files.discard(output);
      throw new DocumentSigningError(document.id, document.signatureType, { cause: error });
    }
  }
  return signed;
}
