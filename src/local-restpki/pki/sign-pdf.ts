/** PAdES signatures of PDF files, for documents of signature type `Pdf`. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { buildDetachedCms } from './detached-cms';
import { SigningError } from './errors';
import { internalsOf, signerOf, type TestPki } from './loaded-pki';
import { prepareSignatureRevision, SIGNATURE_CONTENTS_BYTES, UnsupportedPdfError } from './pdf-signature-revision';
import { writeFileAtomically } from './write-atomically';

/**
 * Signs `inputPath` with the private key of `certificateId` as a PAdES baseline signature (SubFilter
 * `ETSI.CAdES.detached`; a CMS with content-type, message-digest and signing-certificate-v2 over the ByteRange) added
 * in an incremental update, so that signatures already in the file stay valid; writes the result to `outputPath`
 * atomically. The signature field is invisible. Throws `UnknownTestCertificateError` for an unknown ID and
 * {@link SigningError} when the input cannot be read or is not a PDF this signer can update (encrypted, no pages), or
 * the output cannot be written.
 */
export async function signPdf(
  pki: TestPki,
  certificateId: string,
  inputPath: string,
  outputPath: string,
  options: { reason?: string } = {},
): Promise<void> {
  const signer = signerOf(pki, certificateId);

  let original: Buffer;
  try {
    original = await readFile(inputPath);
  } catch (error) {
    throw new SigningError('Pdf', certificateId, inputPath, 'cannot read the input', { cause: error });
  }

  let prepared: Awaited<ReturnType<typeof prepareSignatureRevision>>;
  try {
    prepared = await prepareSignatureRevision(original, {
      signerName: signer.certificate.holderName,
      reason: options.reason,
      signingTime: new Date(),
    });
  } catch (error) {
    const problem = error instanceof UnsupportedPdfError ? error.message : 'the PDF cannot take an incremental update';
    throw new SigningError('Pdf', certificateId, inputPath, problem, { cause: error });
  }
  const { file, contentsStart, contentsEnd } = prepared;

  const digest = createHash('sha256')
    .update(file.subarray(0, contentsStart))
    .update(file.subarray(contentsEnd))
    .digest();
  const cms = await buildDetachedCms(signer, internalsOf(pki).caCertificateDer, digest, { signingTime: null });
  if (cms.length > SIGNATURE_CONTENTS_BYTES) {
    throw new SigningError('Pdf', certificateId, inputPath, `the CMS takes ${cms.length} bytes, more than reserved`);
  }
  file.write(cms.toString('hex').toUpperCase(), contentsStart + 1, 'latin1');

  try {
    await writeFileAtomically(outputPath, file);
  } catch (error) {
    throw new SigningError('Pdf', certificateId, inputPath, `cannot write ${outputPath}`, { cause: error });
  }
}
