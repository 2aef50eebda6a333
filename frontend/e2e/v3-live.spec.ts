/**
 * Messages that live (#16, docs/PROTOCOL.md 1.8) in Debian's Chromium against the REAL system,
 * like system.spec.ts (infra/e2e.sh starts it; without PARLEY_E2E_URL these skip): replies and
 * threads, edits, deletes, reactions, mentions, "Seen", and changes missed while offline. Two
 * people in two browser contexts. The file sorts after system.spec.ts on purpose: the first user
 * ever registered is the server admin, and that is system.spec.ts's first user.
 */
import type { Locator } from '@playwright/test';

import { expect, test, unique } from './support';
import type { User } from './support';

test.skip(!process.env.PARLEY_E2E_URL, 'needs the real system: run bash infra/e2e.sh');

const startsWith = (name: string) => new RegExp(`^${name}(\\W|$)`);

/** The newest message whose own text (not a reply's quote of it) contains `text`. */
function message(user: User, text: string): Locator {
  return user.messages().filter({ has: user.page.getByTestId('message-text').filter({ hasText: text }) }).last();
}

/** Opens a message's "⋯" menu (hover first, as a mouse user does) and picks an item. */
async function menu(user: User, row: Locator, item: 'Reply' | 'React' | 'Edit' | 'Delete'): Promise<void> {
  await row.hover();
  await row.getByRole('button', { name: /^Actions for / }).click();
  await user.page.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem', { name: item }).click();
}

async function pair(people: { open: (prefix: string) => Promise<User> }, room: string): Promise<[User, User]> {
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();
  await ada.joinRoom(room);
  await bob.joinRoom(room);
  return [ada, bob];
}

test.describe('messages that live', () => {
  test.describe.configure({ timeout: 120_000 });

  test('a reply quotes its parent, and the thread panel shows and takes answers live', async ({ people }) => {
    const room = unique('live');
    const [ada, bob] = await pair(people, room);
    await ada.send('what shall we eat?');
    await expect(message(bob, 'what shall we eat?')).toBeVisible();

    // Bob replies from the menu: the bar says to whom; Enter sends with reply_to.
    await menu(bob, message(bob, 'what shall we eat?'), 'Reply');
    await expect(bob.page.getByTestId('reply-bar')).toContainText(`Replying to ${ada.name}: what shall we eat?`);
    await bob.send('pizza');
    await expect(bob.page.getByTestId('reply-bar')).toHaveCount(0);
    expect(bob.sentOfType('message').at(-1)).toMatchObject({ text: 'pizza', reply_to: expect.any(String) });

    // Ada sees the quote and "1 reply"; the thread opens with the answer.
    await expect(message(ada, 'pizza').getByTestId('reply-quote')).toContainText('what shall we eat?');
    const parent = message(ada, 'what shall we eat?');
    await parent.getByRole('button', { name: '1 reply' }).click();
    const thread = ada.page.getByRole('complementary', { name: 'Thread' });
    await expect(thread.getByRole('list', { name: 'Thread messages' })).toContainText('pizza');

    // Ada answers in the thread; Bob's parent counts 2 replies, and his open thread gets a live answer.
    await thread.getByRole('textbox', { name: 'Reply in thread' }).fill('with olives');
    await thread.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
    await expect(thread.getByRole('list', { name: 'Thread messages' })).toContainText('with olives');
    await message(bob, 'what shall we eat?').getByRole('button', { name: '2 replies' }).click();
    const bobThread = bob.page.getByRole('complementary', { name: 'Thread' });
    await expect(bobThread.getByRole('list', { name: 'Thread messages' })).toContainText('with olives');
    await bobThread.getByRole('textbox', { name: 'Reply in thread' }).press('Escape');
    await expect(bobThread).toHaveCount(0);

    // The thread comes from the server too (?thread=): after a reload it is still there.
    await ada.page.reload();
    await ada.expectOnline();
    await message(ada, 'what shall we eat?').getByRole('button', { name: '2 replies' }).click();
    await expect(ada.page.getByRole('complementary', { name: 'Thread' }).getByRole('list', { name: 'Thread messages' })).toContainText('with olives');
  });

  test('an edit, a delete and reactions reach the other person', async ({ people }) => {
    const room = unique('live');
    const [ada, bob] = await pair(people, room);
    await ada.send('see you at 5');
    await bob.send('fine by me');

    // Ada edits from the menu, inline: Enter saves.
    await menu(ada, message(ada, 'see you at 5'), 'Edit');
    const editor = ada.page.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('see you at 6');
    await editor.press('Enter');
    await expect(message(bob, 'see you at 6').getByTestId('edited')).toHaveText('(edited)');
    await expect(bob.messages().filter({ hasText: 'see you at 5' })).toHaveCount(0);

    // Up in an empty composer edits your last message; Escape cancels.
    await ada.page.getByRole('textbox', { name: 'Message', exact: true }).press('ArrowUp');
    await expect(ada.page.getByRole('textbox', { name: 'Edit message' })).toHaveValue('see you at 6');
    await ada.page.getByRole('textbox', { name: 'Edit message' }).press('Escape');
    await expect(ada.page.getByRole('textbox', { name: 'Edit message' })).toHaveCount(0);

    // Ada reacts through the picker's search; Bob clicks the chip: 2 on both screens.
    await menu(ada, message(ada, 'fine by me'), 'React');
    const picker = ada.page.getByRole('dialog', { name: 'Pick a reaction' });
    await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('fire');
    await picker.getByRole('button', { name: 'fire' }).click();
    const bobChip = message(bob, 'fine by me').getByTestId('reaction');
    await expect(bobChip).toHaveAccessibleName(`🔥 1, reacted by ${ada.name}`);
    await bobChip.click();
    await expect(bobChip).toHaveAttribute('aria-pressed', 'true');
    const adaChip = message(ada, 'fine by me').getByTestId('reaction');
    await expect(adaChip).toHaveAccessibleName(`🔥 2, reacted by you, ${bob.name}`);
    await expect(bobChip).toHaveAccessibleName(`🔥 2, reacted by ${ada.name}, you`);

    // Bob deletes his message after confirming: a tombstone for both, without the reactions.
    await menu(bob, message(bob, 'fine by me'), 'Delete');
    await bob.page.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click();
    for (const user of [ada, bob]) {
      await expect(user.messages().filter({ hasText: 'This message was deleted' })).toHaveCount(1);
      await expect(user.messages().filter({ hasText: 'fine by me' })).toHaveCount(0);
      await expect(user.list().getByTestId('reaction')).toHaveCount(0);
    }

    // Bob may not edit Ada's message: his menu has no Edit, and no Delete (not an owner or admin).
    const row = message(bob, 'see you at 6');
    await row.hover();
    await row.getByRole('button', { name: /^Actions for / }).click();
    const items = bob.page.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem');
    await expect(items).toHaveText(['Reply', 'React', 'Copy text']);
    await bob.page.keyboard.press('Escape');
    await expect(bob.page.getByRole('menu')).toHaveCount(0);
  });

  test('a mention shows a badge, reaches the named person outside the room, and counts in the tab title', async ({ people }) => {
    const room = unique('live');
    const other = unique('elsewhere');
    const [ada, bob] = await pair(people, room);
    await ada.joinRoom(other); // Ada looks at another room
    await bob.send(`@${ada.name} can you look at this?`);

    const entry = ada.sidebar().getByRole('button', { name: startsWith(room) });
    await expect(entry.getByLabel('1 mention')).toBeVisible();
    await expect.poll(() => ada.page.title()).toBe('(1) Parley');
    await expect.poll(() => ada.framesOfType('mention').length).toBeGreaterThan(0);
    expect(ada.framesOfType('mention')[0]).toMatchObject({ room, from: bob.name });

    // Opening the room reads it: the badge and the title count go, the name is marked.
    await entry.click();
    await expect(entry.getByLabel('1 mention')).toHaveCount(0);
    await expect.poll(() => ada.page.title()).toBe('Parley');
    await expect(message(ada, 'can you look at this?').locator('.mention-me')).toHaveText(`@${ada.name}`);
  });

  test('"Seen" shows under your last message once the other person read the conversation', async ({ people }) => {
    const room = unique('live');
    const [ada, bob] = await pair(people, room);
    await ada.presence().getByRole('button', { name: bob.name }).click();
    await expect(ada.pane(`Conversation with ${bob.name}`)).toBeVisible();
    await ada.send('are you there?');
    await ada.send('hello?');
    await expect(ada.list().getByTestId('seen')).toHaveCount(0);

    await bob.sidebar().getByRole('button', { name: startsWith(ada.name) }).click();
    await expect(message(bob, 'hello?')).toBeVisible();
    await expect(message(ada, 'hello?').getByTestId('seen')).toHaveText('Seen');
    await expect(ada.list().getByTestId('seen')).toHaveCount(1);
  });

  test('changes made while offline arrive after the reconnect (join with since replays them)', async ({ people }) => {
    const room = unique('live');
    const [ada, bob] = await pair(people, room);
    await ada.send('first draft');
    await ada.send('keep me');
    await expect(message(bob, 'keep me')).toBeVisible();

    await bob.context.setOffline(true);
    await expect(bob.page.getByRole('status').filter({ hasText: 'Connection lost' })).toBeVisible();
    await menu(ada, message(ada, 'first draft'), 'Edit');
    await ada.page.getByRole('textbox', { name: 'Edit message' }).fill('second draft');
    await ada.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    await menu(ada, message(ada, 'keep me'), 'React');
    await ada.page.getByRole('dialog', { name: 'Pick a reaction' }).getByRole('button', { name: 'tada' }).click();
    await expect(message(ada, 'keep me').getByTestId('reaction')).toHaveCount(1);
    // Give the change functions a moment to store the changes before Bob comes back.
    await ada.page.waitForTimeout(1_000);

    await bob.context.setOffline(false);
    await bob.expectOnline();
    await expect(message(bob, 'second draft').getByTestId('edited')).toBeVisible();
    await expect(message(bob, 'keep me').getByTestId('reaction')).toHaveAccessibleName(`🎉 1, reacted by ${ada.name}`);
    const resumed = bob.sent.filter((frame) => frame.type === 'join' && frame.room === room && typeof frame.since === 'string');
    expect(resumed.length).toBeGreaterThan(0);
  });

  test('a room owner deletes anyone’s message, "New messages" marks what came while away, and a phone gets the thread full screen, by keyboard', async ({ people }) => {
    const room = unique('live');
    const other = unique('elsewhere');
    const [ada, bob] = await pair(people, room); // Ada made the room: she owns it
    await bob.send('a message Ada will remove');
    await expect(message(ada, 'a message Ada will remove')).toBeVisible();
    await menu(ada, message(ada, 'a message Ada will remove'), 'Delete');
    await ada.page.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click();
    await expect(bob.messages().filter({ hasText: 'This message was deleted' })).toHaveCount(1);

    // Ada is away in another room while Bob writes twice; back, the line sits above the first.
    await ada.joinRoom(other);
    await bob.send('news one');
    await bob.send('news two');
    await ada.sidebar().getByRole('button', { name: startsWith(room) }).click();
    const rows = ada.list().locator(':scope > li');
    const texts = await rows.allInnerTexts();
    const line = texts.findIndex((text) => text.includes('New messages'));
    expect(line).toBeGreaterThan(-1);
    expect(texts[line + 1]).toContain('news one');

    // On a phone, by keyboard: the menu button, Reply, then the thread covers the screen and Escape closes it.
    await bob.page.setViewportSize({ width: 390, height: 844 });
    await bob.send('threads on a phone');
    await message(bob, 'news one').getByRole('button', { name: /^Actions for / }).focus();
    await bob.page.keyboard.press('Enter');
    await expect(bob.page.getByRole('menuitem', { name: 'Reply' })).toBeFocused();
    await bob.page.keyboard.press('Enter');
    await expect(bob.page.getByTestId('reply-bar')).toContainText('news one');
    await bob.page.keyboard.type('answered from a phone');
    await bob.page.keyboard.press('Enter');
    await message(bob, 'news one').getByRole('button', { name: '1 reply' }).click();
    const thread = bob.page.getByRole('complementary', { name: 'Thread' });
    await expect(thread).toContainText('answered from a phone');
    const box = await thread.boundingBox();
    expect(box?.width).toBe(390);
    await bob.page.keyboard.press('Escape');
    await expect(thread).toHaveCount(0);
  });

  test('a change the server refuses after its ack is rolled back with a notice', async ({ people }) => {
    const room = unique('live');
    const [ada, bob] = await pair(people, room);
    await ada.send('about to go');
    await expect(message(bob, 'about to go')).toBeVisible();

    // Bob reacts while offline (shown at once, queued); meanwhile Ada deletes the message.
    await bob.context.setOffline(true);
    await expect(bob.page.getByRole('status').filter({ hasText: 'Connection lost' })).toBeVisible();
    await menu(bob, message(bob, 'about to go'), 'React');
    await bob.page.getByRole('dialog', { name: 'Pick a reaction' }).getByRole('button', { name: 'eyes', exact: true }).click();
    await expect(message(bob, 'about to go').getByTestId('reaction')).toHaveAttribute('aria-pressed', 'true');
    await menu(ada, message(ada, 'about to go'), 'Delete');
    await ada.page.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click();
    await expect(ada.messages().filter({ hasText: 'This message was deleted' })).toHaveCount(1);
    await ada.page.waitForTimeout(1_000);

    // Back online: the replay brings the delete, the queued reaction is acked and then refused.
    await bob.context.setOffline(false);
    await bob.expectOnline();
    await expect(bob.messages().filter({ hasText: 'This message was deleted' })).toHaveCount(1);
    await expect(bob.list().getByTestId('reaction')).toHaveCount(0);
    await expect.poll(() => bob.framesOfType('error').filter((frame) => typeof frame.client_id === 'string').length).toBeGreaterThan(0);
    await expect(bob.page.getByRole('status').filter({ hasText: 'Your reaction was not saved' })).toBeVisible();
    await expect(ada.list().getByTestId('reaction')).toHaveCount(0);
  });
});
