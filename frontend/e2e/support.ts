/**
 * Helpers for the specs that run against the real system (system.spec.ts): a `User` is one
 * person in their own browser context, driving the UI the way a person does, and recording
 * what could go wrong unseen (dialogs, page errors, every WebSocket frame received).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import AxeBuilder from '@axe-core/playwright';
import { expect, test as base } from '@playwright/test';
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';

/** Screenshots of the main screens, for people to look at (git-ignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../tests/e2e/screenshots/', import.meta.url));

export const PASSWORD = 'correct horse battery';

/** A tag unique to this run, so names never collide with earlier runs against the same data. */
const RUN = `${Date.now().toString(36).slice(-6)}${Math.random().toString(36).slice(2, 5)}`;
let counter = 0;

/** A fresh user or room name: lowercase letters and digits only (valid for both). */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${RUN}${counter}`;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/** A WebSocket frame the page received, parsed. */
export type Frame = Record<string, unknown>;

function parse(payload: string | Buffer): Frame {
  try {
    return JSON.parse(String(payload)) as Frame;
  } catch {
    return { unparsed: String(payload) };
  }
}

/** axe's serious and critical findings, as "rule: target" lines (empty is the goal), as in ui.spec.ts. */
export async function axeProblems(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target.join(' ')} (${node.failureSummary ?? ''})`));
}

export class User {
  readonly dialogs: string[] = [];
  readonly pageErrors: string[] = [];
  /** Every frame received and sent on any of the page's sockets, in order. */
  readonly frames: Frame[] = [];
  readonly sent: Frame[] = [];

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => this.frames.push(parse(payload)));
      socket.on('framesent', ({ payload }) => this.sent.push(parse(payload)));
    });
  }

  static async open(browser: Browser, name: string): Promise<User> {
    const context = await browser.newContext();
    return new User(name, context, await context.newPage());
  }

  /** Creates the account through the login screen and waits until the socket is online. */
  async register(): Promise<void> {
    await this.page.goto('/');
    await this.page.getByRole('button', { name: 'Create an account' }).click();
    await this.page.getByLabel('User name').fill(this.name);
    await this.page.getByLabel('Password').fill(PASSWORD);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await expect(this.page.getByRole('banner').getByText('Signed in as')).toContainText(this.name);
    await this.expectOnline();
  }

  async expectOnline(): Promise<void> {
    await expect(this.page.getByRole('banner').getByText('Online', { exact: true })).toBeVisible();
  }

  /** Joins (or switches to) a room from the sidebar and waits for its pane and presence. */
  async joinRoom(room: string): Promise<void> {
    await this.page.getByLabel('Join or create a room').fill(room);
    await this.page.getByLabel('Join or create a room').press('Enter');
    await expect(this.pane(`Room ${room}`)).toBeVisible();
    await expect(this.presence()).toContainText(`${this.name} (you)`);
  }

  pane(name: string): Locator {
    return this.page.getByRole('region', { name, exact: true });
  }

  /** The message list of the open conversation. */
  list(): Locator {
    return this.page.getByRole('list', { name: 'Messages' });
  }

  messages(): Locator {
    return this.list().getByTestId('message');
  }

  /** The texts of the delivered messages in the open conversation, top to bottom. */
  texts(): Promise<string[]> {
    return this.list().getByTestId('message-text').allTextContents();
  }

  presence(): Locator {
    return this.page.getByRole('complementary', { name: 'People in this room' });
  }

  sidebar(): Locator {
    return this.page.getByRole('navigation', { name: 'Conversations' });
  }

  /** Types a message into the composer and sends it with Enter (no wait for the ack). */
  async type(text: string): Promise<void> {
    const box = this.page.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill(text);
    await box.press('Enter');
    await expect(box).toHaveValue('');
  }

  /** Sends a message and waits until the server acked it and it is delivered on this screen. */
  async send(text: string): Promise<void> {
    await this.type(text);
    await this.expectAllAcked();
    await expect(this.messages().filter({ hasText: text }).last()).toBeVisible();
  }

  async expectAllAcked(): Promise<void> {
    await expect(this.list().getByTestId('outgoing')).toHaveCount(0);
  }

  /**
   * An access token of this user's session (to call the REST API as them): the UI keeps its
   * own in memory only, so this trades the page's session cookie for a fresh one.
   */
  async token(): Promise<string> {
    const response = await this.page.request.post('/api/refresh');
    return response.ok() ? ((await response.json()) as { token: string }).token : '';
  }

  framesOfType(type: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type);
  }

  sentOfType(type: string): Frame[] {
    return this.sent.filter((frame) => frame.type === type);
  }

  /** The card of the poll asking `question` in the open room. */
  poll(question: string): Locator {
    return this.page.getByRole('article', { name: question, exact: true });
  }

  /** The vote counts of a poll card, option by option ("1 vote", "0 votes", ...). */
  pollCounts(question: string): Promise<string[]> {
    return this.poll(question).getByTestId('poll-count').allTextContents();
  }
}

/** `people.open('ada')` gives a new user (unique name) in a fresh context; all are closed and
 * checked for dialogs and page errors when the test ends. */
export const test = base.extend<{ people: { open: (prefix: string) => Promise<User> } }>({
  people: async ({ browser }, provide) => {
    const opened: User[] = [];
    await provide({
      open: async (prefix: string) => {
        const user = await User.open(browser, unique(prefix));
        opened.push(user);
        return user;
      },
    });
    for (const user of opened) await user.context.close();
    for (const user of opened) {
      expect(user.dialogs, `${user.name} saw a dialog`).toEqual([]);
      expect(user.pageErrors, `${user.name} had page errors`).toEqual([]);
    }
  },
});

export { expect };
