import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import {
  ANA_LIMA_CPF,
  loadOrCreateTestPki,
  signCms,
  signPdf,
  signXml,
  SigningError,
  UnknownTestCertificateError,
  type TestPki,
} from '../../../src/local-restpki/pki';
import {
  createNssTrustDb,
  opensslCmsVerify,
  pdfsig,
  pdfsigSignatures,
  run,
  tamperedCopy,
  xmlsecVerify,
} from './verifiers';

const DOCUMENT_TITLE = 'Contrato de teste';
const XML_DOCUMENT =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<pedido xmlns="urn:exemplo:pedido" numero="42"><item quantidade="1">Contrato de teste</item>' +
  '<observacao>Entrega em São Paulo</observacao></pedido>\n';

let workDir: string;
let nssDir: string;
let pki: TestPki;
let classicPdf: string;
let xrefStreamPdf: string;

/** A path in this file's temporary folder. */
const path = (name: string): string => join(workDir, name);

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'pki-signers-'));
  pki = await loadOrCreateTestPki(path('data'));
  nssDir = path('nss');
  await createNssTrustDb(nssDir, pki.caCertificatePath);

  const document = await PDFDocument.create();
  document.setTitle(DOCUMENT_TITLE);
  const page = document.addPage();
  page.drawText('Contrato de teste: as partes concordam.', {
    x: 50,
    y: 700,
    font: await document.embedFont(StandardFonts.Helvetica),
  });
  classicPdf = path('classic.pdf');
  xrefStreamPdf = path('xref-stream.pdf');
  await writeFile(classicPdf, await document.save({ useObjectStreams: false }));
  await writeFile(xrefStreamPdf, await document.save({ useObjectStreams: true }));
});

after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('PAdES signatures', () => {
  test('a PDF signed by ana-a1 is valid, trusted through the test CA and covers the whole file, per pdfsig', async () => {
    await signPdf(pki, 'ana-a1', classicPdf, path('classic-signed.pdf'), { reason: 'Concordo com o contrato' });

    const report = await pdfsig(path('classic-signed.pdf'), nssDir);

    const signatures = pdfsigSignatures(report);
    assert.equal(signatures.length, 1, report);
    assert.match(signatures[0]!, new RegExp(`Signer Certificate Common Name: ANA LIMA:${ANA_LIMA_CPF}`));
    assert.match(signatures[0]!, /Signature Type: ETSI\.CAdES\.detached/);
    assert.match(signatures[0]!, /Signing Hash Algorithm: SHA-256/);
    assert.match(signatures[0]!, /Total document signed/);
    assert.match(signatures[0]!, /Signature Validation: Signature is Valid\./);
    assert.match(signatures[0]!, /Certificate Validation: Certificate is Trusted\./);
  });

  test('the signature is an incremental update: the original bytes are kept unchanged at the start', async () => {
    const original = await readFile(classicPdf);
    const signed = await readFile(path('classic-signed.pdf'));

    assert.ok(signed.length > original.length);
    assert.ok(signed.subarray(0, original.length).equals(original));
  });

  test('the embedded CMS signs message-digest and signing-certificate-v2 and leaves signing-time to the PDF', async () => {
    const signed = (await readFile(path('classic-signed.pdf'))).toString('latin1');
    const contents = /\/Contents <([0-9A-F]+)>/.exec(signed)?.[1];
    assert.ok(contents, 'no /Contents in the signed PDF');
    const der = Buffer.from(contents, 'hex');
    // The placeholder is zero-filled past the DER; its own length says where it ends.
    await writeFile(path('pades.der'), der.subarray(0, 4 + der.readUInt16BE(2)));

    const printed = (await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path('pades.der')]))
      .stdout;

    assert.match(printed, /object: messageDigest/);
    assert.match(printed, /object: id-smime-aa-signingCertificateV2/);
    assert.match(printed, /object: contentType/);
    assert.doesNotMatch(printed, /object: signingTime/);
    assert.match(printed, /eContent: <ABSENT>/);
    assert.match(signed, /\/M \(D:\d{14}\+00'00'\)/);
    assert.ok(signed.includes(`/Reason <${utf16Hex('Concordo com o contrato')}>`));
  });

  test('a PDF with a cross-reference stream signed by two people keeps both signatures valid', async () => {
    await signPdf(pki, 'ana-a1', xrefStreamPdf, path('twice-1.pdf'));
    await signPdf(pki, 'bruno-a3', path('twice-1.pdf'), path('twice-2.pdf'));

    const report = await pdfsig(path('twice-2.pdf'), nssDir);

    const [first, second] = pdfsigSignatures(report);
    assert.ok(first && second, report);
    assert.match(first, /Common Name: ANA LIMA:/);
    assert.match(first, /Not total document signed/);
    assert.match(second, /Common Name: BRUNO COSTA:/);
    assert.match(second, /Total document signed/);
    for (const signature of [first, second]) {
      assert.match(signature, /Signature Validation: Signature is Valid\./);
      assert.match(signature, /Certificate Validation: Certificate is Trusted\./);
    }
    assert.doesNotMatch(report, /Syntax Error/);
  });

  test('a PDF that already has a form keeps its fields and gains the signature field next to them', async () => {
    const document = await PDFDocument.create();
    document.addPage();
    document.getForm().createTextField('nome').addToPage(document.getPage(0), { x: 50, y: 600 });
    await writeFile(path('form.pdf'), await document.save());

    await signPdf(pki, 'carla-a3', path('form.pdf'), path('form-signed.pdf'));

    const signed = await PDFDocument.load(await readFile(path('form-signed.pdf')));
    const fields = signed.getForm().getFields();
    assert.deepEqual(
      fields.map((field) => field.getName()),
      ['nome', 'Signature1'],
    );
    assert.equal(signed.getPage(0).node.Annots()?.size(), 2);
    assert.match(await pdfsig(path('form-signed.pdf'), nssDir), /Signature Validation: Signature is Valid\./);
  });

  test('changing one signed byte (a letter of the title) makes pdfsig report the signature broken', async () => {
    const signed = await readFile(path('classic-signed.pdf'));
    const title = signed.indexOf(`<${utf16Hex(DOCUMENT_TITLE)}>`, 0, 'latin1');
    assert.ok(title > 0, 'the title is not in the file');
    // In UTF-16BE hex, "C" is 0043: turning its last digit into 4 makes it "D".
    await tamperedCopy(path('classic-signed.pdf'), path('classic-tampered.pdf'), title + 8, '4');

    const report = await pdfsig(path('classic-tampered.pdf'), nssDir);

    assert.match(report, /Signature Validation: Digest Mismatch\./);
    assert.doesNotMatch(report, /Signature is Valid/);
  });

  test('a file that is not a PDF is refused with a SigningError and leaves no output behind', async () => {
    await writeFile(path('not-a.pdf'), 'plain text, not a PDF');

    await assert.rejects(signPdf(pki, 'ana-a1', path('not-a.pdf'), path('not-a-signed.pdf')), (error: unknown) => {
      assert.ok(error instanceof SigningError);
      assert.equal(error.signatureType, 'Pdf');
      assert.equal(error.inputPath, path('not-a.pdf'));
      assert.doesNotMatch(error.message, /plain text/);
      return true;
    });
    assert.ok(!(await readdir(workDir)).some((name) => name.startsWith('not-a-signed') || name.includes('.tmp')));
  });

  test('an unknown certificate ID is refused before anything is read', async () => {
    await assert.rejects(signPdf(pki, 'nobody', classicPdf, path('nobody.pdf')), UnknownTestCertificateError);
  });
});

describe('detached CMS signatures', () => {
  let content: string;

  before(async () => {
    content = path('content.bin');
    // Larger than any single read, so the streamed hash spans many chunks.
    await writeFile(content, randomBytes(3 * 1024 * 1024 + 17));
  });

  test('a .p7s by carla-a3 verifies with openssl cms against the test CA alone', async () => {
    await signCms(pki, 'carla-a3', content, path('content.p7s'));

    const result = await opensslCmsVerify(content, path('content.p7s'), pki.caCertificatePath);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Verification successful/);
  });

  test('the .p7s is detached and signs signing-time, message-digest and signing-certificate-v2', async () => {
    const printed = (await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path('content.p7s')]))
      .stdout;

    assert.match(printed, /eContent: <ABSENT>/);
    assert.match(printed, /object: signingTime/);
    assert.match(printed, /object: messageDigest/);
    assert.match(printed, /object: id-smime-aa-signingCertificateV2/);
  });

  test('changing one byte of the content makes openssl cms -verify fail', async () => {
    await tamperedCopy(content, path('content-tampered.bin'), 1024, 'x');

    const result = await opensslCmsVerify(path('content-tampered.bin'), path('content.p7s'), pki.caCertificatePath);

    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Verification failure/);
  });

  test("a signature by the revoked certificate fails openssl's CRL check while one by ana-a1 passes it", async () => {
    // openssl cms reads CRLs from the trust file: the CA and its CRL go in one PEM file.
    const crl = await run('openssl', ['crl', '-inform', 'DER', '-in', pki.crlPath]);
    const caWithCrl = path('ca-with-crl.pem');
    await writeFile(caWithCrl, `${pki.caCertificatePem}${crl.stdout}`);
    await signCms(pki, 'diego-revoked-a1', content, path('revoked.p7s'));
    await signCms(pki, 'ana-a1', content, path('ana.p7s'));

    const revoked = await opensslCmsVerify(content, path('revoked.p7s'), caWithCrl, ['-crl_check']);
    const valid = await opensslCmsVerify(content, path('ana.p7s'), caWithCrl, ['-crl_check']);

    assert.notEqual(revoked.code, 0);
    assert.match(revoked.stderr, /certificate revoked/);
    assert.equal(valid.code, 0, valid.stderr);
  });

  test('an input that cannot be read is refused with a SigningError naming it', async () => {
    await assert.rejects(signCms(pki, 'ana-a1', path('missing.bin'), path('missing.p7s')), (error: unknown) => {
      assert.ok(error instanceof SigningError);
      assert.equal(error.signatureType, 'Cms');
      assert.equal(error.certificateId, 'ana-a1');
      return true;
    });
  });
});

describe('enveloped XML signatures', () => {
  before(async () => {
    await writeFile(path('pedido.xml'), XML_DOCUMENT);
  });

  test('an XML signed by bruno-a3 verifies with xmlsec1 against the test CA alone', async () => {
    await signXml(pki, 'bruno-a3', path('pedido.xml'), path('pedido-signed.xml'));

    const result = await xmlsecVerify(path('pedido-signed.xml'), pki.caCertificatePath);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^OK$/m);
  });

  test('the signature is enveloped, RSA-SHA256 over exclusive c14n, with the certificate in KeyInfo', async () => {
    const signed = await readFile(path('pedido-signed.xml'), 'utf8');
    const certificateBase64 = pki.find('bruno-a3')!.certificateDer.toString('base64');

    assert.ok(signed.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<pedido xmlns="urn:exemplo:pedido"'));
    assert.match(signed, /<Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">.*<\/Signature><\/pedido>/s);
    assert.match(signed, /<Reference URI="">/);
    assert.match(signed, /Algorithm="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#enveloped-signature"/);
    assert.match(signed, /<CanonicalizationMethod Algorithm="http:\/\/www\.w3\.org\/2001\/10\/xml-exc-c14n#"\/>/);
    assert.match(signed, /<SignatureMethod Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha256"\/>/);
    assert.ok(signed.includes(`<X509Certificate>${certificateBase64}</X509Certificate>`));
  });

  test('changing one byte of the signed content makes xmlsec1 fail', async () => {
    const signed = await readFile(path('pedido-signed.xml'));
    await tamperedCopy(path('pedido-signed.xml'), path('pedido-tampered.xml'), signed.indexOf('numero="42"') + 8, '7');

    const result = await xmlsecVerify(path('pedido-tampered.xml'), pki.caCertificatePath);

    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /FAIL/);
  });

  test('a document that is not well-formed XML is refused with a SigningError instead of being repaired', async () => {
    await writeFile(path('broken.xml'), '<pedido><item></pedido>');

    await assert.rejects(signXml(pki, 'ana-a1', path('broken.xml'), path('broken-signed.xml')), (error: unknown) => {
      assert.ok(error instanceof SigningError);
      assert.equal(error.signatureType, 'Xml');
      assert.doesNotMatch(String(error.cause), /pedido|item/);
      return true;
    });
  });
});

/** The digits of the PDF hex string pdf-lib writes for a text: UTF-16BE after a byte order mark, uppercase. */
function utf16Hex(text: string): string {
  return `FEFF${Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase()}`;
}
