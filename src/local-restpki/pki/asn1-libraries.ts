/**
 * pkijs and asn1js ship only as ES modules, which this CommonJS project cannot `require` under TypeScript's node16
 * rules; every module of the test PKI gets them through this one cached dynamic import.
 */
import type * as Asn1js from 'asn1js' with { 'resolution-mode': 'import' };
import type * as Pkijs from 'pkijs' with { 'resolution-mode': 'import' };

/** Both libraries; pkijs picks Node's WebCrypto (`globalThis.crypto`) as its engine when it loads. */
export interface Asn1Libraries {
  pkijs: typeof Pkijs;
  asn1js: typeof Asn1js;
}

let loading: Promise<Asn1Libraries> | undefined;

/** Loads pkijs and asn1js once per process. */
export function loadAsn1Libraries(): Promise<Asn1Libraries> {
  loading ??= Promise.all([import('pkijs'), import('asn1js')]).then(([pkijs, asn1js]) => ({ pkijs, asn1js }));
  return loading;
}

export type { Asn1js, Pkijs };
