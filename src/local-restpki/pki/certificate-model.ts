/**
 * The contract's `CertificateModel` and `CertificateSummary` for the test certificates. Models are computed once, when
 * the test PKI loads (pkijs loads asynchronously), and handed out as fresh copies.
 *
 * Where the contract leaves a format open, these are the choices, each unverified against the real service:
 * - `pkiBrazil.cpf` is punctuated (`123.456.789-09`): the contract has no separate formatted field, and the
 *   vendor's Rest PKI Core samples show `pkiBrazil.cpf` to users as the formatted CPF. `subjectIdentifier` carries
 *   the bare 11 digits, for comparisons.
 * - `pkiBrazil.dateOfBirth` is `YYYY-MM-DD`; `validityStart` and `validityEnd` are ISO 8601 instants.
 * - `serialNumber` and `thumbprintSHA256` are lowercase hex; `thumbprint` and `binaryThumbprintSHA256` are the
 *   base64 SHA-256 of the DER certificate, the form Lacuna's older APIs call a thumbprint.
 * - `NameModel.allValues` is keyed by attribute OID, values in certificate order; `dnString` lists the most specific
 *   attribute first (`CN=..., OU=..., O=..., C=BR`), and a single-valued field takes the first value of its OID.
 * - The CA's `issuer` is `null` (it is self-signed); `pkiBrazil` and `pkiItaly` are always objects, with `Unknown` or
 *   `Undefined` types and `null` fields when a certificate has nothing to put there.
 */
import { createHash } from 'node:crypto';
import { loadAsn1Libraries, type Asn1js, type Pkijs } from './asn1-libraries';
import { formatCpf } from './cpf';
import {
  certificateTypeFromPolicies,
  ICP_BRASIL_HOLDER_DATA_OID,
  parseHolderData,
  type HolderData,
  type PkiBrazilCertificateType,
} from './icp-brasil';
import { signerOf, type TestPki } from './loaded-pki';

/** The contract's `NameModel`. */
export interface NameModel {
  country: string | null;
  organization: string | null;
  organizationUnit: string | null;
  dnQualifier: string | null;
  stateName: string | null;
  commonName: string | null;
  serialNumber: string | null;
  locality: string | null;
  title: string | null;
  surname: string | null;
  givenName: string | null;
  initials: string | null;
  pseudonym: string | null;
  generationQualifier: string | null;
  emailAddress: string | null;
  allValues: Record<string, string[]> | null;
  dnString: string | null;
}

/** The contract's `PkiBrazilCertificateModel`. */
export interface PkiBrazilCertificateModel {
  certificateType: PkiBrazilCertificateType;
  cpf: string | null;
  cnpj: string | null;
  responsavel: string | null;
  dateOfBirth: string | null;
  companyName: string | null;
  oabUF: string | null;
  oabNumero: string | null;
  rgEmissor: string | null;
  rgEmissorUF: string | null;
  rgNumero: string | null;
}

/** The contract's `PkiItalyCertificateModel`; test certificates are never Italian. */
export interface PkiItalyCertificateModel {
  certificateType: 'Undefined' | 'Cns' | 'DigitalSignature';
  codiceFiscale: string | null;
  idCarta: string | null;
}

/** The contract's `CertificateSummary`, as listed in `DocumentModel.signers`. */
export interface CertificateSummary {
  thumbprint: string | null;
  thumbprintSHA256: string | null;
  subjectCommonName: string | null;
  subjectDisplayName: string | null;
  subjectIdentifier: string | null;
  emailAddress: string | null;
  organization: string | null;
  organizationIdentifier: string | null;
}

/** The contract's `CertificateModel`. */
export interface CertificateModel extends CertificateSummary {
  subjectName: NameModel;
  issuerName: NameModel;
  issuerDisplayName: string | null;
  serialNumber: string | null;
  validityStart: string;
  validityEnd: string;
  issuer: CertificateModel | null;
  pkiBrazil: PkiBrazilCertificateModel;
  pkiItaly: PkiItalyCertificateModel;
  binaryThumbprintSHA256: string | null;
}

/** The `CertificateModel` of a test certificate (a fresh copy each call), with the CA's model as `issuer`. */
export function toCertificateModel(pki: TestPki, certificateId: string): CertificateModel {
  return structuredClone(signerOf(pki, certificateId).model);
}

/** The `CertificateSummary` of a test certificate, for `DocumentModel.signers[].certificate`. */
export function toCertificateSummary(pki: TestPki, certificateId: string): CertificateSummary {
  const model = signerOf(pki, certificateId).model;
  return {
    thumbprint: model.thumbprint,
    thumbprintSHA256: model.thumbprintSHA256,
    subjectCommonName: model.subjectCommonName,
    subjectDisplayName: model.subjectDisplayName,
    subjectIdentifier: model.subjectIdentifier,
    emailAddress: model.emailAddress,
    organization: model.organization,
    organizationIdentifier: model.organizationIdentifier,
  };
}

const NAME_FIELDS: readonly [Exclude<keyof NameModel, 'allValues' | 'dnString'>, string, string][] = [
  ['country', '2.5.4.6', 'C'],
  ['organization', '2.5.4.10', 'O'],
  ['organizationUnit', '2.5.4.11', 'OU'],
  ['dnQualifier', '2.5.4.46', 'DNQUALIFIER'],
  ['stateName', '2.5.4.8', 'S'],
  ['commonName', '2.5.4.3', 'CN'],
  ['serialNumber', '2.5.4.5', 'SERIALNUMBER'],
  ['locality', '2.5.4.7', 'L'],
  ['title', '2.5.4.12', 'T'],
  ['surname', '2.5.4.4', 'SN'],
  ['givenName', '2.5.4.42', 'G'],
  ['initials', '2.5.4.43', 'I'],
  ['pseudonym', '2.5.4.65', 'PSEUDONYM'],
  ['generationQualifier', '2.5.4.44', 'GENERATION'],
  ['emailAddress', '1.2.840.113549.1.9.1', 'E'],
];

const SUBJECT_ALT_NAME_OID = '2.5.29.17';
const CERTIFICATE_POLICIES_OID = '2.5.29.32';

/** A common name of the form `NAME:CPF`, as ICP-Brasil names natural persons. */
const ICP_BRASIL_PERSON_CN = /^(.+):(\d{11})$/;

/** Reads a DER certificate into a `CertificateModel`; `issuer` is its issuer's model, `null` for a self-signed one. */
export async function describeCertificate(der: Buffer, issuer: CertificateModel | null): Promise<CertificateModel> {
  const { pkijs, asn1js } = await loadAsn1Libraries();
  const certificate = pkijs.Certificate.fromBER(der);
  const subjectName = nameModel(certificate.subject);
  const issuerName = nameModel(certificate.issuer);
  const altNames = readAltNames(asn1js, certificate);
  const policies = readPolicies(asn1js, certificate);

  const holderData = altNames.holderData;
  const cpf = holderData?.cpf ?? null;
  const commonName = subjectName.commonName;
  const personMatch = commonName === null ? null : ICP_BRASIL_PERSON_CN.exec(commonName);
  const sha256 = createHash('sha256').update(der).digest();

  return {
    subjectName,
    issuerName,
    issuerDisplayName: issuerName.commonName,
    serialNumber: Buffer.from(certificate.serialNumber.valueBlock.valueHexView).toString('hex'),
    validityStart: certificate.notBefore.value.toISOString(),
    validityEnd: certificate.notAfter.value.toISOString(),
    issuer,
    pkiBrazil: {
      certificateType: certificateTypeFromPolicies(policies),
      cpf: cpf === null ? null : formatCpf(cpf),
      cnpj: null,
      responsavel: null,
      dateOfBirth: holderData?.dateOfBirth ?? null,
      companyName: null,
      oabUF: null,
      oabNumero: null,
      rgEmissor: holderData?.rgEmissor ?? null,
      rgEmissorUF: holderData?.rgEmissorUF ?? null,
      rgNumero: holderData?.rgNumero ?? null,
    },
    pkiItaly: { certificateType: 'Undefined', codiceFiscale: null, idCarta: null },
    binaryThumbprintSHA256: sha256.toString('base64'),
    thumbprint: sha256.toString('base64'),
    thumbprintSHA256: sha256.toString('hex'),
    subjectCommonName: commonName,
    subjectDisplayName: personMatch ? personMatch[1]! : commonName,
    subjectIdentifier: cpf,
    emailAddress: altNames.email ?? subjectName.emailAddress,
    // For an ICP-Brasil person the DN's O is "ICP-Brasil", not an employer: only a company certificate has one.
    organization: cpf === null ? subjectName.organization : null,
    organizationIdentifier: null,
  };
}

function nameModel(name: Pkijs.RelativeDistinguishedNames): NameModel {
  const attributes = name.typesAndValues.map((typeAndValue) => ({
    oid: typeAndValue.type,
    value: typeAndValue.value.valueBlock.value,
  }));
  const allValues: Record<string, string[]> = {};
  for (const { oid, value } of attributes) (allValues[oid] ??= []).push(value);

  const fields = Object.fromEntries(NAME_FIELDS.map(([field, oid]) => [field, allValues[oid]?.[0] ?? null]));
  return { ...fields, allValues, dnString: distinguishedNameString(attributes) } as NameModel;
}

function distinguishedNameString(attributes: { oid: string; value: string }[]): string {
  return attributes
    .slice()
    .reverse()
    .map(({ oid, value }) => {
      const label = NAME_FIELDS.find(([, fieldOid]) => fieldOid === oid)?.[2] ?? `OID.${oid}`;
      const quoted = /[,+=";<>#\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
      return `${label}=${quoted}`;
    })
    .join(', ');
}

/** The e-mail address and ICP-Brasil holder data in the subjectAltName extension, if any. */
function readAltNames(
  asn1js: typeof Asn1js,
  certificate: Pkijs.Certificate,
): { email: string | null; holderData: HolderData | null } {
  const found = { email: null as string | null, holderData: null as HolderData | null };
  const extension = certificate.extensions?.find((candidate) => candidate.extnID === SUBJECT_ALT_NAME_OID);
  if (!extension) return found;

  const parsed = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView).result;
  if (!(parsed instanceof asn1js.Sequence)) return found;
  for (const generalName of parsed.valueBlock.value) {
    if (generalName.idBlock.tagClass !== 3) continue;
    if (generalName.idBlock.tagNumber === 1 && generalName instanceof asn1js.Primitive) {
      found.email ??= Buffer.from(generalName.valueBlock.valueHexView).toString('ascii');
    }
    if (generalName.idBlock.tagNumber === 0 && generalName instanceof asn1js.Constructed) {
      const [typeId, wrapper] = generalName.valueBlock.value;
      if (!(typeId instanceof asn1js.ObjectIdentifier) || typeId.valueBlock.toString() !== ICP_BRASIL_HOLDER_DATA_OID) {
        continue;
      }
      const text = wrapper instanceof asn1js.Constructed ? otherNameText(asn1js, wrapper.valueBlock.value[0]) : null;
      if (text !== null) found.holderData = parseHolderData(text);
    }
  }
  return found;
}

/** DOC-ICP-04 allows the otherName value as an OCTET STRING or a PrintableString; UTF8String is accepted too. */
function otherNameText(asn1js: typeof Asn1js, value: Asn1js.AsnType | undefined): string | null {
  if (value instanceof asn1js.OctetString) return Buffer.from(value.valueBlock.valueHexView).toString('latin1');
  if (value instanceof asn1js.PrintableString || value instanceof asn1js.Utf8String) return value.valueBlock.value;
  return null;
}

function readPolicies(asn1js: typeof Asn1js, certificate: Pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((candidate) => candidate.extnID === CERTIFICATE_POLICIES_OID);
  if (!extension) return [];
  const parsed = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView).result;
  if (!(parsed instanceof asn1js.Sequence)) return [];
  return parsed.valueBlock.value.flatMap((policy) => {
    const identifier = policy instanceof asn1js.Sequence ? policy.valueBlock.value[0] : undefined;
    return identifier instanceof asn1js.ObjectIdentifier ? [identifier.valueBlock.toString()] : [];
  });
}
