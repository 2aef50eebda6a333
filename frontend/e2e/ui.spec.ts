/**
 * How the UI looks and how it is used without a mouse, against the stand-in gateway of
 * fake-gateway.ts (fixed data and times), so it runs the same with `npm run e2e` and in
 * infra/e2e.sh. At a phone (390x844), a tablet (768x1024) and a desktop (1280x800) width, in
 * the light and the dark theme: screenshots compared with docs/screenshots/ (`toHaveScreenshot`;
 * `npx playwright test ui --update-snapshots` renews them) and axe with no serious or critical
 * violation on the login, chat and ops pages.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';

import { fakeGateway, ME, signedIn } from './fake-gateway';

const WIDTHS = {
  phone: { width: 390, height: 844 },
  tablet: { width: 768, height: 1024 },
  desktop: { width: 1280, height: 800 },
} as const;
const THEMES = ['light', 'dark'] as const;

/** axe's serious and critical findings, as "rule: target" lines (empty is the goal). */
async function axeProblems(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target.join(' ')} (${node.failureSummary ?? ''})`));
}

async function openChat(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('banner').getByText('Online', { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Room general' }).getByTestId('message')).toHaveCount(6);
  await page.evaluate('document.fonts.ready.then(() => true)');
}

for (const [name, viewport] of Object.entries(WIDTHS)) {
  for (const theme of THEMES) {
    test(`${name} ${theme}: login, chat and ops look as recorded and pass axe`, async ({ page }) => {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' });
      await fakeGateway(page);

      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Sign in to Parley' })).toBeVisible();
      await page.evaluate('document.fonts.ready.then(() => true)');
      expect(await axeProblems(page), 'login').toEqual([]);
      if (name === 'desktop') await expect(page).toHaveScreenshot(`login-${name}-${theme}.png`);

      await signedIn(page);
      await openChat(page);
      expect(await axeProblems(page), 'chat').toEqual([]);
      await expect(page).toHaveScreenshot(`chat-${name}-${theme}.png`);

      if (name === 'phone') {
        // Below 768 px the conversations and the people are drawers; Esc closes them.
        const conversations = page.getByRole('navigation', { name: 'Conversations' });
        await expect(conversations).toBeHidden();
        await page.getByRole('button', { name: 'Conversations' }).click();
        await expect(conversations.getByLabel('2 unread')).toBeVisible();
        expect(await axeProblems(page), 'conversations drawer').toEqual([]);
        await expect(page).toHaveScreenshot(`chat-${name}-${theme}-drawer.png`);
        await page.keyboard.press('Escape');
        await expect(conversations).toBeHidden();
        await page.getByRole('button', { name: 'People in this room' }).click();
        await expect(page.getByRole('complementary', { name: 'People in this room' })).toContainText('Online — 4');
        await page.keyboard.press('Escape');
        await expect(page.getByRole('complementary', { name: 'People in this room' })).toBeHidden();
      }

      await page.getByRole('link', { name: 'Ops' }).click();
      await expect(page.getByRole('rowheader', { name: 'presence' })).toBeVisible();
      expect(await axeProblems(page), 'ops').toEqual([]);
      if (name === 'desktop') await expect(page).toHaveScreenshot(`ops-${name}-${theme}.png`, { mask: [page.getByText(/^Updated /)] });
    });
  }
}

test('a phone gets the whole width: words wrap at spaces, the composer is wide, Log out is on screen', async ({ page }) => {
  await page.setViewportSize(WIDTHS.phone);
  await fakeGateway(page);
  await signedIn(page);
  await openChat(page);
  const logout = await page.getByRole('button', { name: 'Log out' }).boundingBox();
  expect(logout && logout.x + logout.width).toBeLessThanOrEqual(WIDTHS.phone.width);
  const composer = await page.getByRole('textbox', { name: 'Message', exact: true }).boundingBox();
  expect(composer?.width).toBeGreaterThan(250);
  const text = await page.getByTestId('message-text').last().boundingBox();
  expect(text?.width).toBeGreaterThan(250);
  // The people in the room are one tap away (they vanished below 1024 px before).
  await page.getByRole('button', { name: 'People in this room' }).click();
  await expect(page.getByRole('complementary', { name: 'People in this room' }).getByRole('button', { name: 'carol' })).toBeVisible();
});

test('everything works from the keyboard: Tab, Ctrl+K, Alt+Up/Down and Esc', async ({ page }) => {
  await fakeGateway(page);
  await signedIn(page);
  await openChat(page);
  const sidebar = page.getByRole('navigation', { name: 'Conversations' });

  // The leave button of a room you are not viewing is in the tab order, and shows when focused.
  await sidebar.getByRole('button', { name: /^random/ }).focus();
  await page.keyboard.press('Tab');
  const leave = sidebar.getByRole('button', { name: 'Leave random' });
  await expect(leave).toBeFocused();
  await expect(leave).toHaveCSS('opacity', '1');
  await expect(leave).toHaveCSS('outline-style', 'solid'); // focus is visible

  // Ctrl+K: a quick switcher over rooms and people.
  await page.keyboard.press('Control+k');
  const switcher = page.getByRole('dialog', { name: 'Go to a conversation' });
  await expect(switcher).toBeVisible();
  await page.keyboard.type('car');
  await expect(switcher.getByRole('option', { selected: true })).toHaveText(/@carol/);
  await page.keyboard.press('Enter');
  await expect(switcher).toBeHidden();
  await expect(page.getByRole('region', { name: 'Conversation with carol' })).toBeVisible();

  // Alt+Up / Alt+Down walk the conversations in sidebar order (general, random, carol).
  await page.keyboard.press('Alt+ArrowUp');
  await expect(page.getByRole('region', { name: 'Room random' })).toBeVisible();
  await page.keyboard.press('Alt+ArrowUp');
  await expect(page.getByRole('region', { name: 'Room general' })).toBeVisible();
  await page.keyboard.press('Alt+ArrowDown');
  await expect(page.getByRole('region', { name: 'Room random' })).toBeVisible();

  // Esc closes the switcher; a person found there opens a conversation.
  await page.keyboard.press('Control+k');
  await expect(switcher).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(switcher).toBeHidden();
  await page.keyboard.press('Control+k');
  await page.keyboard.type('bob');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Conversation with bob' })).toBeVisible();
  expect(ME).toBe('ada');
});

test('dark mode follows the system until you pick one, and your pick survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await fakeGateway(page);
  await page.goto('/');
  const html = page.locator('html');
  await expect(html).toHaveClass(/\bdark\b/);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).not.toHaveClass(/\bdark\b/);
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(html).toHaveClass(/\bdark\b/);
  await page.reload();
  await expect(html).toHaveClass(/\bdark\b/);
  await expect(page.getByRole('button', { name: 'Switch to light theme' })).toBeVisible();
});
