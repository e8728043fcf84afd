import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config';
import { defaultLocalRestPkiConfig, localRestPkiConfigFromEnv } from '../../src/local-restpki';
import { callApi, readModel } from './support';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    localRestPkiConfigFromEnv(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.settings.map((setting) => setting.name);
  }
  return assert.fail('expected a ConfigError');
}

describe('settings from RESTPKI_LOCAL_* variables', () => {
  test('without any variable every setting has its default', () => {
    const config = localRestPkiConfigFromEnv({});

    assert.deepEqual(config, defaultLocalRestPkiConfig());
    assert.equal(config.dataDir, '.data/local-restpki');
    assert.equal(config.sessionLifetimeMs, 3_600_000);
    assert.equal(config.whenCompletedHoldMs, 15_000);
    assert.deepEqual(config.faults, {
      errorRate: 0,
      latencyMs: 0,
      webhookDropRate: 0,
      webhookDuplicateRate: 0,
      webhookReorderMaxDelayMs: 0,
    });
  });

  test('durations take units, the retry schedule is a list, and the webhook credentials match its auth kind', () => {
    const config = localRestPkiConfigFromEnv({
      RESTPKI_LOCAL_PORT: '0',
      RESTPKI_LOCAL_SESSION_LIFETIME: '10m',
      RESTPKI_LOCAL_PROCESSING_DURATION: '500ms',
      RESTPKI_LOCAL_WEBHOOK_URL: 'http://127.0.0.1:9000/webhooks',
      RESTPKI_LOCAL_WEBHOOK_AUTH: 'basic',
      RESTPKI_LOCAL_WEBHOOK_USERNAME: 'app',
      RESTPKI_LOCAL_WEBHOOK_PASSWORD: 'secret',
      RESTPKI_LOCAL_WEBHOOK_RETRY_SCHEDULE: '1s, 5s,30s,5m',
      RESTPKI_LOCAL_UPLOAD_FILE_NAME_PATTERN: '^[PX]\\d{6}\\.pdf$',
      RESTPKI_LOCAL_FAULT_ERROR_RATE: '0.1',
    });

    assert.equal(config.port, 0);
    assert.equal(config.sessionLifetimeMs, 600_000);
    assert.equal(config.processingDurationMs, 500);
    assert.deepEqual(config.webhook.auth, { kind: 'basic', username: 'app', password: 'secret' });
    assert.deepEqual(config.webhook.retryScheduleMs, [1000, 5000, 30_000, 300_000]);
    assert.equal(config.uploadFileNamePattern, '^[PX]\\d{6}\\.pdf$');
    assert.equal(config.faults.errorRate, 0.1);
  });

  test('each malformed variable is named in the error, and no value is repeated in it', () => {
    const env = {
      RESTPKI_LOCAL_PORT: 'eighty',
      RESTPKI_LOCAL_SESSION_LIFETIME: 'one hour',
      RESTPKI_LOCAL_UPLOAD_FILE_NAME_PATTERN: '([unclosed',
      RESTPKI_LOCAL_WEBHOOK_URL: 'ftp://files.example/hook',
      RESTPKI_LOCAL_WEBHOOK_RETRY_SCHEDULE: '1s,soon',
      RESTPKI_LOCAL_FAULT_WEBHOOK_DROP_RATE: '2',
      RESTPKI_LOCAL_API_KEY: 'has spaces in it',
    };

    assert.deepEqual(problemsOf(env).sort(), Object.keys(env).sort());
    try {
      localRestPkiConfigFromEnv(env);
    } catch (error) {
      assert.doesNotMatch(String(error), /has spaces in it|files\.example/);
    }
  });

  test('a webhook auth kind without its credentials names the missing variables', () => {
    assert.deepEqual(problemsOf({ RESTPKI_LOCAL_WEBHOOK_AUTH: 'basic' }).sort(), [
      'RESTPKI_LOCAL_WEBHOOK_PASSWORD',
      'RESTPKI_LOCAL_WEBHOOK_USERNAME',
    ]);
    assert.deepEqual(problemsOf({ RESTPKI_LOCAL_WEBHOOK_AUTH: 'bearer' }), ['RESTPKI_LOCAL_WEBHOOK_TOKEN']);
    assert.deepEqual(problemsOf({ RESTPKI_LOCAL_WEBHOOK_AUTH: 'apikey' }), ['RESTPKI_LOCAL_WEBHOOK_API_KEY']);
  });
});

describe('npm run local-restpki', () => {
  const entryPoint = join('src', 'local-restpki', 'main.ts');

  test('prints the endpoint and the API key, which then work, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-restpki-main-'));
    const child = spawn(process.execPath, ['--import', 'tsx', entryPoint], {
      env: { ...process.env, RESTPKI_LOCAL_PORT: '0', RESTPKI_LOCAL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no endpoint printed in 30 s:\n${output}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/Read-only API key:.*\n/.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', () => reject(new Error(`exited early:\n${output}`)));
      });
      const url = /Endpoint:\s+(\S+)/.exec(output)?.[1] ?? '';
      const apiKey = /\n\s+API key:\s+(\S+)/.exec(output)?.[1] ?? '';

      const answer = await callApi({ url, apiKey }, 'GET', '/api/documents/keys/NONE');

      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(apiKey, /^local\|[0-9a-f]{64}$/);
      readModel(answer, 'DocumentQueryResponse');
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('exits with an error naming the bad setting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entryPoint], {
      env: { ...process.env, RESTPKI_LOCAL_WHEN_COMPLETED_HOLD: 'forever' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));

    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));

    assert.equal(code, 1);
    assert.match(errors, /RESTPKI_LOCAL_WHEN_COMPLETED_HOLD/);
  });
});
