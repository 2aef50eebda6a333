/**
 * The built UI under the gateway's Content-Security-Policy (gateway/headers.py): the header is
 * there, and signing up, joining a room and chatting trip no policy violation. Real system
 * only (infra/e2e.sh), like system.spec.ts.
 */
import { expect, test, unique } from './support';

test.skip(!process.env.PARLEY_E2E_URL, 'needs the real system: run bash infra/e2e.sh');

test('the UI works under the content security policy, with no violation', async ({ people }) => {
  const ada = await people.open('ada');
  const violations: string[] = [];
  ada.page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  await ada.page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => console.error(" +
      "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  });

  const response = await ada.page.goto('/');
  const headers = response?.headers() ?? {};
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');

  await ada.register();
  const room = unique('csp');
  await ada.joinRoom(room);
  await ada.send('hello under a strict policy');
  await expect(ada.messages().filter({ hasText: 'hello under a strict policy' })).toBeVisible();
  expect(violations).toEqual([]);
});
