import { defineConfig } from '@playwright/test';

// End-to-end specs drive Debian's Chromium (no browser download). Point PARLEY_E2E_URL at a
// running gateway that serves the built UI, or let Playwright build and start `vite preview`.
const baseURL = process.env.PARLEY_E2E_URL ?? 'http://127.0.0.1:4173';

export default defineConfig({
  testDir: './e2e',
  timeout: 30_000,
  reporter: process.env.CI ? 'line' : 'list',
  use: {
    baseURL,
    launchOptions: {
      executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'],
    },
  },
  webServer: process.env.PARLEY_E2E_URL
    ? undefined
    : {
        command: 'npx vite build --logLevel warn && npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
        url: baseURL,
        reuseExistingServer: false,
        timeout: 60_000,
      },
});
