import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_LAUNCH_OPTIONS } from '../helpers/browser';
import { startTestRestPki, type TestRestPki } from '../helpers/local-restpki';
import {
  createSession,
  getSession,
  inlineDocument,
  samplePdf,
  startFakeApplication,
  type FakeApplication,
} from './support';

const SCREENSHOTS = join('test-results', 'local-restpki');

async function launch(userDataDirs: string[], options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'local-restpki-chromium-'));
  userDataDirs.push(userDataDir);
  const context = await chromium.launchPersistentContext(userDataDir, {
    ...CHROMIUM_LAUNCH_OPTIONS,
    headless: true,
    ...options,
  });
  context.setDefaultTimeout(10_000);
  return context;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('the signing page in a real browser', () => {
  let service: TestRestPki;
  let application: FakeApplication;
  let browser: BrowserContext;
  const userDataDirs: string[] = [];

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    application = await startFakeApplication();
    application.answerWith((request) =>
      request.url.startsWith('/validate')
        ? {
            status: 202,
            json: (request.json() as { name: string }).name.startsWith('rejected')
              ? { accept: false, rejectReason: 'Only signed-off files, please.' }
              : { accept: true, rejectReason: null },
          }
        : { status: 200, text: '<!doctype html><title>Application</title><h1>Back in the application</h1>' },
    );
    service = await startTestRestPki({ fileValidationUrl: `${application.url}/validate` });
    browser = await launch(userDataDirs);
  });
  after(async () => {
    await browser?.close();
    await service?.close();
    await application?.close();
    for (const dir of userDataDirs) await rm(dir, { recursive: true, force: true });
  });

  test('a user picks a certificate, signs, and lands on the returnUrl with the session ID', async () => {
    const { sessionId, redirectUrl } = await createSession(service, {
      returnUrl: `${application.url}/return?order=42`,
      documents: [inlineDocument('contract.pdf', await samplePdf()), inlineDocument('annex.txt', Buffer.from('Annex'))],
    });
    const page = await browser.newPage();

    await page.goto(redirectUrl);
    await screenshot(page, 'signing-page');
    await page.getByLabel(/ANA LIMA/).check();
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.waitForURL(`${application.url}/return?**`);

    assert.equal(page.url(), `${application.url}/return?order=42&signatureSessionId=${sessionId}`);
    assert.equal((await getSession(service, sessionId)).status, 'Completed');
    await page.close();
  });

  test('a user cancels and lands on the returnUrl; the page then tells that signing was cancelled', async () => {
    const { sessionId, redirectUrl } = await createSession(service, {
      returnUrl: `${application.url}/return`,
      documents: [inlineDocument('annex.txt', Buffer.from('Annex'))],
    });
    const page = await browser.newPage();

    await page.goto(redirectUrl);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${application.url}/return?**`);
    await page.goto(redirectUrl);
    await screenshot(page, 'cancelled');

    assert.equal((await getSession(service, sessionId)).status, 'UserCancelled');
    assert.equal(await page.locator('h1').textContent(), 'Signing cancelled');
    await page.close();
  });

  test('a certificate refused by a requirement is disabled, shows its reason, and cannot be chosen', async () => {
    const { redirectUrl } = await createSession(service, {
      documents: [inlineDocument('annex.txt', Buffer.from('Annex'))],
      certificateRequirements: [{ type: 'CryptoDevice' }],
    });
    const page = await browser.newPage();

    await page.goto(redirectUrl);
    await screenshot(page, 'refused-certificate');
    const ana = page.locator('[data-certificate-id="ana-a1"]');

    assert.equal(await ana.locator('input').isDisabled(), true);
    assert.match((await ana.textContent()) ?? '', /requires a crypto device \(A3\)/);
    assert.equal(await page.locator('[data-certificate-id="bruno-a3"] input').isEnabled(), true);
    await page.close();
  });

  test('a user uploads a rejected file, sees why, uploads an accepted one, and signs it', async () => {
    const { sessionId, redirectUrl } = await createSession(service, { returnUrl: `${application.url}/return` });
    const page = await browser.newPage();
    await page.goto(redirectUrl);
    assert.equal(await page.getByRole('button', { name: 'Sign', exact: true }).isDisabled(), true);

    await page.setInputFiles('#files', { name: 'rejected.txt', mimeType: 'text/plain', buffer: Buffer.from('no') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('[data-upload-outcome="rejected"]').waitFor();
    await screenshot(page, 'upload-rejected');
    const rejection = await page.locator('[data-upload-outcome="rejected"]').textContent();

    await page.setInputFiles('#files', {
      name: 'accepted.pdf',
      mimeType: 'application/pdf',
      buffer: await samplePdf(),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('[data-upload-outcome="accepted"]').waitFor();
    await screenshot(page, 'upload-accepted');

    assert.match(rejection ?? '', /Only signed-off files, please\./);
    assert.deepEqual(await page.locator('#documents li a').allTextContents(), ['accepted.pdf']);
    await page.getByLabel(/CARLA SOUZA/).check();
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.waitForURL(`${application.url}/return?**`);
    assert.equal((await getSession(service, sessionId)).status, 'Completed');
    await page.close();
  });

  test('opened in a new tab by the application without a returnUrl, the page says it is done and closes itself', async () => {
    const { sessionId, redirectUrl } = await createSession(service, {
      enableBackgroundProcessing: true,
      documents: [inlineDocument('annex.txt', Buffer.from('Annex'))],
    });
    const opener = await browser.newPage();
    await opener.setContent(`<a href="${redirectUrl}" target="_blank">Sign the documents</a>`);

    const [tab] = await Promise.all([browser.waitForEvent('page'), opener.getByText('Sign the documents').click()]);
    await tab.waitForLoadState();
    await tab.getByLabel(/BRUNO COSTA/).check();
    const closed = tab.waitForEvent('close');
    await tab.getByRole('button', { name: 'Sign', exact: true }).click();
    await closed;

    const done = await browser.newPage();
    await done.goto(`${redirectUrl}/done`);
    await screenshot(done, 'done');
    assert.match((await done.textContent('main')) ?? '', /You can close this window/);
    assert.notEqual((await getSession(service, sessionId)).status, 'Pending');
    await Promise.all([opener.close(), done.close()]);
  });

  test('on a phone-sized screen the page fits its width', async () => {
    const { redirectUrl } = await createSession(service, {
      documents: [inlineDocument('a-document-with-a-rather-long-name-for-a-phone-screen.pdf', await samplePdf())],
      certificateRequirements: [{ type: 'CryptoDevice' }],
    });
    const page = await browser.newPage();
    await page.setViewportSize({ width: 360, height: 740 });

    await page.goto(redirectUrl);
    await screenshot(page, 'phone');

    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.equal(overflow, 0);
    await page.close();
  });
});

describe('the signing page in a browser without JavaScript', () => {
  test('a user signs and lands on the returnUrl', async () => {
    const userDataDirs: string[] = [];
    const application = await startFakeApplication();
    application.answerWith(() => ({ status: 200, text: '<!doctype html><title>Application</title><p>Back</p>' }));
    const service = await startTestRestPki();
    const browser = await launch(userDataDirs, { javaScriptEnabled: false });
    try {
      const { sessionId, redirectUrl } = await createSession(service, {
        returnUrl: `${application.url}/return`,
        documents: [inlineDocument('annex.txt', Buffer.from('Annex'))],
      });
      const page = await browser.newPage();

      await page.goto(redirectUrl);
      await page.getByLabel(/CARLA SOUZA/).check();
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      await page.waitForURL(`${application.url}/return?**`);

      assert.equal((await getSession(service, sessionId)).status, 'Completed');
    } finally {
      await browser.close();
      await service.close();
      await application.close();
      for (const dir of userDataDirs) await rm(dir, { recursive: true, force: true });
    }
  });
});
