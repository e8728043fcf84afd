import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestRestPki, type TestRestPki } from '../helpers/local-restpki';
import { signAsUser } from '../helpers/signing-page';
import { createSession, download, getSession, inlineDocument, samplePdf, sampleXml } from './support';

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('signed files, downloaded through their URLs without the API key, verify with standard tools', () => {
  let service: TestRestPki;
  let work: string;
  const signed = new Map<string, Buffer>();
  const originals: Record<'pdf' | 'xml' | 'text', Buffer> = {
    pdf: Buffer.alloc(0),
    xml: sampleXml('Verified terms'),
    text: Buffer.from('Annex to verify.\n'),
  };

  before(async () => {
    service = await startTestRestPki();
    work = await mkdtemp(join(tmpdir(), 'local-restpki-verify-'));
    originals.pdf = await samplePdf('Verified contract');
    const { sessionId, redirectUrl } = await createSession(service, {
      documents: [
        inlineDocument('contract.pdf', originals.pdf),
        inlineDocument('terms.xml', originals.xml),
        inlineDocument('annex.txt', originals.text),
      ],
    });
    await signAsUser(redirectUrl, 'carla-a3');
    for (const document of (await getSession(service, sessionId)).documents ?? []) {
      const file = await download(document.signedFile!.url!);
      assert.equal(file.status, 200);
      signed.set(document.signatureType, file.bytes);
    }
  });
  after(async () => {
    await service?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the PDF carries a PAdES signature that pdfsig reports valid, by the chosen signer', async () => {
    const path = join(work, 'contract-signed.pdf');
    await writeFile(path, signed.get('Pdf')!);

    // pdfsig's exit code says little; its report is what counts.
    const { output } = run('pdfsig', [path]);

    assert.match(output, /Signature #1/);
    assert.match(output, /Signature Validation: Signature is Valid\./);
    assert.match(output, /CARLA SOUZA/);
    assert.doesNotMatch(output, /Signature #2/);
  });

  test('the CMS signature of the text file verifies with openssl against the original and the test CA', async () => {
    const signature = join(work, 'annex.txt.p7s');
    const content = join(work, 'annex.txt');
    await writeFile(signature, signed.get('Cms')!);
    await writeFile(content, originals.text);

    const verified = run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      signature,
      '-content',
      content,
      '-CAfile',
      service.pki.caCertificatePath,
      '-out',
      '/dev/null',
    ]);
    await writeFile(content, 'Tampered annex.\n');
    const tampered = run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      signature,
      '-content',
      content,
      '-CAfile',
      service.pki.caCertificatePath,
      '-out',
      '/dev/null',
    ]);

    assert.equal(verified.status, 0, verified.output);
    assert.match(verified.output, /Verification successful/);
    assert.notEqual(tampered.status, 0, 'a changed original no longer verifies');
  });

  test('the XML carries an enveloped XMLDSig that xmlsec1 verifies against the test CA', async () => {
    const path = join(work, 'terms-signed.xml');
    await writeFile(path, signed.get('Xml')!);

    const { status, output } = run('xmlsec1', ['--verify', '--trusted-pem', service.pki.caCertificatePath, path]);

    assert.equal(status, 0, output);
    assert.match(output, /^OK/m);
    assert.match(signed.get('Xml')!.toString('utf8'), /<subject>Verified terms<\/subject>/);
  });
});
