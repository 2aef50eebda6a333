import { defineConfig } from '@playwright/test';

// End-to-end specs drive Debian's Chromium (no browser download ever happens).
//
// - With PARLEY_E2E_URL set (infra/e2e.sh does it after `parley up`), e2e/system.spec.ts runs
//   against the real system: gateway, Kafka, function workers and the built UI it serves.
// - Without it, Playwright builds and starts `vite preview` and e2e/stand-in.spec.ts runs
//   against a gateway stood in by request and WebSocket routing (no backend needed).
const system = process.env.PARLEY_E2E_URL;
const baseURL = system ?? 'http://127.0.0.1:4173';

export default defineConfig({
  testDir: './e2e',
  // One worker: the specs share one running system and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  timeout: 45_000,
  expect: {
    timeout: 15_000,
    // ui.spec.ts: pixels are compared with the screenshots the README shows; fonts are pinned
    // (Inter ships in the build) and animations and the caret are off.
    toHaveScreenshot: { animations: 'disabled', caret: 'hide', maxDiffPixelRatio: 0.002 },
  },
  snapshotPathTemplate: '../docs/screenshots/{arg}{ext}',
  reporter: process.env.CI ? 'line' : 'list',
  outputDir: 'test-results',
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium',
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
    },
  },
  webServer: system
    ? undefined
    : {
        command: 'npx vite build --logLevel warn && npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
        url: baseURL,
        reuseExistingServer: false,
        timeout: 60_000,
      },
});
