import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestRestPki, type TestRestPki } from '../helpers/local-restpki';
import {
  CertificateNotSelectableError,
  FormNotOnPageError,
  cancelAsUser,
  forgeSignPost,
  openSigningPage,
  signAsUser,
  uploadAsUser,
} from '../helpers/signing-page';
import {
  createSession,
  download,
  getDocument,
  getSession,
  inlineDocument,
  samplePdf,
  startFakeApplication,
  type FakeApplication,
} from './support';

const aDocument = [inlineDocument('contract.txt', Buffer.from('The contract.\n'))];

describe('the signing page', () => {
  let service: TestRestPki;
  before(async () => {
    service = await startTestRestPki();
  });
  after(async () => {
    await service?.close();
  });

  test('lists each document with a link that shows the original without the API key, and every test certificate', async () => {
    const pdf = await samplePdf();
    const { redirectUrl } = await createSession(service, { documents: [inlineDocument('contract.pdf', pdf)] });

    const page = await openSigningPage(redirectUrl);
    const view = await download(page.documents[0]!.viewUrl!);

    assert.equal(page.status, 200);
    assert.match(page.html, /<meta name="viewport" content="width=device-width, initial-scale=1"/);
    assert.doesNotMatch(page.html, /<script/, 'the signing view needs no JavaScript');
    assert.deepEqual(
      page.documents.map((document) => document.name),
      ['contract.pdf'],
    );
    assert.deepEqual(view.bytes, pdf);
    assert.equal(view.headers.get('content-type'), 'application/pdf');
    assert.deepEqual(
      page.certificates.map((certificate) => [certificate.id, certificate.selectable]),
      service.pki.certificates.map((certificate) => [certificate.id, true]),
    );
    assert.ok(page.signEnabled);
  });

  test('a certificate without a crypto device is shown disabled with the reason when the session requires one', async () => {
    const { redirectUrl } = await createSession(service, {
      documents: aDocument,
      certificateRequirements: [{ type: 'CryptoDevice' }],
    });

    const page = await openSigningPage(redirectUrl);

    const ana = page.certificates.find((certificate) => certificate.id === 'ana-a1');
    const bruno = page.certificates.find((certificate) => certificate.id === 'bruno-a3');
    assert.deepEqual([ana?.selectable, ana?.refusal], [false, 'requires a crypto device (A3)']);
    assert.deepEqual([bruno?.selectable, bruno?.refusal], [true, null]);
    await assert.rejects(signAsUser(redirectUrl, 'ana-a1'), CertificateNotSelectableError);
  });

  test('a Cpf requirement (punctuated, with a leading zero) leaves only that person selectable, the others showing the masked CPF', async () => {
    const bruno = service.pki.find('bruno-a3')!;
    const punctuated = `${bruno.cpf.slice(0, 3)}.${bruno.cpf.slice(3, 6)}.${bruno.cpf.slice(6, 9)}-${bruno.cpf.slice(9)}`;
    const { redirectUrl } = await createSession(service, {
      documents: aDocument,
      certificateRequirements: [{ type: 'Cpf', argument: punctuated }],
    });

    const page = await openSigningPage(redirectUrl);

    const masked = `***.***.*${bruno.cpf.slice(7, 9)}-${bruno.cpf.slice(9)}`;
    assert.match(bruno.cpf, /^0/);
    for (const certificate of page.certificates) {
      if (certificate.id === 'bruno-a3') assert.equal(certificate.selectable, true);
      else assert.deepEqual([certificate.selectable, certificate.refusal], [false, `requires CPF ${masked}`]);
    }
    assert.doesNotMatch(page.html, new RegExp(bruno.cpf), 'the full CPF is never shown');
  });

  test('a forged post with a refused certificate is refused and the session stays Pending', async () => {
    const { sessionId, redirectUrl } = await createSession(service, {
      documents: aDocument,
      certificateRequirements: [{ type: 'CryptoDevice' }],
    });

    const refused = await forgeSignPost(redirectUrl, 'ana-a1');
    const unknown = await forgeSignPost(redirectUrl, 'zeca-a1');

    assert.equal(refused.status, 422);
    assert.equal(refused.location, null);
    assert.match(refused.page?.error ?? '', /requires a crypto device/);
    assert.equal(unknown.status, 422);
    assert.equal((await getSession(service, sessionId)).status, 'Pending');
  });

  test('without a returnUrl the user lands on a page that says the documents were signed, offers them, and closes itself', async () => {
    const { redirectUrl, sessionId } = await createSession(service, { documents: aDocument });

    const { location } = await signAsUser(redirectUrl, 'ana-a1');
    const done = await openSigningPage(location!);
    const signedLink = /<a href="([^"]+)"[^>]*data-file-link="signed"/.exec(done.html)?.[1]?.replace(/&amp;/g, '&');

    assert.equal(done.status, 200);
    assert.equal(done.endingStatus, 'Completed');
    assert.match(done.html, /The documents were signed/);
    assert.match(done.html, /You can close this window/);
    assert.match(done.html, /<script>window\.close\(\);<\/script>/);
    assert.ok(signedLink, 'the done page links the signed file');
    assert.equal((await download(signedLink)).status, 200);
    assert.equal((await getSession(service, sessionId)).status, 'Completed');
  });

  test('with disableDownloads the done page offers no signed file, while the API still gives its URL', async () => {
    const { redirectUrl, sessionId } = await createSession(service, { documents: aDocument, disableDownloads: true });

    const { location } = await signAsUser(redirectUrl, 'ana-a1');
    const done = await openSigningPage(location!);
    const document = await getDocument(service, (await getSession(service, sessionId)).documents![0]!.id);

    assert.equal(done.endingStatus, 'Completed');
    assert.doesNotMatch(done.html, /data-file-link/);
    assert.doesNotMatch(done.html, /\/files\//);
    assert.equal((await download(document.signedFile!.url!)).status, 200);
  });

  test('after the session ended the page shows how, and signing again is refused with 409', async () => {
    const { redirectUrl } = await createSession(service, { documents: aDocument });
    await cancelAsUser(redirectUrl);

    const page = await openSigningPage(redirectUrl);
    const postedAnyway = await fetch(`${redirectUrl}/sign`, {
      method: 'POST',
      body: new URLSearchParams({ certificateId: 'ana-a1' }),
      redirect: 'manual',
    });

    assert.equal(page.endingStatus, 'UserCancelled');
    assert.equal(page.forms.length, 0);
    await assert.rejects(signAsUser(redirectUrl, 'ana-a1'), FormNotOnPageError);
    assert.equal(postedAnyway.status, 409);
  });

  test('a page URL with a wrong token is not found', async () => {
    const { redirectUrl } = await createSession(service, { documents: aDocument });
    const other = await createSession(service, { documents: aDocument });
    const token = redirectUrl.split('/').pop()!;

    const wrongToken = await openSigningPage(redirectUrl.replace(token, 'A'.repeat(token.length)));
    const tokenOfAnotherSession = await openSigningPage(
      other.redirectUrl.replace(other.redirectUrl.split('/').pop()!, token),
    );

    assert.equal(wrongToken.status, 404);
    assert.equal(tokenOfAnotherSession.status, 404);
  });
});

describe('uploading documents on the signing page', () => {
  let service: TestRestPki;
  let application: FakeApplication;
  before(async () => {
    application = await startFakeApplication();
    application.answerWith((request) => {
      const { name } = request.json() as { name: string };
      return name.includes('virus')
        ? { status: 202, json: { accept: false, rejectReason: 'Infected files are not accepted.' } }
        : { status: 202, json: { accept: true, rejectReason: null } };
    });
    service = await startTestRestPki({
      uploadFileNamePattern: '^[\\w -]+\\.(pdf|txt|xml)$',
      fileValidationUrl: `${application.url}/validate`,
      maxFileBytes: 64 * 1024,
    });
  });
  after(async () => {
    await service?.close();
    await application?.close();
  });

  test('without documents Sign is disabled, and signing anyway is refused', async () => {
    const { redirectUrl, sessionId } = await createSession(service, {});

    const page = await openSigningPage(redirectUrl);
    const forced = await forgeSignPost(redirectUrl, 'ana-a1');

    assert.equal(page.signEnabled, false);
    assert.ok(page.forms.some((form) => form.id === 'upload-form'));
    assert.equal(forced.status, 422);
    assert.match(forced.page?.error ?? '', /at least one document/);
    assert.equal((await getSession(service, sessionId)).status, 'Pending');
  });

  test('files are checked by name pattern and validation endpoint; rejected ones show why and accepted ones stay', async () => {
    const { redirectUrl, sessionId } = await createSession(service, { documentMetadata: { origin: ['upload'] } });
    const content = Buffer.from('Uploaded by the user.\n');

    const accepted = await uploadAsUser(redirectUrl, {
      name: 'statement.txt',
      contentType: 'text/plain',
      bytes: content,
    });
    const badName = await uploadAsUser(redirectUrl, {
      name: 'script.exe',
      contentType: 'application/x-msdownload',
      bytes: content,
    });
    const badContent = await uploadAsUser(redirectUrl, {
      name: 'virus.pdf',
      contentType: 'application/pdf',
      bytes: content,
    });
    const page = await openSigningPage(redirectUrl);

    assert.deepEqual([accepted.accepted, accepted.rejectReason], [true, null]);
    assert.equal(badName.accepted, false);
    assert.match(badName.rejectReason ?? '', /name is not allowed/);
    assert.deepEqual([badContent.accepted, badContent.rejectReason], [false, 'Infected files are not accepted.']);
    assert.deepEqual(
      page.documents.map((document) => document.name),
      ['statement.txt'],
    );
    assert.ok(page.signEnabled);
    const asked = application.received
      .filter((request) => request.url === '/validate')
      .map((request) => request.json());
    assert.deepEqual(asked.slice(-2), [
      { name: 'statement.txt', contentType: 'text/plain', length: content.length },
      { name: 'virus.pdf', contentType: 'application/pdf', length: content.length },
    ]);

    await signAsUser(redirectUrl, 'carla-a3');
    const session = await getSession(service, sessionId);
    const document = await getDocument(service, session.documents![0]!.id);
    assert.equal(session.status, 'Completed');
    assert.equal(session.documents?.length, 1);
    assert.deepEqual(document.metadata, { origin: ['upload'] });
    assert.deepEqual((await download(document.originalFile!.url!)).bytes, content);
  });

  test('several files in one upload each get their own verdict', async () => {
    const { redirectUrl } = await createSession(service, {});

    const result = await uploadAsUser(redirectUrl, [
      { name: 'one.txt', contentType: 'text/plain', bytes: Buffer.from('1') },
      { name: 'two.exe', contentType: 'application/octet-stream', bytes: Buffer.from('2') },
      { name: 'three.xml', contentType: 'application/xml', bytes: Buffer.from('<three/>') },
    ]);

    assert.deepEqual(
      result.results.map((upload) => [upload.name, upload.accepted]),
      [
        ['one.txt', true],
        ['two.exe', false],
        ['three.xml', true],
      ],
    );
    assert.equal(result.page.documents.length, 2);
  });

  test('a file over the size limit is rejected with its reason', async () => {
    const { redirectUrl } = await createSession(service, {});

    const result = await uploadAsUser(redirectUrl, {
      name: 'large.pdf',
      contentType: 'application/pdf',
      bytes: Buffer.alloc(65 * 1024),
    });

    assert.equal(result.accepted, false);
    assert.match(result.rejectReason ?? '', /larger than/);
    assert.equal(result.page.documents.length, 0);
  });

  test('when the validation endpoint fails the file is rejected', async () => {
    const failing = await startTestRestPki({ fileValidationUrl: `${application.url}/broken` });
    application.answerWith((request) =>
      request.url === '/broken'
        ? { status: 500, text: 'oops' }
        : { status: 202, json: { accept: true, rejectReason: null } },
    );
    try {
      const { redirectUrl } = await createSession(failing, {});

      const result = await uploadAsUser(redirectUrl, {
        name: 'a.txt',
        contentType: 'text/plain',
        bytes: Buffer.from('a'),
      });

      assert.equal(result.accepted, false);
      assert.match(result.rejectReason ?? '', /could not be checked/);
    } finally {
      await failing.close();
    }
  });
});
