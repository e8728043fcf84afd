/** Launch options for a real browser in tests: Debian's Chromium, headless, driven by playwright-core. */

/** Debian's Chromium, headless, with nothing that reaches the network on its own. */
export const CHROMIUM_LAUNCH_OPTIONS = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
