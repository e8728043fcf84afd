/**
 * The local Rest PKI Core's test PKI: a test CA, four fictitious people with ICP-Brasil-style certificates, real
 * PAdES, CMS and XMLDSig signatures with their keys, and the contract's certificate models.
 */
export { loadOrCreateTestPki } from './test-pki';
export { type TestCertificate, type TestPki } from './loaded-pki';
export { signPdf } from './sign-pdf';
export { signCms } from './sign-cms';
export { signXml } from './sign-xml';
export {
  toCertificateModel,
  toCertificateSummary,
  type CertificateModel,
  type CertificateSummary,
  type NameModel,
  type PkiBrazilCertificateModel,
  type PkiItalyCertificateModel,
} from './certificate-model';
export { formatCpf, isValidCpf, normalizeCpf } from './cpf';
export {
  ANA_LIMA_CPF,
  BRUNO_COSTA_CPF,
  CARLA_SOUZA_CPF,
  DIEGO_ALVES_CPF,
  TEST_PEOPLE,
  type TestCertificateId,
  type TestPerson,
} from './people';
export { TEST_CA_COMMON_NAME } from './issue-test-pki';
export {
  ICP_BRASIL_HOLDER_DATA_OID,
  certificateTypeFromPolicies,
  TEST_A1_POLICY_OID,
  TEST_A3_POLICY_OID,
  encodeHolderData,
  parseHolderData,
  type HolderData,
  type PkiBrazilCertificateType,
} from './icp-brasil';
export { SigningError, TestPkiStorageError, UnknownTestCertificateError, UnrecognizedTestPkiError } from './errors';
