/**
 * The fictitious people of the test PKI, one certificate each. Their CPFs are fixed so that tests and sample sessions
 * can name them in `Cpf` certificate requirements; every other detail is made up.
 */

/** The ID of each test certificate, stable across restarts. */
export type TestCertificateId = 'ana-a1' | 'bruno-a3' | 'carla-a3' | 'diego-revoked-a1';

/** ANA LIMA's CPF (certificate `ana-a1`). */
export const ANA_LIMA_CPF = '12345678909';
/** BRUNO COSTA's CPF (certificate `bruno-a3`); it starts with a zero, so leading zeros get exercised. */
export const BRUNO_COSTA_CPF = '03452187608';
/** CARLA SOUZA's CPF (certificate `carla-a3`). */
export const CARLA_SOUZA_CPF = '47190236570';
/** DIEGO ALVES's CPF (certificate `diego-revoked-a1`, listed in the test CA's CRL). */
export const DIEGO_ALVES_CPF = '25018743662';

/** What a test certificate says about its holder. Absent details are `null` and encoded as zeros. */
export interface TestPerson {
  id: TestCertificateId;
  holderName: string;
  cpf: string;
  kind: 'A1' | 'A3';
  revoked: boolean;
  email: string;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string | null;
  /** NIS (PIS/PASEP), 11 digits. */
  nis: string | null;
  rgNumero: string | null;
  rgEmissor: string | null;
  rgEmissorUF: string | null;
}

/** The four people, in the order `TestPki.certificates` lists them. */
export const TEST_PEOPLE: readonly TestPerson[] = [
  {
    id: 'ana-a1',
    holderName: 'ANA LIMA',
    cpf: ANA_LIMA_CPF,
    kind: 'A1',
    revoked: false,
    email: 'ana.lima@example.com',
    dateOfBirth: '1985-03-14',
    nis: '12016789015',
    rgNumero: '234567890',
    rgEmissor: 'SSP',
    rgEmissorUF: 'SP',
  },
  {
    id: 'bruno-a3',
    holderName: 'BRUNO COSTA',
    cpf: BRUNO_COSTA_CPF,
    kind: 'A3',
    revoked: false,
    email: 'bruno.costa@example.com',
    dateOfBirth: '1979-11-02',
    nis: null,
    rgNumero: 'MG1234567',
    rgEmissor: 'PC',
    rgEmissorUF: 'MG',
  },
  {
    id: 'carla-a3',
    holderName: 'CARLA SOUZA',
    cpf: CARLA_SOUZA_CPF,
    kind: 'A3',
    revoked: false,
    email: 'carla.souza@example.com',
    dateOfBirth: '1992-07-30',
    nis: null,
    rgNumero: null,
    rgEmissor: null,
    rgEmissorUF: null,
  },
  {
    id: 'diego-revoked-a1',
    holderName: 'DIEGO ALVES',
    cpf: DIEGO_ALVES_CPF,
    kind: 'A1',
    revoked: true,
    email: 'diego.alves@example.com',
    dateOfBirth: null,
    nis: null,
    rgNumero: '1234567',
    rgEmissor: 'DETRAN',
    rgEmissorUF: 'RJ',
  },
];
