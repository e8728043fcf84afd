/**
 * What a loaded test PKI keeps out of its public shape: private keys and the precomputed certificate models. Kept in a
 * WeakMap keyed by the `TestPki` object, so that keys never appear when a `TestPki` is logged or serialized.
 */
import { type KeyObject, type webcrypto } from 'node:crypto';
import { type CertificateModel } from './certificate-model';
import { UnknownTestCertificateError, UnrecognizedTestPkiError } from './errors';
import { type TestCertificateId } from './people';

/** One certificate of the test PKI as seen by a test. */
export interface TestCertificate {
  /** Stable slug: `ana-a1`, `bruno-a3`, `carla-a3` or `diego-revoked-a1`. */
  id: TestCertificateId;
  /** Fictitious holder, for example `ANA LIMA`. */
  holderName: string;
  /** 11 digits with valid check digits (the constants of `people.ts`). */
  cpf: string;
  /** `A3`: the key is meant to live on a crypto device, so a `CryptoDevice` requirement accepts only these. */
  kind: 'A1' | 'A3';
  /** Listed in the test CA's CRL (only `diego-revoked-a1`). */
  revoked: boolean;
  certificatePem: string;
  certificateDer: Buffer;
  /** Lowercase hex SHA-256 of `certificateDer`. */
  thumbprintSha256: string;
}

/** The test CA and its people, as returned by `loadOrCreateTestPki`. */
export interface TestPki {
  caCertificatePem: string;
  /** The CA certificate (PEM) on disk, to give openssl, pdfsig or xmlsec1 as their trust anchor. */
  caCertificatePath: string;
  /** The CA's CRL (DER) on disk, listing the revoked certificate. */
  crlPath: string;
  certificates: TestCertificate[];
  /** The certificate with this ID, or `undefined`. */
  find(id: string): TestCertificate | undefined;
}

/** A certificate with what signing needs. */
export interface SignerMaterial {
  certificate: TestCertificate;
  /** For pkijs (CMS and PAdES). */
  cryptoKey: webcrypto.CryptoKey;
  /** For xml-crypto. */
  keyObject: KeyObject;
  model: CertificateModel;
}

/** The hidden half of a loaded test PKI. */
export interface PkiInternals {
  caCertificateDer: Buffer;
  signers: Map<string, SignerMaterial>;
}

const internals = new WeakMap<TestPki, PkiInternals>();

/** Attaches the hidden half to a `TestPki` being returned by `loadOrCreateTestPki`. */
export function registerTestPki(pki: TestPki, hidden: PkiInternals): void {
  internals.set(pki, hidden);
}

/** The hidden half of `pki`; throws {@link UnrecognizedTestPkiError} for an object that was not loaded here. */
export function internalsOf(pki: TestPki): PkiInternals {
  const hidden = internals.get(pki);
  if (!hidden) throw new UnrecognizedTestPkiError();
  return hidden;
}

/** The signing material of one certificate; throws {@link UnknownTestCertificateError} for an unknown ID. */
export function signerOf(pki: TestPki, certificateId: string): SignerMaterial {
  const signer = internalsOf(pki).signers.get(certificateId);
  if (!signer) throw new UnknownTestCertificateError(certificateId);
  return signer;
}
