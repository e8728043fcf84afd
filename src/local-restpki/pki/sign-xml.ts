/** Enveloped XMLDSig signatures of whole XML documents, for documents of signature type `Xml`. */
import { readFile } from 'node:fs/promises';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { SigningError } from './errors';
import { signerOf, type TestPki } from './loaded-pki';
import { writeFileAtomically } from './write-atomically';

const ALGORITHMS = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  exclusiveC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/**
 * Signs the whole document of `inputPath` (a reference with `URI=""`, enveloped-signature and exclusive c14n
 * transforms, SHA-256 digest, RSA-SHA256 signature) and appends the `Signature` element, whose KeyInfo carries the
 * signer's certificate, as the last child of the root element; writes the result to `outputPath` atomically. The
 * input is read as UTF-8. Throws `UnknownTestCertificateError` for an unknown ID and {@link SigningError} when the
 * input cannot be read or is not well-formed XML, or the output cannot be written.
 */
export async function signXml(
  pki: TestPki,
  certificateId: string,
  inputPath: string,
  outputPath: string,
): Promise<void> {
  const signer = signerOf(pki, certificateId);

  let xml: string;
  try {
    xml = await readFile(inputPath, 'utf8');
  } catch (error) {
    throw new SigningError('Xml', certificateId, inputPath, 'cannot read the input', { cause: error });
  }

  try {
    assertWellFormed(xml);
  } catch (error) {
    throw new SigningError('Xml', certificateId, inputPath, 'the input is not a well-formed XML document', {
      cause: error,
    });
  }

  const signature = new SignedXml({
    privateKey: signer.keyObject,
    publicCert: signer.certificate.certificatePem,
    signatureAlgorithm: ALGORITHMS.rsaSha256,
    canonicalizationAlgorithm: ALGORITHMS.exclusiveC14n,
  });
  signature.addReference({
    xpath: '/*',
    isEmptyUri: true,
    digestAlgorithm: ALGORITHMS.sha256,
    transforms: [ALGORITHMS.envelopedSignature, ALGORITHMS.exclusiveC14n],
  });
  try {
    signature.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  } catch (error) {
    throw new SigningError('Xml', certificateId, inputPath, 'xml-crypto cannot sign this document', { cause: error });
  }

  try {
    await writeFileAtomically(outputPath, signature.getSignedXml());
  } catch (error) {
    throw new SigningError('Xml', certificateId, inputPath, `cannot write ${outputPath}`, { cause: error });
  }
}

/**
 * xml-crypto parses leniently (it would sign `<a><b></a>` after repairing it, and prints the parser's complaints), so
 * the document is first parsed strictly: any error, not only a fatal one, refuses it. Only the kind of error is kept,
 * because the parser's messages quote the document.
 */
function assertWellFormed(xml: string): void {
  let problem: string | null = null;
  const parser = new DOMParser({
    onError: (level) => {
      if (level === 'warning') return;
      problem ??= `the strict XML parser reported an ${level === 'error' ? 'error' : 'unrecoverable error'}`;
      throw new XmlSyntaxError(problem);
    },
  });
  try {
    parser.parseFromString(xml, 'text/xml');
  } catch {
    problem ??= 'the strict XML parser failed';
  }
  if (problem !== null) throw new XmlSyntaxError(problem);
}

/** What the strict parse found wrong; carried as the `cause` of a {@link SigningError}. */
class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}
