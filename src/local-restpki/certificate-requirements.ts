/**
 * Whether a certificate meets a session's `certificateRequirements`, and if not, why in words a user understands.
 * The page shows the reason next to the refused certificate and the sign step checks it again server-side.
 */
import { type TestCertificate } from './pki';
import { type CertificateRequirement } from './store';

/** A CPF with all but its last four digits hidden: `***.***.*89-09`. */
export function maskCpf(cpf: string): string {
  return `***.***.*${cpf.slice(7, 9)}-${cpf.slice(9, 11)}`;
}

/** Why `certificate` cannot sign under `requirements`, or null when it can. */
export function refusalReason(certificate: TestCertificate, requirements: CertificateRequirement[]): string | null {
  const reasons = requirements.flatMap((requirement) => {
    if (requirement.type === 'CryptoDevice') return certificate.kind === 'A3' ? [] : ['requires a crypto device (A3)'];
    return certificate.cpf === requirement.cpf ? [] : [`requires CPF ${maskCpf(requirement.cpf)}`];
  });
  return reasons.length === 0 ? null : reasons.join('; ');
}
