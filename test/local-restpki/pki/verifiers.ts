/**
 * The independent verifiers the signature tests trust, all from Debian packages: pdfsig (poppler-utils) with an NSS
 * database made by certutil (libnss3-tools), `openssl cms`, and xmlsec1. Each returns what the tool said; the tests
 * decide what counts as valid.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';

/** What a command printed and how it ended. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell and never rejects on a non-zero exit: the exit code is part of the answer. */
export function run(command: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : error.code;
      if (typeof code === 'number') resolve({ code, stdout, stderr });
      else reject(error ?? new Error(`${command} ended without an exit code`));
    });
  });
}

/** Creates an NSS database in `dir` trusting `caPath` to issue e-mail (S/MIME and PDF) signing certificates. */
export async function createNssTrustDb(dir: string, caPath: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await mustSucceed(run('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']));
  await mustSucceed(
    run('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'signature-sessions test CA', '-t', 'CT,C,C', '-i', caPath]),
  );
}

/** pdfsig's report on every signature of `pdfPath`, validating certificates against the NSS database in `nssDir`. */
export async function pdfsig(pdfPath: string, nssDir: string): Promise<string> {
  // pdfsig exits 0 even when a signature is broken: only its report tells.
  const result = await run('pdfsig', ['-nssdir', nssDir, pdfPath]);
  return `${result.stdout}${result.stderr}`;
}

/** The per-signature blocks of a pdfsig report, `Signature #1:` first. */
export function pdfsigSignatures(report: string): string[] {
  return report.split(/^Signature #\d+:$/m).slice(1);
}

/** `openssl cms -verify` of a detached DER signature over `contentPath`, trusting only `caPath`. */
export function opensslCmsVerify(
  contentPath: string,
  signaturePath: string,
  caPath: string,
  extraArgs: string[] = [],
): Promise<ToolResult> {
  return run('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    signaturePath,
    '-content',
    contentPath,
    '-CAfile',
    caPath,
    '-out',
    '/dev/null',
    ...extraArgs,
  ]);
}

/** `xmlsec1 --verify` of an enveloped signature, trusting only `caPath`. */
export function xmlsecVerify(xmlPath: string, caPath: string): Promise<ToolResult> {
  return run('xmlsec1', ['--verify', '--trusted-pem', caPath, xmlPath]);
}

/** Copies `sourcePath` to `targetPath` with the byte at `offset` replaced by `replacement`. */
export async function tamperedCopy(
  sourcePath: string,
  targetPath: string,
  offset: number,
  replacement: string,
): Promise<void> {
  const bytes = await readFile(sourcePath);
  if (offset < 0 || offset >= bytes.length) throw new RangeError(`offset ${offset} is outside ${sourcePath}`);
  if (bytes[offset] === replacement.charCodeAt(0)) throw new Error('the replacement byte equals the original one');
  bytes[offset] = replacement.charCodeAt(0);
  await writeFile(targetPath, bytes);
}

async function mustSucceed(pending: Promise<ToolResult>): Promise<void> {
  const result = await pending;
  if (result.code !== 0) throw new Error(`Command failed (${result.code}): ${result.stderr}`);
}
