/**
 * The built UI in a real Chromium, against a gateway stood in by Playwright's request and
 * WebSocket routing (no backend needed): `npm run e2e` without PARLEY_E2E_URL. The real system
 * is covered by system.spec.ts (run by infra/e2e.sh), so these skip when PARLEY_E2E_URL is set.
 */
import { expect, test } from '@playwright/test';
import type { WebSocketRoute } from '@playwright/test';

test.skip(!!process.env.PARLEY_E2E_URL, 'stand-in gateway only; system.spec.ts covers the real one');

test('the login page renders and checks input', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in to Parley' })).toBeVisible();
  await page.getByLabel('User name').fill('no spaces allowed');
  await page.getByLabel('Password').fill('whatever');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('letters, digits');
});

test('sign in, join a room, send a message and see it acked and delivered', async ({ page }) => {
  const received: Record<string, unknown>[] = [];

  await page.route('**/api/**', async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/api/login') {
      await route.fulfill({ json: { username: 'alice', token: 'tok-e2e', expires_in: 900 } });
    } else if (url.pathname === '/api/ws-ticket') {
      // a one-use ticket per socket: the token never rides in the URL
      const token = (await route.request().allHeaders()).authorization;
      await route.fulfill(token === 'Bearer tok-e2e' ? { json: { ticket: 'tkt-e2e', expires_in: 30 } } : { status: 401, json: { error: 'unauthorized', detail: 'no token' } });
    } else if (url.pathname.endsWith('/messages')) {
      await route.fulfill({
        json: { messages: [{ id: '0001', room: 'general', user: 'echo-bot', text: '<img src=x onerror=alert(1)>', ts: new Date().toISOString() }] },
      });
    } else if (url.pathname.endsWith('/presence')) {
      await route.fulfill({ json: { room: 'general', users: ['alice', 'bob'] } });
    } else {
      await route.fulfill({ status: 404, json: { error: 'not_found', detail: url.pathname } });
    }
  });

  const servers: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/ws\?ticket=tkt-e2e$/, (ws) => {
    servers.push(ws);
    ws.onMessage((data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      received.push(frame);
      if (frame.type === 'poll') {
        // The join's request for the room's polls, refused as by a gateway with no poll function.
        ws.send(JSON.stringify({ type: 'error', error: 'unknown_type', detail: "unknown frame type 'poll'", client_id: frame.client_id }));
      } else if (frame.type === 'message') {
        ws.send(JSON.stringify({ type: 'ack', client_id: frame.client_id, id: '0002' }));
        ws.send(
          JSON.stringify({ type: 'message', id: '0002', room: frame.room, user: 'alice', text: frame.text, ts: new Date().toISOString() }),
        );
      }
    });
  });

  let dialogs = 0;
  page.on('dialog', (dialog) => {
    dialogs += 1;
    void dialog.dismiss();
  });

  await page.goto('/');
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('correct horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Signed in as')).toBeVisible();
  await expect(page.getByRole('banner').getByText('Online', { exact: true })).toBeVisible();

  await page.getByLabel('Join or create a room').fill('general');
  await page.keyboard.press('Enter');
  await expect(page.getByText('<img src=x onerror=alert(1)>')).toBeVisible();
  await expect(page.getByText('Online — 2')).toBeVisible();

  const box = page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill('hello from chromium');
  await box.press('Enter');
  await expect(page.getByTestId('message').filter({ hasText: 'hello from chromium' })).toBeVisible();
  await expect(page.getByTestId('outgoing')).toHaveCount(0);

  expect(received.map((frame) => frame.type)).toEqual(['join', 'poll', 'read', 'typing', 'message']);
  expect(received[1]).toEqual({ type: 'poll', room: 'general', client_id: expect.any(String) });
  expect(received[2]).toEqual({ type: 'read', room: 'general', id: '0001' }); // the room on screen is read
  await expect(page.getByText(/unknown frame type/)).toHaveCount(0); // that refusal is no news to the user
  expect(dialogs).toBe(0);
  await page.screenshot({ path: 'test-results/chat.png' });

  // The gateway goes away: the banner counts down, the client comes back, resumes with since
  // and asks for the room's polls again.
  const before = received.length;
  await servers[0]?.close({ code: 1012, reason: 'restart' });
  await expect(page.getByRole('status')).toContainText(/Connection lost\. Reconnecting/);
  await page.screenshot({ path: 'test-results/reconnecting.png' });
  await expect(page.getByRole('banner').getByText('Online', { exact: true })).toBeVisible({ timeout: 10_000 });
  expect(servers).toHaveLength(2);
  await expect
    .poll(() => received.slice(before))
    .toEqual([
      { type: 'join', room: 'general', since: '0002' },
      { type: 'poll', room: 'general', client_id: expect.any(String) },
    ]);
});
