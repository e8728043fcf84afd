/**
 * A detached CMS SignedData over a digest the caller computed: the one signature container behind both `.p7s` files
 * and PAdES signatures. Signed attributes: content-type, message-digest, ESS signing-certificate-v2 and, outside
 * PAdES, signing-time.
 */
import { createHash } from 'node:crypto';
import { loadAsn1Libraries, type Asn1Libraries, type Asn1js } from './asn1-libraries';
import { type SignerMaterial } from './loaded-pki';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;

/** What goes into the signed attributes besides the digest. */
export interface DetachedCmsOptions {
  /**
   * The signing-time attribute's value, or `null` to leave it out: PAdES baseline signatures must not carry it (the
   * PDF signature dictionary's `/M` holds the time instead).
   */
  signingTime: Date | null;
}

/**
 * DER ContentInfo of a SignedData without encapsulated content, signed with RSA PKCS#1 v1.5 and SHA-256 over the
 * signed attributes. `sha256Digest` is the SHA-256 of the signed bytes. The signer's and the CA's certificates are
 * included, so that a verifier holding only the CA as trust anchor can build the chain.
 */
export async function buildDetachedCms(
  signer: SignerMaterial,
  caCertificateDer: Buffer,
  sha256Digest: Buffer,
  options: DetachedCmsOptions,
): Promise<Buffer> {
  const libs = await loadAsn1Libraries();
  const { pkijs, asn1js } = libs;
  const certificate = pkijs.Certificate.fromBER(signer.certificate.certificateDer);
  const caCertificate = pkijs.Certificate.fromBER(caCertificateDer);

  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: sha256Digest })] }),
    new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(libs, signer)] }),
  ];
  if (options.signingTime) {
    attributes.push(
      new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: options.signingTime })] }),
    );
  }

  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sortedForDer(attributes) }),
      }),
    ],
    certificates: [certificate, caCertificate],
  });
  await signedData.sign(signer.cryptoKey, 0, 'SHA-256');

  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(contentInfo.toSchema().toBER(false));
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with one ESSCertIDv2: the SHA-256 of the
 * signer's certificate (the algorithm left out, as DER requires for the default SHA-256) and its issuer and serial.
 */
function signingCertificateV2(libs: Asn1Libraries, signer: SignerMaterial): Asn1js.Sequence {
  const { pkijs, asn1js } = libs;
  const certificate = pkijs.Certificate.fromBER(signer.certificate.certificateDer);
  const certificateHash = createHash('sha256').update(signer.certificate.certificateDer).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] }),
        ],
      }),
      certificate.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: certificateHash }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

/**
 * DER orders a SET OF by the encodings of its elements. pkijs keeps the given order, and verifiers such as OpenSSL
 * re-encode the signed attributes in DER before checking the signature, so an unsorted set would not verify.
 */
function sortedForDer<T extends { toSchema(): { toBER(sizeOnly?: boolean): ArrayBuffer } }>(elements: T[]): T[] {
  return elements
    .map((element) => ({ element, encoding: Buffer.from(element.toSchema().toBER(false)) }))
    .sort((a, b) => compareDer(a.encoding, b.encoding))
    .map(({ element }) => element);
}

/** X.690 11.6: compare as octet strings, the shorter one padded with trailing zero octets. */
function compareDer(a: Buffer, b: Buffer): number {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
