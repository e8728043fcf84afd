/** Detached CMS (`.p7s`) signatures of any file, for documents of signature type `Cms`. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { buildDetachedCms } from './detached-cms';
import { SigningError } from './errors';
import { internalsOf, signerOf, type TestPki } from './loaded-pki';
import { writeFileAtomically } from './write-atomically';

/**
 * Signs the bytes of `inputPath` with the private key of `certificateId` and writes the DER `.p7s` (a detached
 * CAdES-BES: content-type, message-digest, signing-time, signing-certificate-v2) to `outputPath` atomically. The input
 * is hashed as a stream, so its size does not matter. Throws `UnknownTestCertificateError` for an unknown ID and
 * {@link SigningError} when the input cannot be read or the output written.
 */
export async function signCms(
  pki: TestPki,
  certificateId: string,
  inputPath: string,
  outputPath: string,
): Promise<void> {
  const signer = signerOf(pki, certificateId);

  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(inputPath), hash);
  } catch (error) {
    throw new SigningError('Cms', certificateId, inputPath, 'cannot read the input', { cause: error });
  }

  const cms = await buildDetachedCms(signer, internalsOf(pki).caCertificateDer, hash.digest(), {
    signingTime: new Date(),
  });

  try {
    await writeFileAtomically(outputPath, cms);
  } catch (error) {
    throw new SigningError('Cms', certificateId, inputPath, `cannot write ${outputPath}`, { cause: error });
  }
}
