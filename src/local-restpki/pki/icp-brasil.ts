/**
 * The ICP-Brasil conventions the test certificates follow (DOC-ICP-04): the holder data carried in a subjectAltName
 * otherName, and the certificate policy arcs that tell an A1 certificate from an A3 one.
 */

/** otherName type of the natural person's data: birth date, CPF, NIS, RG and the RG's issuer. */
export const ICP_BRASIL_HOLDER_DATA_OID = '2.16.76.1.3.1';

/** Certificate policy of the test A1 certificates: under the A1 arc `2.16.76.1.2.1`, a number no real CA uses. */
export const TEST_A1_POLICY_OID = '2.16.76.1.2.1.9999';
/** Certificate policy of the test A3 certificates: under the A3 arc `2.16.76.1.2.3`. */
export const TEST_A3_POLICY_OID = '2.16.76.1.2.3.9999';

/** The certificate types of the contract's `PkiBrazilCertificateTypes` that a policy OID can tell apart here. */
export type PkiBrazilCertificateType = 'Unknown' | 'A1' | 'A2' | 'A3' | 'A4';

const POLICY_ARCS: readonly [string, PkiBrazilCertificateType][] = [
  ['2.16.76.1.2.1.', 'A1'],
  ['2.16.76.1.2.2.', 'A2'],
  ['2.16.76.1.2.3.', 'A3'],
  ['2.16.76.1.2.4.', 'A4'],
];

/** The type named by the first ICP-Brasil signature policy among `policyOids`, or `Unknown`. */
export function certificateTypeFromPolicies(policyOids: readonly string[]): PkiBrazilCertificateType {
  for (const oid of policyOids) {
    const arc = POLICY_ARCS.find(([prefix]) => oid.startsWith(prefix));
    if (arc) return arc[1];
  }
  return 'Unknown';
}

/** The fields of the {@link ICP_BRASIL_HOLDER_DATA_OID} otherName; `null` where the certificate carries zeros. */
export interface HolderData {
  /** `YYYY-MM-DD`. */
  dateOfBirth: string | null;
  cpf: string | null;
  nis: string | null;
  rgNumero: string | null;
  rgEmissor: string | null;
  rgEmissorUF: string | null;
}

/** Widths of the fixed positions, in order: birth date DDMMYYYY, CPF, NIS, RG, RG issuer followed by its state. */
const WIDTHS = { dateOfBirth: 8, cpf: 11, nis: 11, rg: 15, rgIssuer: 10 } as const;

/**
 * Lays out holder data in the 55 positions DOC-ICP-04 fixes. Absent fields are filled with zeros, as the layout
 * requires; the RG is right-aligned on zeros and its issuer left-aligned on spaces.
 */
export function encodeHolderData(data: HolderData): string {
  const dateMatch = data.dateOfBirth === null ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(data.dateOfBirth);
  if (data.dateOfBirth !== null && !dateMatch) throw new RangeError('dateOfBirth must be YYYY-MM-DD');
  const date = dateMatch ? `${dateMatch[3]}${dateMatch[2]}${dateMatch[1]}` : '';
  const rgIssuer = data.rgEmissor === null ? '' : `${data.rgEmissor}${data.rgEmissorUF ?? ''}`;

  return [
    fixed('dateOfBirth', date, '0', 'start'),
    fixed('cpf', data.cpf ?? '', '0', 'start'),
    fixed('nis', data.nis ?? '', '0', 'start'),
    fixed('rg', data.rgNumero ?? '', '0', 'start'),
    rgIssuer === '' ? '0'.repeat(WIDTHS.rgIssuer) : fixed('rgIssuer', rgIssuer, ' ', 'end'),
  ].join('');
}

/**
 * Reads the holder data back. Tolerates a value cut short (fields past its end are `null`) and surrounding spaces.
 * The last field holds the RG issuer and its state together; its last two letters are taken as the state.
 */
export function parseHolderData(value: string): HolderData {
  let position = 0;
  const take = (width: number): string | null => {
    const field = value.slice(position, position + width).trim();
    position += width;
    return field === '' || /^0+$/.test(field) ? null : field;
  };

  const date = take(WIDTHS.dateOfBirth);
  const cpf = take(WIDTHS.cpf);
  const nis = take(WIDTHS.nis);
  const rg = take(WIDTHS.rg);
  const rgIssuer = take(WIDTHS.rgIssuer);
  const dateMatch = date === null ? null : /^(\d{2})(\d{2})(\d{4})$/.exec(date);
  const hasState = rgIssuer !== null && /^.+[A-Z]{2}$/.test(rgIssuer);

  return {
    dateOfBirth: dateMatch ? `${dateMatch[3]}-${dateMatch[2]}-${dateMatch[1]}` : null,
    cpf: cpf !== null && /^\d{11}$/.test(cpf) ? cpf : null,
    nis,
    rgNumero: rg === null ? null : rg.replace(/^0+/, ''),
    rgEmissor: rgIssuer === null ? null : hasState ? rgIssuer.slice(0, -2).trim() : rgIssuer,
    rgEmissorUF: hasState && rgIssuer !== null ? rgIssuer.slice(-2) : null,
  };
}

function fixed(field: keyof typeof WIDTHS, text: string, fill: string, padAt: 'start' | 'end'): string {
  const width = WIDTHS[field];
  if (text.length > width || !/^[\x20-\x7e]*$/.test(text)) {
    throw new RangeError(`${field} must be at most ${width} printable ASCII characters`);
  }
  return padAt === 'start' ? text.padStart(width, fill) : text.padEnd(width, fill);
}
