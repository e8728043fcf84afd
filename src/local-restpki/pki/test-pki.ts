/**
 * Keeping the test PKI in `dataDir/pki/`: issued on first use, read back on every later call, also after a restart,
 * so that signed documents and stored certificate models keep matching the same CA and keys.
 */
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeCertificate } from './certificate-model';
import { TestPkiStorageError } from './errors';
import { issueTestPki } from './issue-test-pki';
import { registerTestPki, type SignerMaterial, type TestCertificate, type TestPki } from './loaded-pki';
import { TEST_PEOPLE } from './people';

/** Files of `dataDir/pki/`: the CA certificate (PEM) and key, its CRL (DER), and `<id>.pem` and `<id>.key.pem` per person. */
const CA_CERTIFICATE_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca.key.pem';
const CRL_FILE = 'ca.crl';
const certificateFile = (id: string): string => `${id}.pem`;
const keyFile = (id: string): string => `${id}.key.pem`;

/**
 * Returns the test PKI kept in `dataDir/pki/`, issuing it first when the folder does not exist. Issuing writes every
 * file into a staging folder that is then renamed to `pki/` in one step: a reader never sees half a PKI, and when two
 * calls race, the first rename wins and the other call loads the winner's PKI. Private keys are stored unencrypted
 * (mode 0600): this CA is for tests only. Throws {@link TestPkiStorageError} when the folder cannot be written or read.
 */
export async function loadOrCreateTestPki(dataDir: string): Promise<TestPki> {
  const root = resolve(dataDir);
  const pkiDir = join(root, 'pki');
  if (!(await exists(pkiDir))) await createTestPki(root, pkiDir);
  return loadTestPki(pkiDir);
}

async function createTestPki(dataDir: string, pkiDir: string): Promise<void> {
  const issued = await issueTestPki();

  let staging: string;
  try {
    await mkdir(dataDir, { recursive: true });
    staging = await mkdtemp(join(dataDir, '.pki-staging-'));
    // mkdtemp makes the folder private; the key files are private by their own mode, the CA and CRL are for anyone.
    await chmod(staging, 0o755);
  } catch (error) {
    throw new TestPkiStorageError(pkiDir, 'cannot create a staging folder for a new test PKI', { cause: error });
  }

  try {
    await writeFile(join(staging, CA_CERTIFICATE_FILE), pem('CERTIFICATE', issued.ca.certificateDer));
    await writeFile(join(staging, CA_KEY_FILE), pem('PRIVATE KEY', issued.ca.privateKeyPkcs8), { mode: 0o600 });
    await writeFile(join(staging, CRL_FILE), issued.crlDer);
    for (const [id, person] of issued.people) {
      await writeFile(join(staging, certificateFile(id)), pem('CERTIFICATE', person.certificateDer));
      await writeFile(join(staging, keyFile(id)), pem('PRIVATE KEY', person.privateKeyPkcs8), { mode: 0o600 });
    }
    await rename(staging, pkiDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const lostTheRace = isErrnoException(error) && (error.code === 'ENOTEMPTY' || error.code === 'EEXIST');
    if (!lostTheRace) throw new TestPkiStorageError(pkiDir, 'cannot write a new test PKI', { cause: error });
  }
}

async function loadTestPki(pkiDir: string): Promise<TestPki> {
  const caCertificatePath = join(pkiDir, CA_CERTIFICATE_FILE);
  const crlPath = join(pkiDir, CRL_FILE);

  let caCertificatePem: string;
  let stored: { id: string; certificatePem: string; keyPem: string }[];
  try {
    caCertificatePem = await readFile(caCertificatePath, 'utf8');
    await stat(crlPath);
    stored = await Promise.all(
      TEST_PEOPLE.map(async ({ id }) => ({
        id,
        certificatePem: await readFile(join(pkiDir, certificateFile(id)), 'utf8'),
        keyPem: await readFile(join(pkiDir, keyFile(id)), 'utf8'),
      })),
    );
  } catch (error) {
    throw new TestPkiStorageError(pkiDir, 'a file is missing or unreadable; delete the folder to issue a new PKI', {
      cause: error,
    });
  }

  const caCertificateDer = decode(pkiDir, CA_CERTIFICATE_FILE, () => new X509Certificate(caCertificatePem).raw);
  const caModel = await describeCertificate(caCertificateDer, null);
  const signers = new Map<string, SignerMaterial>();
  for (const [index, person] of TEST_PEOPLE.entries()) {
    const { certificatePem, keyPem } = stored[index]!;
    const x509 = decode(pkiDir, certificateFile(person.id), () => new X509Certificate(certificatePem));
    const keyObject = decode(pkiDir, keyFile(person.id), () => createPrivateKey(keyPem));
    const certificate: TestCertificate = {
      id: person.id,
      holderName: person.holderName,
      cpf: person.cpf,
      kind: person.kind,
      revoked: person.revoked,
      certificatePem,
      certificateDer: x509.raw,
      thumbprintSha256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    };
    signers.set(person.id, {
      certificate,
      keyObject,
      cryptoKey: await webcrypto.subtle.importKey(
        'pkcs8',
        keyObject.export({ type: 'pkcs8', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      ),
      model: await describeCertificate(x509.raw, caModel),
    });
  }

  const certificates = [...signers.values()].map((signer) => signer.certificate);
  const pki: TestPki = {
    caCertificatePem,
    caCertificatePath,
    crlPath,
    certificates,
    find: (id) => certificates.find((certificate) => certificate.id === id),
  };
  registerTestPki(pki, { caCertificateDer, signers });
  return pki;
}

/** Runs a PEM decoder, turning its failure into a {@link TestPkiStorageError} that names the file. */
function decode<T>(pkiDir: string, file: string, decoder: () => T): T {
  try {
    return decoder();
  } catch (error) {
    throw new TestPkiStorageError(pkiDir, `${file} is not valid PEM; delete the folder to issue a new PKI`, {
      cause: error,
    });
  }
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return false;
    throw new TestPkiStorageError(path, 'cannot tell whether the test PKI exists', { cause: error });
  }
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
