/**
 * Brazilian CPF numbers: check-digit validation and the two spellings the project meets, bare digits
 * (`12345678909`) and punctuated (`123.456.789-09`).
 */

/** Characters a person may type between the digits of a CPF. */
const CPF_PUNCTUATION = /[.\-\s]/g;

/**
 * Returns the 11 digits of `value` when it is a CPF with valid check digits, else `null`. Dots, dashes and spaces are
 * ignored. Leading zeros count: a value with fewer than 11 digits is not padded, so `3452187608` is not `03452187608`.
 * Sequences of one repeated digit (`111.111.111-11`) pass the check-digit arithmetic but are refused, as the Receita
 * Federal never issues them.
 */
export function normalizeCpf(value: string): string | null {
  const digits = value.replace(CPF_PUNCTUATION, '');
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return null;

  const numbers = [...digits].map(Number);
  if (cpfCheckDigit(numbers.slice(0, 9)) !== numbers[9]) return null;
  if (cpfCheckDigit(numbers.slice(0, 10)) !== numbers[10]) return null;
  return digits;
}

/** Whether `value` is a CPF with valid check digits, punctuated or not (see {@link normalizeCpf}). */
export function isValidCpf(value: string): boolean {
  return normalizeCpf(value) !== null;
}

/** Spells 11 CPF digits as `123.456.789-09`; throws a `RangeError` when `digits` is not 11 digits. */
export function formatCpf(digits: string): string {
  const match = /^(\d{3})(\d{3})(\d{3})(\d{2})$/.exec(digits);
  if (!match) throw new RangeError('A CPF has exactly 11 digits');
  return `${match[1]}.${match[2]}.${match[3]}-${match[4]}`;
}

/** Modulo-11 check digit over the given digits, weighted from `length + 1` down to 2. */
function cpfCheckDigit(digits: number[]): number {
  const sum = digits.reduce((total, digit, index) => total + digit * (digits.length + 1 - index), 0);
  const remainder = sum % 11;
  return remainder < 2 ? 0 : 11 - remainder;
}
