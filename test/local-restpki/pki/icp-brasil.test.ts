import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  certificateTypeFromPolicies,
  encodeHolderData,
  parseHolderData,
  TEST_A1_POLICY_OID,
  TEST_A3_POLICY_OID,
} from '../../../src/local-restpki/pki';

describe('ICP-Brasil holder data (otherName 2.16.76.1.3.1)', () => {
  test('fields sit at the DOC-ICP-04 positions: birth date, CPF, NIS, RG, RG issuer with state', () => {
    const value = encodeHolderData({
      dateOfBirth: '1985-03-14',
      cpf: '12345678909',
      nis: '12016789015',
      rgNumero: '234567890',
      rgEmissor: 'SSP',
      rgEmissorUF: 'SP',
    });

    assert.equal(value.length, 55);
    assert.equal(value.slice(0, 8), '14031985');
    assert.equal(value.slice(8, 19), '12345678909');
    assert.equal(value.slice(19, 30), '12016789015');
    assert.equal(value.slice(30, 45), '000000234567890');
    assert.equal(value.slice(45, 55), 'SSPSP     ');
  });

  test('absent fields are written as zeros and read back as null', () => {
    const value = encodeHolderData({
      dateOfBirth: null,
      cpf: '47190236570',
      nis: null,
      rgNumero: null,
      rgEmissor: null,
      rgEmissorUF: null,
    });

    assert.equal(value, `00000000${'47190236570'}${'0'.repeat(36)}`);
    assert.deepEqual(parseHolderData(value), {
      dateOfBirth: null,
      cpf: '47190236570',
      nis: null,
      rgNumero: null,
      rgEmissor: null,
      rgEmissorUF: null,
    });
  });

  test('encoded holder data parses back to the same fields', () => {
    const data = {
      dateOfBirth: '1979-11-02',
      cpf: '03452187608',
      nis: null,
      rgNumero: 'MG1234567',
      rgEmissor: 'PC',
      rgEmissorUF: 'MG',
    };

    assert.deepEqual(parseHolderData(encodeHolderData(data)), data);
  });

  test('a value cut short after the CPF still yields the birth date and CPF', () => {
    assert.deepEqual(parseHolderData('0203197903452187608'), {
      dateOfBirth: '1979-03-02',
      cpf: '03452187608',
      nis: null,
      rgNumero: null,
      rgEmissor: null,
      rgEmissorUF: null,
    });
  });

  test('a field too long for its positions is refused rather than cut', () => {
    assert.throws(
      () =>
        encodeHolderData({
          dateOfBirth: null,
          cpf: '12345678909',
          nis: null,
          rgNumero: '1234567890123456',
          rgEmissor: null,
          rgEmissorUF: null,
        }),
      RangeError,
    );
  });

  test('policy arcs 2.16.76.1.2.1 and 2.16.76.1.2.3 mean A1 and A3; other policies mean Unknown', () => {
    assert.equal(certificateTypeFromPolicies([TEST_A1_POLICY_OID]), 'A1');
    assert.equal(certificateTypeFromPolicies(['2.5.29.32.0', TEST_A3_POLICY_OID]), 'A3');
    assert.equal(certificateTypeFromPolicies(['2.16.76.1.2.1']), 'Unknown');
    assert.equal(certificateTypeFromPolicies([]), 'Unknown');
  });
});
