/**
 * `npm run local-restpki`: runs the local Rest PKI Core service alone, with settings from `RESTPKI_LOCAL_*`, and
 * prints the endpoint and API keys to give an application.
 */
import { ConfigError } from '../config';
import { localRestPkiConfigFromEnv, startLocalRestPki } from './index';

async function main(): Promise<void> {
  const service = await startLocalRestPki(localRestPkiConfigFromEnv());
  process.stdout.write(
    [
      '',
      'Local Rest PKI Core is running.',
      `  Endpoint:           ${service.url}`,
      `  API key:            ${service.apiKey}`,
      `  Read-only API key:  ${service.readOnlyApiKey}`,
      `  Data folder:        ${service.dataDir}`,
      `  Test CA certificate: ${service.pki.caCertificatePath}`,
      `  Test certificates:  ${service.pki.certificates.map((certificate) => certificate.id).join(', ')}`,
      '',
      '',
    ].join('\n'),
  );

  const stop = (): void => {
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
