/**
 * The service's secrets, generated once and kept in the data folder so that they survive restarts: the two API keys
 * (unless given in the settings) and the key that signs the tokens inside file and page URLs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from './file-store';

/** The secrets the service runs with. */
export interface ServiceSecrets {
  apiKey: string;
  readOnlyApiKey: string;
  /** Key of the HMAC tokens in file URLs and signing-page URLs. */
  tokenKey: Buffer;
}

const storedSecretsSchema = z.object({
  apiKey: z.string().min(1),
  readOnlyApiKey: z.string().min(1),
  tokenKey: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A key in the shape of the real service's keys: an application name, `|`, and 64 hex characters. */
export function generateApiKey(applicationName = 'local'): string {
  return `${applicationName}|${randomBytes(32).toString('hex')}`;
}

/** Reads `dataDir/secrets.json`, creating it on first use; keys given explicitly win over the stored ones. */
export async function loadOrCreateSecrets(
  dataDir: string,
  given: { apiKey: string | null; readOnlyApiKey: string | null },
): Promise<ServiceSecrets> {
  const path = join(dataDir, 'secrets.json');

  let stored: z.infer<typeof storedSecretsSchema>;
  if (existsSync(path)) {
    stored = storedSecretsSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } else {
    stored = { apiKey: generateApiKey(), readOnlyApiKey: generateApiKey(), tokenKey: randomBytes(32).toString('hex') };
    await writeFileAtomically(path, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }

  return {
    apiKey: given.apiKey ?? stored.apiKey,
    readOnlyApiKey: given.readOnlyApiKey ?? stored.readOnlyApiKey,
    tokenKey: Buffer.from(stored.tokenKey, 'hex'),
  };
}
