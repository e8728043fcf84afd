/**
 * Issuing the test PKI from nothing: a self-signed CA, one ICP-Brasil-style certificate per test person, and a CRL
 * that lists the revoked ones. Everything is returned in memory; `test-pki.ts` decides where it is kept.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { loadAsn1Libraries, type Asn1Libraries, type Asn1js, type Pkijs } from './asn1-libraries';
import { encodeHolderData, ICP_BRASIL_HOLDER_DATA_OID, TEST_A1_POLICY_OID, TEST_A3_POLICY_OID } from './icp-brasil';
import { TEST_PEOPLE, type TestCertificateId, type TestPerson } from './people';

/** Common name of the test CA. */
export const TEST_CA_COMMON_NAME = 'AC TESTE SIGNATURE-SESSIONS';

/** A certificate and its private key, both DER (the key as PKCS#8). */
export interface IssuedCertificate {
  certificateDer: Buffer;
  privateKeyPkcs8: Buffer;
}

/** The whole test PKI as issued. */
export interface IssuedTestPki {
  ca: IssuedCertificate;
  people: Map<TestCertificateId, IssuedCertificate>;
  crlDer: Buffer;
}

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

const OID = {
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationUnit: '2.5.4.11',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
} as const;

/** keyUsage bits, first octet, most significant bit first (RFC 5280 4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0x80, nonRepudiation: 0x40, keyCertSign: 0x04, cRLSign: 0x02 } as const;

/** CRL reason code `keyCompromise`. */
const KEY_COMPROMISE = 1;

/**
 * Issues a new test PKI with fresh RSA-2048 keys, signed with SHA-256. Validity starts a day before `now` so that a
 * clock slightly behind does not reject the certificates: 20 years for the CA, 10 for the people and the CRL.
 */
export async function issueTestPki(now = new Date()): Promise<IssuedTestPki> {
  const libs = await loadAsn1Libraries();
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - DAY_MS);

  const caKeys = await newRsaKeyPair();
  const caName = distinguishedName(libs, [
    [OID.country, 'BR'],
    [OID.organization, 'ICP-Brasil'],
    [OID.organizationUnit, 'Ambiente de teste - sem valor legal'],
    [OID.commonName, TEST_CA_COMMON_NAME],
  ]);
  const ca = await signedCertificate(libs, {
    subject: caName,
    issuer: caName,
    subjectKeys: caKeys,
    issuerKey: caKeys.privateKey,
    authorityKeyId: null,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 20 * YEAR_MS),
    extensions: [
      extension(libs, OID.basicConstraints, true, new libs.pkijs.BasicConstraints({ cA: true }).toSchema()),
      extension(libs, OID.keyUsage, true, keyUsage(libs, KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign)),
    ],
  });
  const caKeyId = subjectKeyIdentifier(ca);

  const people = new Map<TestCertificateId, IssuedCertificate>();
  const revoked: Pkijs.Certificate[] = [];
  for (const person of TEST_PEOPLE) {
    const keys = await newRsaKeyPair();
    const certificate = await signedCertificate(libs, {
      subject: personName(libs, person),
      issuer: caName,
      subjectKeys: keys,
      issuerKey: caKeys.privateKey,
      authorityKeyId: caKeyId,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 10 * YEAR_MS),
      extensions: personExtensions(libs, person),
    });
    people.set(person.id, { certificateDer: derOf(certificate), privateKeyPkcs8: await pkcs8Of(keys.privateKey) });
    if (person.revoked) revoked.push(certificate);
  }

  const crl = await signedCrl(libs, { issuer: caName, issuerKey: caKeys.privateKey, caKeyId, revoked, notBefore });

  return {
    ca: { certificateDer: derOf(ca), privateKeyPkcs8: await pkcs8Of(caKeys.privateKey) },
    people,
    crlDer: Buffer.from((crl.toSchema(true) as Asn1js.Sequence).toBER(false)),
  };
}

interface CertificateRequest {
  subject: Pkijs.RelativeDistinguishedNames;
  issuer: Pkijs.RelativeDistinguishedNames;
  subjectKeys: webcrypto.CryptoKeyPair;
  issuerKey: webcrypto.CryptoKey;
  authorityKeyId: Buffer | null;
  notBefore: Date;
  notAfter: Date;
  extensions: Pkijs.Extension[];
}

async function signedCertificate(libs: Asn1Libraries, request: CertificateRequest): Promise<Pkijs.Certificate> {
  const { pkijs, asn1js } = libs;
  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber: randomSerialNumber(libs),
    subject: request.subject,
    issuer: request.issuer,
    notBefore: time(libs, request.notBefore),
    notAfter: time(libs, request.notAfter),
  });
  await certificate.subjectPublicKeyInfo.importKey(request.subjectKeys.publicKey);

  const keyId = subjectKeyIdentifier(certificate);
  certificate.extensions = [
    ...request.extensions,
    extension(libs, OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyId })),
  ];
  if (request.authorityKeyId) {
    const authorityKeyId = new pkijs.AuthorityKeyIdentifier({
      keyIdentifier: new asn1js.OctetString({ valueHex: request.authorityKeyId }),
    });
    certificate.extensions.push(extension(libs, OID.authorityKeyIdentifier, false, authorityKeyId.toSchema()));
  }

  await certificate.sign(request.issuerKey, 'SHA-256');
  return certificate;
}

/** `C=BR, O=ICP-Brasil, OU=<CA>, OU=Certificado PF A1|A3, OU=Presencial, CN=NAME:CPF`, as ICP-Brasil CAs name people. */
function personName(libs: Asn1Libraries, person: TestPerson): Pkijs.RelativeDistinguishedNames {
  return distinguishedName(libs, [
    [OID.country, 'BR'],
    [OID.organization, 'ICP-Brasil'],
    [OID.organizationUnit, TEST_CA_COMMON_NAME],
    [OID.organizationUnit, `Certificado PF ${person.kind}`],
    [OID.organizationUnit, 'Presencial'],
    [OID.commonName, `${person.holderName}:${person.cpf}`],
  ]);
}

function personExtensions(libs: Asn1Libraries, person: TestPerson): Pkijs.Extension[] {
  const { pkijs } = libs;
  const policies = new pkijs.CertificatePolicies({
    certificatePolicies: [
      new pkijs.PolicyInformation({ policyIdentifier: person.kind === 'A1' ? TEST_A1_POLICY_OID : TEST_A3_POLICY_OID }),
    ],
  });
  // S/MIME and PDF verifiers (openssl cms, NSS) accept a signer only if its extended key usage allows e-mail protection.
  const extendedKeyUsage = new pkijs.ExtKeyUsage({ keyPurposes: [OID.clientAuth, OID.emailProtection] });

  return [
    extension(libs, OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    extension(libs, OID.keyUsage, true, keyUsage(libs, KEY_USAGE.digitalSignature | KEY_USAGE.nonRepudiation)),
    extension(libs, OID.extKeyUsage, false, extendedKeyUsage.toSchema()),
    extension(libs, OID.certificatePolicies, false, policies.toSchema()),
    extension(libs, OID.subjectAltName, false, personAltNames(libs, person)),
  ];
}

/**
 * GeneralNames with the ICP-Brasil holder data otherName and the e-mail address. Built by hand because pkijs wraps an
 * otherName value in one more tag than RFC 5280 has.
 */
function personAltNames(libs: Asn1Libraries, person: TestPerson): Asn1js.Sequence {
  const { asn1js } = libs;
  const holderData = encodeHolderData({
    dateOfBirth: person.dateOfBirth,
    cpf: person.cpf,
    nis: person.nis,
    rgNumero: person.rgNumero,
    rgEmissor: person.rgEmissor,
    rgEmissorUF: person.rgEmissorUF,
  });
  const otherName = new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 0 },
    value: [
      new asn1js.ObjectIdentifier({ value: ICP_BRASIL_HOLDER_DATA_OID }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.OctetString({ valueHex: Buffer.from(holderData, 'ascii') })],
      }),
    ],
  });
  const email = new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber: 1 },
    valueHex: Buffer.from(person.email, 'ascii'),
  });
  return new asn1js.Sequence({ value: [otherName, email] });
}

interface CrlRequest {
  issuer: Pkijs.RelativeDistinguishedNames;
  issuerKey: webcrypto.CryptoKey;
  caKeyId: Buffer;
  revoked: Pkijs.Certificate[];
  notBefore: Date;
}

async function signedCrl(libs: Asn1Libraries, request: CrlRequest): Promise<Pkijs.CertificateRevocationList> {
  const { pkijs, asn1js } = libs;
  const reason = extension(libs, OID.crlReason, false, new asn1js.Enumerated({ value: KEY_COMPROMISE }));
  const crl = new pkijs.CertificateRevocationList({
    version: 1,
    issuer: request.issuer,
    thisUpdate: time(libs, request.notBefore),
    nextUpdate: time(libs, new Date(request.notBefore.getTime() + 10 * YEAR_MS)),
    revokedCertificates: request.revoked.map(
      (certificate) =>
        new pkijs.RevokedCertificate({
          userCertificate: certificate.serialNumber,
          revocationDate: time(libs, request.notBefore),
          crlEntryExtensions: new pkijs.Extensions({ extensions: [reason] }),
        }),
    ),
    crlExtensions: new pkijs.Extensions({
      extensions: [
        extension(
          libs,
          OID.authorityKeyIdentifier,
          false,
          new pkijs.AuthorityKeyIdentifier({
            keyIdentifier: new asn1js.OctetString({ valueHex: request.caKeyId }),
          }).toSchema(),
        ),
        extension(libs, OID.crlNumber, false, new asn1js.Integer({ value: 1 })),
      ],
    }),
  });
  await crl.sign(request.issuerKey, 'SHA-256');
  return crl;
}

/** One RDN per attribute, in the given order (pkijs alone would put them all in one multi-valued RDN). */
function distinguishedName(libs: Asn1Libraries, attributes: [string, string][]): Pkijs.RelativeDistinguishedNames {
  const { pkijs, asn1js } = libs;
  const rdns = attributes.map(([type, value]) => {
    const typeAndValue = new pkijs.AttributeTypeAndValue({
      type,
      // X.520 fixes the country as a PrintableString; UTF8String suits names with accents.
      value: type === OID.country ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }),
    });
    return new asn1js.Set({ value: [typeAndValue.toSchema()] });
  });
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: rdns }).toBER(false));
}

function extension(
  libs: Asn1Libraries,
  extnID: string,
  critical: boolean,
  value: { toBER(sizeOnly?: boolean): ArrayBuffer },
): Pkijs.Extension {
  return new libs.pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function keyUsage(libs: Asn1Libraries, bits: number): Asn1js.BitString {
  const unusedBits = bits === 0 ? 7 : Math.min(7, countTrailingZeros(bits));
  return new libs.asn1js.BitString({ valueHex: new Uint8Array([bits]), unusedBits });
}

function countTrailingZeros(octet: number): number {
  let count = 0;
  while (count < 8 && (octet & (1 << count)) === 0) count++;
  return count;
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits. */
function subjectKeyIdentifier(certificate: Pkijs.Certificate): Buffer {
  return createHash('sha1').update(certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
}

/** 16 random octets, positive and without a leading zero octet, as RFC 5280 asks of serial numbers. */
function randomSerialNumber(libs: Asn1Libraries): Asn1js.Integer {
  const octets = randomBytes(16);
  octets[0] = (octets[0]! & 0x7f) | 0x40;
  return new libs.asn1js.Integer({ valueHex: octets });
}

/** UTCTime up to 2049 and GeneralizedTime from 2050 on, as RFC 5280 requires. */
function time(libs: Asn1Libraries, value: Date): Pkijs.Time {
  const type = value.getUTCFullYear() < 2050 ? libs.pkijs.TimeType.UTCTime : libs.pkijs.TimeType.GeneralizedTime;
  return new libs.pkijs.Time({ type, value });
}

async function newRsaKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(
    { ...RSA_SHA256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
}

async function pkcs8Of(key: webcrypto.CryptoKey): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
}

function derOf(certificate: Pkijs.Certificate): Buffer {
  return Buffer.from(certificate.toSchema(true).toBER(false));
}
