/** The gateway's settings from the environment, and the download header built from untrusted file names. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config';
import { contentDisposition } from '../../src/gateway/content-disposition';
import { loadGatewaySettings } from '../../src/gateway/settings';

const TOKEN = 'a-token-of-enough-length';

describe('gateway settings', () => {
  test('missing required settings fail the start with an error naming each variable and no value', () => {
    assert.throws(
      () => loadGatewaySettings({ GATEWAY_PORT: 'eighty' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.settings.map((setting) => setting.name).sort(), [
          'GATEWAY_API_TOKENS',
          'GATEWAY_PORT',
          'GATEWAY_WEBHOOK_AUTH',
        ]);
        return true;
      },
    );
  });

  test('a short token or missing webhook credentials are refused without echoing the secret', () => {
    assert.throws(
      () =>
        loadGatewaySettings({
          GATEWAY_API_TOKENS: 'short-secret',
          GATEWAY_WEBHOOK_AUTH: 'basic',
          GATEWAY_WEBHOOK_USERNAME: 'u',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.settings.map((setting) => setting.name).sort(), [
          'GATEWAY_API_TOKENS',
          'GATEWAY_WEBHOOK_PASSWORD',
        ]);
        assert.ok(!error.message.includes('short-secret'));
        return true;
      },
    );
  });

  test('defaults fill the rest; the public URL loses its trailing slash; tokens are split on commas', () => {
    const settings = loadGatewaySettings({
      GATEWAY_API_TOKENS: ` ${TOKEN}, ${TOKEN}-2 `,
      GATEWAY_WEBHOOK_AUTH: 'apikey',
      GATEWAY_WEBHOOK_API_KEY: 'key',
      GATEWAY_PUBLIC_URL: 'https://sign.example.com/',
      GATEWAY_RETURN_WAIT: '3s',
    });

    assert.deepEqual(settings.apiTokens, [TOKEN, `${TOKEN}-2`]);
    assert.deepEqual(settings.webhookAuth, { kind: 'apikey', apiKey: 'key' });
    assert.equal(settings.publicUrl, 'https://sign.example.com');
    assert.equal(settings.port, 8080);
    assert.equal(settings.returnWaitMs, 3000);
    assert.equal(settings.apiWaitMs, 30_000);
    assert.equal(settings.demo, false);
    assert.equal(settings.taskQueue, 'signature-sessions');
  });
});

describe('the download file name', () => {
  test('a hostile file name cannot break out of Content-Disposition, and the real name survives encoded', () => {
    const header = contentDisposition('../"evil";\r\nX-Injected: 1\u202Efdp.exe');

    assert.doesNotMatch(header, /[\r\n]/);
    assert.match(header, /^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+$/);
    assert.equal(
      contentDisposition('contrato assinado — versão final.pdf').split("''")[1],
      encodeURIComponent('contrato assinado — versão final.pdf'),
    );
    assert.match(contentDisposition(null), /filename="document"/);
  });
});
