import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ANA_LIMA_CPF,
  BRUNO_COSTA_CPF,
  loadOrCreateTestPki,
  TestPkiStorageError,
  toCertificateModel,
  toCertificateSummary,
  UnknownTestCertificateError,
  UnrecognizedTestPkiError,
  type TestPki,
} from '../../../src/local-restpki/pki';
import { assertHasEveryProperty, assertMatchesContract } from '../contract';
import { run } from './verifiers';

const pkiModule = require.resolve('../../../src/local-restpki/pki');

let workDir: string;
let dataDir: string;
let pki: TestPki;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'test-pki-'));
  dataDir = join(workDir, 'data');
  pki = await loadOrCreateTestPki(dataDir);
});

after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Writes a certificate to a file for openssl and returns the file's path. */
async function certificateFile(id: string): Promise<string> {
  const path = join(workDir, `${id}.pem`);
  await writeFile(path, pki.find(id)!.certificatePem);
  return path;
}

describe('keeping the test PKI in the data folder', () => {
  test('the first call issues a CA and the four people, in a fixed order', () => {
    assert.deepEqual(
      pki.certificates.map((certificate) => [certificate.id, certificate.kind, certificate.revoked]),
      [
        ['ana-a1', 'A1', false],
        ['bruno-a3', 'A3', false],
        ['carla-a3', 'A3', false],
        ['diego-revoked-a1', 'A1', true],
      ],
    );
    assert.equal(pki.find('bruno-a3')?.cpf, BRUNO_COSTA_CPF);
    assert.equal(pki.find('nobody'), undefined);
  });

  test('a second call loads the same CA, certificates and CRL instead of issuing new ones', async () => {
    const reloaded = await loadOrCreateTestPki(dataDir);

    assert.equal(reloaded.caCertificatePem, pki.caCertificatePem);
    assert.equal(reloaded.crlPath, pki.crlPath);
    assert.deepEqual(
      reloaded.certificates.map((certificate) => certificate.thumbprintSha256),
      pki.certificates.map((certificate) => certificate.thumbprintSha256),
    );
  });

  test('another process loading the same folder, as after a restart, gets the same certificates', async () => {
    const script =
      `require(${JSON.stringify(pkiModule)}).loadOrCreateTestPki(${JSON.stringify(dataDir)})` +
      '.then((pki) => console.log(JSON.stringify(pki.certificates.map((c) => c.thumbprintSha256))));';

    const result = await run(process.execPath, ['--import', 'tsx', '-e', script]);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      JSON.parse(result.stdout),
      pki.certificates.map((certificate) => certificate.thumbprintSha256),
    );
  });

  test('two racing first calls on an empty folder both return the one PKI that was kept, leaving no staging folder', async () => {
    const raceDir = join(workDir, 'race');

    const [first, second] = await Promise.all([loadOrCreateTestPki(raceDir), loadOrCreateTestPki(raceDir)]);

    assert.equal(first.caCertificatePem, second.caCertificatePem);
    assert.equal((await loadOrCreateTestPki(raceDir)).caCertificatePem, first.caCertificatePem);
    assert.deepEqual(await readdir(raceDir), ['pki']);
  });

  test('private keys are stored readable by their owner only', async () => {
    const files = await readdir(join(dataDir, 'pki'));
    const keyFiles = files.filter((file) => file.endsWith('.key.pem'));

    assert.equal(keyFiles.length, 5);
    for (const file of keyFiles) {
      assert.equal((await stat(join(dataDir, 'pki', file))).mode & 0o077, 0, file);
    }
  });

  test('a folder missing a file is reported as incomplete, naming the folder', async () => {
    const brokenDir = join(workDir, 'broken');
    await loadOrCreateTestPki(brokenDir);
    await rm(join(brokenDir, 'pki', 'carla-a3.key.pem'));

    await assert.rejects(loadOrCreateTestPki(brokenDir), (error: unknown) => {
      assert.ok(error instanceof TestPkiStorageError);
      assert.equal(error.pkiDir, join(brokenDir, 'pki'));
      return true;
    });
  });
});

describe('the certificates as openssl reads them', () => {
  test('the CA is a self-signed RSA-2048 certificate authority', async () => {
    const text = (await run('openssl', ['x509', '-in', pki.caCertificatePath, '-noout', '-text'])).stdout;

    assert.match(text, /Public-Key: \(2048 bit\)/);
    assert.match(text, /CA:TRUE/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    const subject = /Subject: (.+)/.exec(text)?.[1];
    assert.equal(/Issuer: (.+)/.exec(text)?.[1], subject);
  });

  test('every person certificate chains to the CA for S/MIME signing', async () => {
    for (const certificate of pki.certificates) {
      const result = await run('openssl', [
        'verify',
        '-CAfile',
        pki.caCertificatePath,
        '-purpose',
        'smimesign',
        await certificateFile(certificate.id),
      ]);
      assert.equal(result.code, 0, `${certificate.id}: ${result.stderr}`);
    }
  });

  test('ana-a1 is named ANA LIMA:CPF, signs with non-repudiation, has the A1 policy and an e-mail address', async () => {
    const text = (await run('openssl', ['x509', '-in', await certificateFile('ana-a1'), '-noout', '-text'])).stdout;

    assert.match(text, new RegExp(`Subject: .*CN = ANA LIMA:${ANA_LIMA_CPF}`));
    assert.match(text, /Key Usage: critical\s+Digital Signature, Non Repudiation/);
    assert.match(text, /Policy: 2\.16\.76\.1\.2\.1\.\d+/);
    assert.match(text, /othername: 2\.16\.76\.1\.3\.1::/);
    assert.match(text, /email:ana\.lima@example\.com/);
    assert.match(text, /Public-Key: \(2048 bit\)/);
  });

  test('an A3 certificate has a policy under the A3 arc', async () => {
    const text = (await run('openssl', ['x509', '-in', await certificateFile('bruno-a3'), '-noout', '-text'])).stdout;

    assert.match(text, /Policy: 2\.16\.76\.1\.2\.3\.\d+/);
    assert.doesNotMatch(text, /Policy: 2\.16\.76\.1\.2\.1\./);
  });

  test('the otherName 2.16.76.1.3.1 holds the birth date and then the CPF, as an OCTET STRING', async () => {
    const der = join(workDir, 'ana.der');
    await run('openssl', ['x509', '-in', await certificateFile('ana-a1'), '-outform', 'DER', '-out', der]);
    const dump = (await run('openssl', ['asn1parse', '-inform', 'DER', '-in', der])).stdout;
    const sanHex = /Subject Alternative Name\n.*\[HEX DUMP\]:([0-9A-F]+)/.exec(dump)?.[1];
    assert.ok(sanHex, 'no subjectAltName in the certificate');

    const nested = (await run('openssl', ['asn1parse', '-inform', 'DER', '-in', await hexFile(sanHex)])).stdout;

    assert.match(nested, /OBJECT\s+:2\.16\.76\.1\.3\.1/);
    assert.match(nested, new RegExp(`OCTET STRING\\s+:14031985${ANA_LIMA_CPF}`));
  });

  test('the CRL is signed by the CA and lists the revoked certificate only', async () => {
    const crl = await run('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      pki.crlPath,
      '-CAfile',
      pki.caCertificatePath,
      '-noout',
      '-text',
    ]);
    const serialOf = async (id: string): Promise<string> =>
      (await run('openssl', ['x509', '-in', await certificateFile(id), '-noout', '-serial'])).stdout
        .trim()
        .replace('serial=', '');

    assert.match(crl.stderr + crl.stdout, /verify OK/);
    assert.match(crl.stdout, new RegExp(`Serial Number: ${await serialOf('diego-revoked-a1')}`));
    for (const id of ['ana-a1', 'bruno-a3', 'carla-a3']) {
      assert.doesNotMatch(crl.stdout, new RegExp(await serialOf(id)), id);
    }
  });
});

describe('certificate models for the contract', () => {
  test('the model of an A1 certificate gives type A1, the punctuated CPF, the NAME:CPF common name and holder data', () => {
    const model = toCertificateModel(pki, 'ana-a1');

    assert.equal(model.subjectCommonName, `ANA LIMA:${ANA_LIMA_CPF}`);
    assert.equal(model.subjectName.commonName, `ANA LIMA:${ANA_LIMA_CPF}`);
    assert.equal(model.subjectDisplayName, 'ANA LIMA');
    assert.equal(model.subjectIdentifier, ANA_LIMA_CPF);
    assert.equal(model.emailAddress, 'ana.lima@example.com');
    assert.deepEqual(model.pkiBrazil, {
      certificateType: 'A1',
      cpf: '123.456.789-09',
      cnpj: null,
      responsavel: null,
      dateOfBirth: '1985-03-14',
      companyName: null,
      oabUF: null,
      oabNumero: null,
      rgEmissor: 'SSP',
      rgEmissorUF: 'SP',
      rgNumero: '234567890',
    });
  });

  test('the models of the A3 certificates give type A3, and fields a certificate lacks are null', () => {
    const bruno = toCertificateModel(pki, 'bruno-a3');
    const carla = toCertificateModel(pki, 'carla-a3');

    assert.equal(bruno.pkiBrazil.certificateType, 'A3');
    assert.equal(bruno.pkiBrazil.cpf, '034.521.876-08');
    assert.equal(carla.pkiBrazil.certificateType, 'A3');
    assert.equal(carla.pkiBrazil.rgNumero, null);
    assert.equal(carla.pkiBrazil.rgEmissor, null);
    assert.equal(carla.organization, null);
  });

  test('the model carries the CA as issuer and the thumbprints of the DER certificate', () => {
    const model = toCertificateModel(pki, 'diego-revoked-a1');
    const certificate = pki.find('diego-revoked-a1')!;

    assert.equal(model.thumbprintSHA256, certificate.thumbprintSha256);
    assert.equal(Buffer.from(model.binaryThumbprintSHA256!, 'base64').toString('hex'), certificate.thumbprintSha256);
    assert.equal(model.issuerDisplayName, 'AC TESTE SIGNATURE-SESSIONS');
    assert.equal(model.issuer?.subjectCommonName, 'AC TESTE SIGNATURE-SESSIONS');
    assert.equal(model.issuer?.issuer, null);
    assert.equal(model.issuer?.pkiBrazil.certificateType, 'Unknown');
    assert.deepEqual(model.subjectName.allValues?.['2.5.4.11'], [
      'AC TESTE SIGNATURE-SESSIONS',
      'Certificado PF A1',
      'Presencial',
    ]);
    assert.match(model.subjectName.dnString ?? '', /^CN=DIEGO ALVES:\d{11}, OU=Presencial, .*, C=BR$/);
  });

  test('models and summaries have every contract property and match the contract schemas', () => {
    for (const certificate of pki.certificates) {
      const model = toCertificateModel(pki, certificate.id);
      assertMatchesContract('CertificateModel', model);
      assertHasEveryProperty('CertificateModel', model);
      assertHasEveryProperty('CertificateModel', model.issuer);
      assertHasEveryProperty('NameModel', model.subjectName);
      assertHasEveryProperty('PkiBrazilCertificateModel', model.pkiBrazil);
      assertHasEveryProperty('PkiItalyCertificateModel', model.pkiItaly);

      const summary = toCertificateSummary(pki, certificate.id);
      assertMatchesContract('CertificateSummary', summary);
      assertHasEveryProperty('CertificateSummary', summary);
      assert.equal(summary.subjectIdentifier, certificate.cpf);
    }
  });

  test('each call returns a new copy, so a caller changing one cannot change the next', () => {
    const first = toCertificateModel(pki, 'ana-a1');
    first.pkiBrazil.cpf = 'changed';

    assert.equal(toCertificateModel(pki, 'ana-a1').pkiBrazil.cpf, '123.456.789-09');
  });

  test('an unknown certificate ID and a copied TestPki are refused with named errors', () => {
    assert.throws(() => toCertificateModel(pki, 'nobody'), UnknownTestCertificateError);
    assert.throws(() => toCertificateSummary({ ...pki }, 'ana-a1'), UnrecognizedTestPkiError);
  });
});

async function hexFile(hex: string): Promise<string> {
  const path = join(workDir, `${hex.length}-${Date.now()}.der`);
  await writeFile(path, Buffer.from(hex, 'hex'));
  return path;
}
