/** The errors of the test PKI. Messages name paths and certificate IDs, never key material or document contents. */

/** Thrown when `dataDir/pki/` cannot be written, or holds a test PKI that cannot be read back whole. */
export class TestPkiStorageError extends Error {
  constructor(
    readonly pkiDir: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Test PKI in ${pkiDir}: ${problem}`, options);
    this.name = 'TestPkiStorageError';
  }
}

/** Thrown when a certificate ID names none of the test PKI's certificates. */
export class UnknownTestCertificateError extends Error {
  constructor(readonly certificateId: string) {
    super(`No test certificate with ID ${JSON.stringify(certificateId)}`);
    this.name = 'UnknownTestCertificateError';
  }
}

/** Thrown when a `TestPki` did not come from `loadOrCreateTestPki` (a copy or a hand-made object has no keys). */
export class UnrecognizedTestPkiError extends Error {
  constructor() {
    super('This TestPki was not returned by loadOrCreateTestPki; pass that object itself, not a copy');
    this.name = 'UnrecognizedTestPkiError';
  }
}

/** Thrown when a document cannot be signed: the input is unreadable or not of the expected format, or the output cannot be written. */
export class SigningError extends Error {
  constructor(
    readonly signatureType: 'Pdf' | 'Cms' | 'Xml',
    readonly certificateId: string,
    readonly inputPath: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot make a ${signatureType} signature of ${inputPath} with ${certificateId}: ${problem}`, options);
    this.name = 'SigningError';
  }
}
