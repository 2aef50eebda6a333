/**
 * Search and files (#17, docs/PROTOCOL.md 1.9) in Debian's Chromium against the REAL system,
 * like system.spec.ts (infra/e2e.sh starts it; without PARLEY_E2E_URL these skip): an image
 * dropped onto the chat (a real `drop` event with a DataTransfer built in the page) is uploaded,
 * sent and shown to a second person, inline and in the lightbox; a word is searched for and
 * the hit opens its room with the message in view. Axe runs with the new dialogs open, and at a
 * phone's width.
 */
import type { Locator } from '@playwright/test';

import { axeProblems, expect, test, unique } from './support';
import type { User } from './support';

test.skip(!process.env.PARLEY_E2E_URL, 'needs the real system: run bash infra/e2e.sh');

/** The newest message whose own text contains `text`. */
function message(user: User, text: string): Locator {
  return user.messages().filter({ has: user.page.getByTestId('message-text').filter({ hasText: text }) }).last();
}

/**
 * Draws a small PNG in the page and drops it onto the open conversation: dragenter, dragover
 * and drop, each with the same DataTransfer holding the file, as a browser does for a real drag.
 */
async function dropImage(user: User, name: string, width: number, height: number): Promise<void> {
  // A string, run in the page (the e2e code is typed for Node, not the DOM).
  await user.page.evaluate(`(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = ${width};
    canvas.height = ${height};
    const context = canvas.getContext('2d');
    context.fillStyle = '#e11d48';
    context.fillRect(0, 0, ${width}, ${height});
    context.fillStyle = '#1d4ed8';
    context.fillRect(${width / 4}, ${height / 4}, ${width / 2}, ${height / 2});
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], ${JSON.stringify(name)}, { type: 'image/png' }));
    const zone = document.querySelector('[data-testid="chat-drop-zone"]');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
    }
  })()`);
}

/** Takes the focus out of any text field, so `/` is a shortcut. */
async function blur(user: User): Promise<void> {
  await user.page.evaluate('document.activeElement && document.activeElement.blur && document.activeElement.blur()');
}

test.describe('search and files', () => {
  test.describe.configure({ timeout: 120_000 });

  test('an image dropped on the chat is uploaded, sent, and shown to the other person inline and in a lightbox', async ({ people }) => {
    const room = unique('files');
    const ada = await people.open('ada');
    const bob = await people.open('bob');
    await ada.register();
    await bob.register();
    await ada.joinRoom(room);
    await bob.joinRoom(room);

    // Ada drops a 64x48 PNG: a chip shows its name and size, then that it is uploaded.
    await dropImage(ada, 'red-square.png', 64, 48);
    const chip = ada.page.getByTestId('attachment-chip').filter({ hasText: 'red-square.png' });
    await expect(chip).toBeVisible();
    await expect(chip).toHaveAttribute('data-status', 'done');
    await expect(chip).toContainText(/\d+ B|KB/);
    await ada.send('the red square');
    await expect(ada.page.getByTestId('attachment-chip')).toHaveCount(0);
    const sent = ada.sentOfType('message').at(-1);
    expect(sent).toMatchObject({ room, text: 'the red square', attachments: [expect.any(String)] });

    // Bob, on a phone, sees it inline at its size (set before it loads) and the image loads.
    await bob.page.setViewportSize({ width: 390, height: 844 });
    const thumb = message(bob, 'the red square').getByRole('button', { name: 'Open image red-square.png' });
    await expect(thumb).toBeVisible();
    const img = thumb.getByRole('img', { name: 'red-square.png' });
    await expect(img).toHaveAttribute('width', '64');
    await expect(img).toHaveAttribute('height', '48');
    await expect(img).toHaveJSProperty('complete', true);
    await expect(img).not.toHaveJSProperty('naturalWidth', 0);
    expect(await bob.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await axeProblems(bob.page), 'an image in a message, on a phone').toEqual([]);

    // The lightbox: named after the image, focus inside, the full image loads, Esc closes it
    // and gives the focus back to the thumbnail.
    await thumb.click();
    const box = bob.page.getByRole('dialog', { name: 'red-square.png' });
    await expect(box).toBeVisible();
    await expect(box.getByRole('button', { name: 'Close' })).toBeFocused();
    await bob.page.keyboard.press('Tab');
    await expect(box.locator(':focus')).toHaveCount(1);
    const full = box.getByRole('img', { name: 'red-square.png' });
    await expect(full).toHaveJSProperty('naturalWidth', 64);
    expect(await axeProblems(bob.page), 'the lightbox').toEqual([]);
    await bob.page.keyboard.press('Escape');
    await expect(box).toHaveCount(0);
    await expect(thumb).toBeFocused();
  });

  test('a word is searched for with / and the hit opens its room with the message in view', async ({ people }) => {
    const first = unique('srch');
    const second = unique('srch');
    const word = unique('zebra');
    const ada = await people.open('ada');
    await ada.register();
    await ada.joinRoom(first);
    await ada.send(`the ${word} crossed the road`);
    for (let i = 1; i <= 8; i += 1) await ada.send(`filler ${i}`);
    await ada.joinRoom(second);
    await ada.send('elsewhere now');

    // `/` outside a text field opens the search; the hit is grouped under its room, the word marked.
    await blur(ada);
    await ada.page.keyboard.press('/');
    const dialog = ada.page.getByRole('dialog', { name: 'Search messages' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('combobox', { name: 'Search messages' }).fill(word);
    const group = dialog.getByRole('group', { name: `#${first}` });
    const hit = group.getByRole('option');
    await expect(hit).toHaveCount(1);
    await expect(hit.locator('mark')).toHaveText(word);
    await expect(hit).toContainText(ada.name);
    expect(await axeProblems(ada.page), 'search').toEqual([]);

    // Esc closes it; Ctrl+K offers "Search messages for …" with the same words.
    await ada.page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await ada.page.keyboard.press('Control+k');
    const switcher = ada.page.getByRole('combobox', { name: 'Go to a room or person' });
    await switcher.fill(word);
    await ada.page.getByRole('option', { name: new RegExp(`Search messages for “${word}”`) }).click();
    await expect(dialog.getByRole('combobox', { name: 'Search messages' })).toHaveValue(word);
    await expect(dialog.getByRole('option')).toHaveCount(1);

    // Enter goes there: the first room opens with the message in view, flashed.
    await dialog.getByRole('combobox', { name: 'Search messages' }).press('ArrowDown');
    await dialog.getByRole('combobox', { name: 'Search messages' }).press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(ada.pane(`Room ${first}`)).toBeVisible();
    const target = message(ada, `the ${word} crossed the road`);
    await expect(target).toBeInViewport();
    await expect(target).toHaveClass(/flash/);
  });

  // Needs the gateway to pass `around` from GET /api/rooms/{room}/messages to the store (the
  // contract's "history around a message"); a gateway that ignores it answers the newest page,
  // and the UI then says the message could not be shown.
  test('a hit older than the history shown is loaded with the messages around it, and "Jump to latest" comes back', async ({ people }) => {
    const room = unique('deep');
    const word = unique('okapi');
    const ada = await people.open('ada');
    await ada.register();
    await ada.joinRoom(room);
    await ada.send(`an ${word} far back`);
    // More than two history pages after it (the window around it holds the 49 that follow it,
    // the newest page the last 50): the window cannot touch what is held, so it stands apart.
    for (let i = 1; i <= 105; i += 1) await ada.type(`later ${i}`);
    await ada.expectAllAcked();
    await expect(message(ada, 'later 105')).toBeVisible();

    // After a reload only the newest page is held: the hit is not among it.
    await ada.page.reload();
    await ada.expectOnline();
    await expect(message(ada, 'later 105')).toBeVisible();
    await expect(message(ada, word)).toHaveCount(0);

    await blur(ada);
    await ada.page.keyboard.press('/');
    const box = ada.page.getByRole('dialog', { name: 'Search messages' }).getByRole('combobox', { name: 'Search messages' });
    await box.fill(word);
    await expect(ada.page.getByRole('option').filter({ hasText: word })).toHaveCount(1);
    await box.press('Enter');
    const target = message(ada, `an ${word} far back`);
    await expect(target).toBeInViewport();
    await expect(target).toHaveClass(/flash/);
    await expect(ada.page.getByText('This is the beginning of the conversation.')).toBeAttached();
    // The window ends before the newest messages: they come back on request, with no hole.
    await expect(message(ada, 'later 105')).toHaveCount(0);
    await ada.page.getByRole('button', { name: 'Jump to latest ↓' }).click();
    await expect(message(ada, 'later 105')).toBeVisible();
    await expect(ada.page.getByRole('button', { name: 'Jump to latest ↓' })).toHaveCount(0);
    await ada.send('back at the end');
  });
});
