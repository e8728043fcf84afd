import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestRestPki, type TestRestPki } from '../helpers/local-restpki';
import { cancelAsUser, signAsUser } from '../helpers/signing-page';
import {
  callApi,
  createSession,
  download,
  getDocument,
  getSession,
  inlineDocument,
  readError,
  readModel,
  samplePdf,
  sampleXml,
  startFakeApplication,
  type DocumentModel,
  type FakeApplication,
  type FileModel,
  type SignerSummary,
} from './support';

function assertFileModel(file: FileModel | null, expected: { name: string; mimeType: string; length?: number }): void {
  assert.ok(file, `expected a file named ${expected.name}`);
  assert.equal(file.name, expected.name);
  assert.equal(file.mimeType, expected.mimeType);
  assert.equal(file.contentType, file.mimeType, 'contentType repeats mimeType');
  assert.equal(file.location, file.url, 'location repeats url');
  assert.equal(file.content, null);
  assert.equal(file.blobToken, null);
  assert.match(file.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/files\//);
  if (expected.length !== undefined) assert.equal(file.length, expected.length);
}

describe('signature sessions and documents', () => {
  let service: TestRestPki;
  let application: FakeApplication;
  before(async () => {
    service = await startTestRestPki();
    application = await startFakeApplication();
  });
  after(async () => {
    await service?.close();
    await application?.close();
  });

  test('a new session is Pending, echoes its callbackArgument and lists its documents with every property', async () => {
    const pdf = await samplePdf();
    const { sessionId } = await createSession(service, {
      callbackArgument: 'order-42',
      documents: [
        inlineDocument('contract.pdf', pdf),
        inlineDocument('terms.xml', sampleXml()),
        inlineDocument('annex.txt', Buffer.from('Annex\n')),
        inlineDocument('report.pdf', pdf, { signatureType: 'Cms' }),
      ],
    });

    const session = await getSession(service, sessionId);

    assert.equal(session.id, sessionId);
    assert.equal(session.status, 'Pending');
    assert.equal(session.callbackArgument, 'order-42');
    assert.equal(session.processingErrorCode, null);
    assert.equal(session.signerCertificate, null);
    const documents = session.documents ?? [];
    assert.deepEqual(
      documents.map((document) => [document.status, document.signatureType]),
      [
        ['PendingSignature', 'Pdf'],
        ['PendingSignature', 'Xml'],
        ['PendingSignature', 'Cms'],
        ['PendingSignature', 'Cms'],
      ],
    );
    assertFileModel(documents[0]!.originalFile, {
      name: 'contract.pdf',
      mimeType: 'application/pdf',
      length: pdf.length,
    });
    assertFileModel(documents[1]!.originalFile, { name: 'terms.xml', mimeType: 'application/xml' });
    for (const document of documents) {
      assert.equal(document.signedFile, null);
      assert.equal(document.markedFile, null);
      assert.equal(document.dateSigned, null);
      assert.match(document.key ?? '', /^[2-9A-Z]{16}$/);
      assert.equal(document.formattedKey, document.key?.match(/.{4}/g)?.join('-'));
    }
  });

  test('a document given by URL is downloaded by the service, named after the URL path', async () => {
    const pdf = await samplePdf('Downloaded');
    application.answerWith(() => ({ status: 200, body: pdf, contentType: 'application/pdf' }));
    const { sessionId } = await createSession(service, {
      documents: [{ file: { url: `${application.url}/files/lease.pdf?token=secret` } }],
    });

    const [document] = (await getSession(service, sessionId)).documents ?? [];

    assertFileModel(document!.originalFile, { name: 'lease.pdf', mimeType: 'application/pdf', length: pdf.length });
    assert.equal(document!.signatureType, 'Pdf');
    assert.deepEqual((await download(document!.originalFile!.url!)).bytes, pdf);
  });

  test('a document URL that answers an error is refused with 422 naming the document', async () => {
    application.answerWith(() => ({ status: 404, text: 'gone' }));
    const answer = await callApi(service, 'POST', '/api/signature-sessions', {
      body: {
        documents: [inlineDocument('a.txt', Buffer.from('a')), { file: { url: `${application.url}/missing.pdf` } }],
      },
    });

    const error = readError(answer, 422, 'DocumentDownloadFailed');
    assert.ok(error.details && 'documents[1].file.url' in error.details, JSON.stringify(error.details));
  });

  test('signing completes the session with the signer certificate, and each document with its signed file and signer', async () => {
    const ana = service.pki.find('ana-a1')!;
    const { sessionId, redirectUrl } = await createSession(service, {
      documentMetadata: { case: ['2024-001'] },
      documents: [
        inlineDocument('contract.pdf', await samplePdf(), { metadata: { party: ['ACME'] } }),
        inlineDocument('annex.txt', Buffer.from('Annex\n')),
      ],
    });

    const { location } = await signAsUser(redirectUrl, 'ana-a1');
    const session = await getSession(service, sessionId);

    assert.match(location ?? '', /\/done$/);
    assert.equal(session.status, 'Completed');
    assert.equal(session.signerCertificate?.pkiBrazil?.cpf?.replace(/\D/g, ''), ana.cpf);
    const [pdf, text] = session.documents ?? [];
    assert.equal(pdf!.status, 'Completed');
    assert.ok(!Number.isNaN(Date.parse(pdf!.dateSigned ?? '')));
    assertFileModel(pdf!.signedFile, { name: 'contract.pdf', mimeType: 'application/pdf' });
    assertFileModel(text!.signedFile, { name: 'annex.txt.p7s', mimeType: 'application/pkcs7-signature' });

    const document: DocumentModel = await getDocument(service, pdf!.id);
    assert.deepEqual(document.metadata, { case: ['2024-001'], party: ['ACME'] });
    assert.equal(document.signers?.length, 1);
    assert.equal(document.signers?.[0]?.certificate?.thumbprintSHA256?.toLowerCase(), ana.thumbprintSha256);
    const signers = readModel<SignerSummary[]>(
      await callApi(service, 'GET', `/api/documents/${pdf!.id}/signers`),
      'SignerSummary[]',
    );
    assert.deepEqual(signers, document.signers);
  });

  test('a document is found by its key, formatted or not, in any case', async () => {
    const { sessionId } = await createSession(service, { documents: [inlineDocument('a.txt', Buffer.from('a'))] });
    const [document] = (await getSession(service, sessionId)).documents ?? [];

    for (const key of [document!.key!, document!.formattedKey!, document!.formattedKey!.toLowerCase()]) {
      const found = readModel<{ found: boolean; document: DocumentModel | null }>(
        await callApi(service, 'GET', `/api/documents/keys/${key}`),
        'DocumentQueryResponse',
      );
      assert.equal(found.found, true);
      assert.equal(found.document?.id, document!.id);
    }
  });

  test('document IDs and keys chosen by the application are kept, and reusing one is refused with 422', async () => {
    const id = randomUUID();
    const { sessionId } = await createSession(service, {
      documents: [inlineDocument('a.txt', Buffer.from('a'), { id, documentKey: 'AAAA-BBBB-CCCC-2345' })],
    });
    const [document] = (await getSession(service, sessionId)).documents ?? [];

    const again = await callApi(service, 'POST', '/api/signature-sessions', {
      body: { documents: [inlineDocument('b.txt', Buffer.from('b'), { id })] },
    });

    assert.equal(document!.id, id);
    assert.equal(document!.formattedKey, 'AAAA-BBBB-CCCC-2345');
    readError(again, 422, 'DuplicateDocument');
  });

  test('file URLs work without the API key and serve the bytes with their media type; a tampered URL is refused', async () => {
    const { sessionId, redirectUrl } = await createSession(service, {
      documents: [inlineDocument('terms.xml', sampleXml())],
    });
    await signAsUser(redirectUrl, 'bruno-a3');
    const [document] = (await getSession(service, sessionId)).documents ?? [];

    const original = await download(document!.originalFile!.url!);
    const signed = await download(document!.signedFile!.url!);
    const tampered = await download(document!.signedFile!.url!.replace('/signed?', '/original?'));

    assert.equal(original.status, 200);
    assert.deepEqual(original.bytes, sampleXml());
    assert.equal(original.headers.get('content-type'), 'application/xml');
    assert.equal(signed.status, 200);
    assert.equal(signed.bytes.length, document!.signedFile!.length);
    assert.match(signed.bytes.toString('utf8'), /<Signature /);
    assert.equal(tampered.status, 403);
  });

  test('the browser goes back to the returnUrl with signatureSessionId added to its query', async () => {
    const cases = [
      ['https://app.example/return', '?signatureSessionId='],
      ['https://app.example/return?order=42', '?order=42&signatureSessionId='],
      ['https://app.example/return?order=42#top', '?order=42&signatureSessionId='],
    ] as const;
    for (const [returnUrl, expected] of cases) {
      const { sessionId, redirectUrl } = await createSession(service, {
        returnUrl,
        documents: [inlineDocument('a.txt', Buffer.from('a'))],
      });

      const { location } = await signAsUser(redirectUrl, 'ana-a1');

      assert.ok(location?.includes(`${expected}${sessionId}`), `${location} for ${returnUrl}`);
      if (returnUrl.includes('#')) assert.ok(location?.endsWith('#top'), 'the fragment stays last');
    }
  });

  test('cancelling makes the session UserCancelled with nothing signed, and sends the browser back', async () => {
    const { sessionId, redirectUrl } = await createSession(service, {
      returnUrl: 'https://app.example/return',
      documents: [inlineDocument('a.txt', Buffer.from('a'))],
    });

    const { location } = await cancelAsUser(redirectUrl);
    const session = await getSession(service, sessionId);

    assert.equal(location, `https://app.example/return?signatureSessionId=${sessionId}`);
    assert.equal(session.status, 'UserCancelled');
    assert.equal(session.signerCertificate, null);
    assert.equal(session.documents?.[0]?.signedFile, null);
  });

  test('when-completed answers completed at once for a session already completed', async () => {
    const { sessionId, redirectUrl } = await createSession(service, {
      documents: [inlineDocument('a.txt', Buffer.from('a'))],
    });
    await signAsUser(redirectUrl, 'carla-a3');

    const answer = await callApi(service, 'GET', `/api/signature-sessions/${sessionId}/when-completed`);

    assert.deepEqual(readModel(answer, 'SessionCompletionStatus'), { completed: true, progress: 100 });
  });
});

describe('limits of the service', () => {
  test('a document larger than the configured limit is refused with 422', async () => {
    const service = await startTestRestPki({ maxFileBytes: 1000 });
    try {
      const answer = await callApi(service, 'POST', '/api/signature-sessions', {
        body: { documents: [inlineDocument('big.bin', Buffer.alloc(2000))] },
      });
      readError(answer, 422, 'DocumentTooLarge');
    } finally {
      await service.close();
    }
  });

  test('a file URL stops working after its lifetime, and reading the document again gives a fresh one', async () => {
    const service = await startTestRestPki({ fileUrlLifetimeMs: 1000 });
    try {
      const { sessionId } = await createSession(service, { documents: [inlineDocument('a.txt', Buffer.from('a'))] });
      const [before] = (await getSession(service, sessionId)).documents ?? [];
      assert.equal((await download(before!.originalFile!.url!)).status, 200);

      await new Promise((resolve) => setTimeout(resolve, 2100));
      const [after] = (await getSession(service, sessionId)).documents ?? [];

      assert.equal((await download(before!.originalFile!.url!)).status, 403);
      assert.equal((await download(after!.originalFile!.url!)).status, 200);
    } finally {
      await service.close();
    }
  });
});
