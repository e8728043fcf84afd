import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createSignatureSessionRequestSchema,
  documentModelSchema,
  signatureSessionModelSchema,
  webhookEventModelSchema,
} from '../../src/restpki/models';

/** The issue paths of a failed parse, joined with dots, to compare with what a caller would be told. */
function problemsOf(value: unknown): string[] {
  const result = createSignatureSessionRequestSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('reading Rest PKI Core responses', () => {
  test('an unknown status and extra fields from a newer server pass through instead of failing', () => {
    const session = signatureSessionModelSchema.parse({
      id: '6c1d3a52-1f7e-4a6b-9f4e-3e2a1b0c9d8e',
      status: 'AwaitingCoSigner',
      someFutureField: { nested: true },
      documents: [
        {
          id: 'a9a0e5d2-7c55-4f43-9a57-1b2c3d4e5f60',
          status: 'Archived',
          signatureType: 'Pades',
          signedFile: { url: 'https://files.example/signed?token=t', mimeType: 'application/pdf', blob: 'ignored' },
        },
      ],
    });

    assert.equal(session.status, 'AwaitingCoSigner');
    assert.equal(session.documents[0]?.status, 'Archived');
    assert.equal(session.documents[0]?.signatureType, 'Pades');
    assert.equal(session.callbackArgument, null);
    assert.equal(session.signerCertificate, null);
    assert.equal('someFutureField' in session, false);
    assert.equal(session.documents[0]?.signedFile?.location, 'https://files.example/signed?token=t');
  });

  test('the documented webhook sample, which differs from the schema, is read with its file URL filled in', () => {
    const event = webhookEventModelSchema.parse({
      type: 'DocumentSignatureCompleted',
      document: {
        id: '0f3f1c8a-2a6e-4c3e-8a51-5d0b9e4a7c21',
        key: 'ABCD1234EFGH5678',
        status: 'Completed',
        signatureType: 'Pades',
        signedFile: {
          name: 'contract.pdf',
          length: 12345,
          contentType: 'application/pdf',
          location: 'https://restpki.example/files/signed?token=abc',
        },
        signers: null,
      },
    });

    assert.equal(event.document.signedFile?.url, 'https://restpki.example/files/signed?token=abc');
    assert.equal(event.document.signedFile?.mimeType, 'application/pdf');
    assert.deepEqual(event.document.metadata, {});
    assert.deepEqual(event.document.signers, []);
  });

  test('a null metadata value list reads as empty, and a document without an id is refused', () => {
    const document = documentModelSchema.parse({ id: 'd', metadata: { Department: null, Contract: ['42'] } });

    assert.deepEqual(document.metadata, { Department: [], Contract: ['42'] });
    assert.equal(documentModelSchema.safeParse({ key: 'ABCD' }).success, false);
  });
});

describe('checking the create request we send', () => {
  const inline = { file: { content: Buffer.from('%PDF-1.7').toString('base64'), name: 'contract.pdf' } };

  test('a complete, valid request passes unchanged', () => {
    const request = {
      returnUrl: 'https://app.example/return?workflowId=abc',
      callbackArgument: 'order-42',
      enableBackgroundProcessing: true,
      disableDownloads: true,
      documentMetadata: { 'Contract id': ['42'], order_ref: ['A-1'] },
      documents: [{ ...inline, signatureType: 'Pdf', metadata: { Department: ['Legal'] } }],
      certificateRequirements: [{ type: 'CryptoDevice' }, { type: 'Cpf', argument: '012.345.678-90' }],
      pdfSignatureOptions: { convertToPdfA: false },
    };

    assert.deepEqual(createSignatureSessionRequestSchema.parse(request), request);
  });

  test('lengths, metadata names and values, CPFs and unknown fields are refused with their path', () => {
    assert.deepEqual(problemsOf({ returnUrl: `https://app.example/${'r'.repeat(1024)}` }), ['returnUrl']);
    assert.deepEqual(problemsOf({ returnUrl: 'javascript:alert(1)' }), ['returnUrl']);
    assert.deepEqual(problemsOf({ callbackArgument: 'c'.repeat(1025) }), ['callbackArgument']);
    assert.deepEqual(problemsOf({ callbackArgument: 'c'.repeat(1024) }), []);
    assert.deepEqual(problemsOf({ documentMetadata: { 'bad/name': ['x'] } }), ['documentMetadata.bad/name']);
    assert.deepEqual(problemsOf({ documentMetadata: { ['n'.repeat(51)]: ['x'] } }), [
      `documentMetadata.${'n'.repeat(51)}`,
    ]);
    assert.deepEqual(problemsOf({ documentMetadata: { note: ['v'.repeat(501)] } }), ['documentMetadata.note.0']);
    assert.deepEqual(problemsOf({ certificateRequirements: [{ type: 'Cpf', argument: '12345678' }] }), [
      'certificateRequirements.0.argument',
    ]);
    assert.deepEqual(problemsOf({ certificateRequirements: [{ type: 'Cnpj' }] }), ['certificateRequirements.0.type']);
    assert.deepEqual(problemsOf({ documents: [{ file: { name: 'empty.pdf' } }] }), ['documents.0.file']);
    assert.deepEqual(problemsOf({ documents: [{ file: { content: 'AAAA' } }] }), ['documents.0.file.name']);
    assert.deepEqual(problemsOf({ documents: [inline], returnurl: 'typo' }), ['']);
  });
});
