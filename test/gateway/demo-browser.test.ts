/**
 * The demo application in Debian's headless Chromium, with JavaScript off as the pages promise: start a session with
 * the sample documents, sign on the local Rest PKI Core's page, come back, watch the outcome, and download the signed
 * PDF through the demo, whose signature pdfsig then checks. Screenshots of each page go to `test-results/gateway/`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_LAUNCH_OPTIONS } from '../helpers/browser';
import { createDevServerEnv } from '../helpers/temporal';
import { startGatewayHarness, type GatewayHarness } from './support';

const SCREENSHOTS = join('test-results', 'gateway');
const TEMPORAL_UI = 'http://temporal-ui.test';
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

let env: TestWorkflowEnvironment;
let harness: GatewayHarness;
let browser: Browser;
let work: string;
before(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  work = await mkdtemp(join(tmpdir(), 'gateway-demo-'));
  env = await createDevServerEnv();
  harness = await startGatewayHarness(env, {
    notificationSigningSecret: SECRET,
    gateway: { demo: { temporalUiUrl: TEMPORAL_UI, notificationSigningSecret: SECRET } },
  });
  browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
});
after(async () => {
  await browser?.close();
  await harness?.close();
  await env?.teardown();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the demo application in a browser without JavaScript', () => {
  let context: BrowserContext;
  before(async () => {
    context = await browser.newContext({ javaScriptEnabled: false, acceptDownloads: true });
    context.setDefaultTimeout(15_000);
  });
  after(async () => {
    await context?.close();
  });

  test('a person starts a session, signs, comes back to the outcome and downloads a PDF whose signature pdfsig validates', async () => {
    const page = await context.newPage();

    await page.goto(`${harness.url}/demo`);
    await screenshot(page, 'demo-start');
    await page.getByLabel('Name on the documents').fill('Ana Lima');
    await page.getByRole('button', { name: 'Start signing' }).click();
    await page.waitForURL(`${harness.restPki.url}/signing/**`);
    await screenshot(page, 'signing-page');
    const offered = await page.locator('#documents li').allTextContents();
    assert.deepEqual(offered.map((text) => text.trim().split(/\s/)[0]).sort(), [
      'agreement.pdf',
      'annex.txt',
      'order.xml',
    ]);

    await page.getByLabel(/ANA LIMA/).check();
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.waitForURL(`${harness.url}/demo/return?**`);
    await screenshot(page, 'demo-return');
    const landedOn = new URL(page.url());
    // The meta refresh reloads the page every two seconds until the outcome is final.
    await page.locator('#outcome[data-status="completed"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'demo-outcome');

    const applicationKey = landedOn.searchParams.get('applicationKey') ?? '';
    assert.match(applicationKey, /^demo-/);
    assert.equal(landedOn.searchParams.get('restPkiStatus'), 'Completed');
    assert.equal(await page.locator('#signer').textContent(), 'ANA LIMA');
    assert.equal(await page.locator('#documents li').count(), 3);
    assert.equal(
      await page.locator('#workflow-link').getAttribute('href'),
      `${TEMPORAL_UI}/namespaces/default/workflows/signature-session-${applicationKey}`,
    );
    assert.equal(await page.locator('meta[http-equiv="refresh"]').count(), 0, 'a final outcome page still refreshes');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'agreement.pdf' }).click(),
    ]);
    const pdfPath = join(work, 'agreement-signed.pdf');
    await download.saveAs(pdfPath);
    assert.equal(download.suggestedFilename(), 'agreement.pdf');
    // pdfsig's exit code says little; its report is what counts.
    const report = spawnSync('pdfsig', [pdfPath], { encoding: 'utf8', timeout: 30_000 });
    const output = `${report.stdout}${report.stderr}`;
    assert.match(output, /Signature #1/);
    assert.match(output, /Signature Validation: Signature is Valid\./);
    assert.match(output, /ANA LIMA/);

    // The application learns of the ending by a signed notification too; the demo lists those it verified.
    for (let attempt = 0; attempt < 20; attempt++) {
      if ((await page.locator('#notifications li').count()) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await page.reload();
    }
    assert.match((await page.locator('#notifications').textContent()) ?? '', /signature-session\.ended/);
    await screenshot(page, 'demo-outcome-with-notification');
    await page.close();
  });

  test('the demo shows no session it did not start and no document of a session it does not know', async () => {
    const page = await context.newPage();

    const foreign = await page.goto(`${harness.url}/demo/return?applicationKey=order-42`);
    const unknown = await page.goto(
      `${harness.url}/demo/return?applicationKey=demo-00000000-0000-4000-8000-000000000000`,
    );
    const document = await page.goto(`${harness.url}/demo/sessions/order-42/documents/x`);

    assert.equal(foreign?.status(), 404);
    assert.equal(unknown?.status(), 404);
    assert.equal(document?.status(), 404);
    await page.close();
  });
});

describe('the demo application on a phone-sized screen', () => {
  test('the start page fits the width of the screen', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    try {
      const page = await context.newPage();

      await page.goto(`${harness.url}/demo`);
      await screenshot(page, 'demo-start-phone');

      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      assert.equal(overflow, 0);
    } finally {
      await context.close();
    }
  });
});
