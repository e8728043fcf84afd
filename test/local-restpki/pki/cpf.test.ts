import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ANA_LIMA_CPF,
  BRUNO_COSTA_CPF,
  CARLA_SOUZA_CPF,
  DIEGO_ALVES_CPF,
  formatCpf,
  isValidCpf,
  normalizeCpf,
} from '../../../src/local-restpki/pki';

describe('CPF validation', () => {
  test('a CPF with correct check digits is valid, with or without punctuation', () => {
    assert.equal(isValidCpf('12345678909'), true);
    assert.equal(isValidCpf('123.456.789-09'), true);
    assert.equal(isValidCpf(' 123 456 789 09 '), true);
    assert.equal(normalizeCpf('123.456.789-09'), '12345678909');
  });

  test('a wrong first or second check digit makes a CPF invalid', () => {
    assert.equal(isValidCpf('12345678919'), false);
    assert.equal(isValidCpf('12345678908'), false);
    assert.equal(normalizeCpf('123.456.789-00'), null);
  });

  test('leading zeros count: dropping them makes the CPF invalid instead of padding it', () => {
    assert.equal(normalizeCpf('034.521.876-08'), '03452187608');
    assert.equal(isValidCpf('3452187608'), false);
    assert.equal(isValidCpf('34.521.876-08'), false);
  });

  test('letters, other symbols, wrong lengths and one repeated digit are refused', () => {
    for (const value of ['', '1234567890a', '123/456/789-09', '123456789090', '111.111.111-11', '00000000000']) {
      assert.equal(normalizeCpf(value), null, value);
    }
  });

  test('the four test people have valid, distinct CPFs', () => {
    const cpfs = [ANA_LIMA_CPF, BRUNO_COSTA_CPF, CARLA_SOUZA_CPF, DIEGO_ALVES_CPF];
    assert.deepEqual(
      cpfs.map((cpf) => normalizeCpf(cpf)),
      cpfs,
    );
    assert.equal(new Set(cpfs).size, 4);
  });

  test('formatCpf punctuates 11 digits and refuses anything else', () => {
    assert.equal(formatCpf('03452187608'), '034.521.876-08');
    assert.throws(() => formatCpf('3452187608'), RangeError);
  });
});
