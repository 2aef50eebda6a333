/**
 * Rooms and people (docs/PROTOCOL.md, "v2: rooms and people") in Debian's Chromium against the
 * REAL system, like system.spec.ts (infra/e2e.sh starts it; without PARLEY_E2E_URL these skip).
 * The file sorts after system.spec.ts on purpose: the first user ever registered is the server
 * admin, and that is system.spec.ts's first user (who opens the Ops page); everyone here is a
 * fresh, ordinary user.
 */
import type { Locator } from '@playwright/test';

import { axeProblems, expect, PASSWORD, screenshot, test, unique } from './support';
import type { User } from './support';

test.skip(!process.env.PARLEY_E2E_URL, 'needs the real system: run bash infra/e2e.sh');

const startsWith = (name: string) => new RegExp(`^${name}(\\W|$)`);

function roomEntry(user: User, room: string): Locator {
  return user.sidebar().getByRole('button', { name: startsWith(room) });
}

async function openBrowser(user: User): Promise<void> {
  await user.sidebar().getByRole('link', { name: 'Browse and create rooms' }).click();
  await expect(user.page.getByRole('heading', { name: 'Rooms', level: 1 })).toBeVisible();
}

async function createRoom(user: User, room: string, topic: string, visibility: 'Public' | 'Private'): Promise<void> {
  await openBrowser(user);
  const form = user.page.getByRole('form', { name: 'Create a room' });
  await form.getByLabel('Name').fill(room);
  await form.getByLabel(/Topic/).fill(topic);
  await form.getByRole('radio', { name: new RegExp(`^${visibility}`) }).check();
  await form.getByRole('button', { name: 'Create room' }).click();
  await expect(user.pane(`Room ${room}`)).toBeVisible();
  await expect(user.presence()).toContainText(`${user.name} (you)`);
}

async function search(user: User, q: string): Promise<Locator> {
  await user.page.getByLabel('Search rooms').fill(q);
  const found = user.page.getByRole('list', { name: 'Rooms found' });
  await expect(found).toHaveAttribute('aria-busy', 'false');
  return found;
}

async function members(user: User, room: string): Promise<Locator> {
  await user.pane(`Room ${room}`).getByRole('button', { name: 'Members' }).click();
  const dialog = user.page.getByRole('dialog', { name: `Members of #${room}` });
  await expect(dialog.getByRole('list', { name: `Members of ${room}` })).toBeVisible();
  return dialog;
}

test('the room browser finds, joins and creates public and private rooms; the sidebar comes back after a reload and on a second device', async ({ people, browser }) => {
  const pub = unique('pub');
  const priv = unique('priv');
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();

  await createRoom(ada, pub, 'Plans for the weekend', 'Public');
  await createRoom(ada, priv, 'Owners only', 'Private');
  await expect(roomEntry(ada, priv)).toHaveAccessibleName(new RegExp(`^${priv}\\s?, private`));

  // Bob finds the public room by its topic, with its counts, and joins it; the private one is not there for him.
  await openBrowser(bob);
  let found = await search(bob, pub);
  const listing = found.getByRole('listitem', { name: `#${pub}` });
  await expect(listing).toContainText('Plans for the weekend');
  await expect(listing).toContainText('1 member · 1 online');
  for (const theme of ['light', 'dark'] as const) {
    await bob.page.emulateMedia({ colorScheme: theme });
    expect(await axeProblems(bob.page), `room browser, ${theme}`).toEqual([]);
  }
  await screenshot(bob.page, 'rooms-browser');
  await listing.getByRole('button', { name: `Join ${pub}` }).click();
  await expect(bob.pane(`Room ${pub}`)).toBeVisible();
  await expect(bob.presence()).toContainText(`${bob.name} (you)`);
  await ada.sidebar().getByRole('button', { name: startsWith(pub) }).click();
  await expect(ada.presence()).toContainText(bob.name);
  await openBrowser(bob);
  found = await search(bob, priv);
  await expect(found).toContainText(`No room matches “${priv}”.`);
  found = await search(bob, pub);
  await expect(found.getByRole('listitem', { name: `#${pub}` })).toContainText('Joined');
  await expect(found.getByRole('listitem', { name: `#${pub}` })).toContainText('2 members · 2 online');

  // Bob goes to a room of his own; Ada writes in the public one, once naming him.
  const own = unique('own');
  await bob.page.getByRole('link', { name: 'Chat' }).click();
  await bob.joinRoom(own);
  await ada.send('anyone around?');
  await ada.send(`@${bob.name} are you coming?`);
  await expect(roomEntry(bob, pub).getByLabel('2 unread')).toBeVisible();
  await expect(roomEntry(bob, pub).getByLabel('1 mention')).toBeVisible();

  // A reload: the rooms and their counts come back from the server.
  await bob.page.reload();
  await bob.expectOnline();
  await expect(bob.pane(`Room ${own}`)).toBeVisible();
  await expect(roomEntry(bob, pub).getByLabel('2 unread')).toBeVisible();
  await expect(roomEntry(bob, pub).getByLabel('1 mention')).toBeVisible();

  // A second device (another browser context, nothing stored): Bob signs in typing his name in
  // capitals and gets his registered name and the same sidebar.
  const context = await browser.newContext();
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto('/');
  await phone.getByLabel('User name').fill(bob.name.toUpperCase());
  await phone.getByLabel('Password').fill(PASSWORD);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await expect(phone.getByRole('banner').getByText('Online', { exact: true })).toBeVisible();
  expect(JSON.parse((await phone.evaluate<string | null>("sessionStorage.getItem('parley.session')")) ?? '{}')).toMatchObject({ username: bob.name });
  await phone.getByRole('button', { name: 'Conversations' }).first().click();
  const drawer = phone.getByRole('navigation', { name: 'Conversations' });
  await expect(drawer.getByRole('button', { name: startsWith(own) })).toBeVisible();
  const entry = drawer.getByRole('button', { name: startsWith(pub) });
  await expect(entry).toBeVisible();
  expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await screenshot(phone, 'rooms-second-device-phone');

  // Reading the room there clears the count on the first device too.
  await entry.click();
  await expect(phone.getByRole('region', { name: `Room ${pub}`, exact: true }).getByTestId('message-text').last()).toHaveText(`@${bob.name} are you coming?`);
  await expect(roomEntry(bob, pub).getByLabel(/unread/)).toHaveCount(0);
  await expect(roomEntry(bob, pub).getByLabel(/mention/)).toHaveCount(0);
  await context.close();
});

test('an owner invites to a private room a third user can neither find nor join, changes a role, and a ban takes the room off the banned page', async ({ people }) => {
  const priv = unique('priv');
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  const eve = await people.open('eve');
  for (const user of [ada, bob, eve]) await user.register();
  await createRoom(ada, priv, 'Just us', 'Private');

  // Eve can neither find it nor join it by name.
  await openBrowser(eve);
  await expect(await search(eve, priv)).toContainText(`No room matches “${priv}”.`);
  await eve.page.getByRole('link', { name: 'Chat' }).click();
  await eve.page.getByLabel('Join or create a room').fill(priv);
  await eve.page.getByLabel('Join or create a room').press('Enter');
  await expect(eve.page.getByText(`#${priv} is private: only its members can join.`)).toBeVisible();
  await expect(roomEntry(eve, priv)).toHaveCount(0);
  const refused = await eve.page.request.get(`/api/rooms/${priv}/members`, { headers: { Authorization: `Bearer ${await eve.token()}` } });
  expect(refused.status()).toBe(404);

  // Ada invites Bob from the member list: the room shows up on his page at once.
  const dialog = await members(ada, priv);
  await expect(dialog.getByRole('listitem').filter({ hasText: `${ada.name} (you)` })).toContainText('Owner');
  await dialog.getByLabel('Invite someone').fill(bob.name);
  await dialog.getByRole('button', { name: 'Invite' }).click();
  await expect(dialog.getByRole('status')).toHaveText(`${bob.name} can now join.`);
  const bobRow = dialog.getByRole('listitem').filter({ hasText: bob.name });
  await expect(bobRow.getByRole('combobox', { name: `Role of ${bob.name}` })).toHaveValue('member');
  await roomEntry(bob, priv).click();
  await expect(bob.pane(`Room ${priv}`)).toBeVisible();
  await expect(bobRow).toContainText(`${bob.name}, online`);

  // Roles: Ada makes Bob an admin; Bob's own list says so.
  await bobRow.getByRole('combobox', { name: `Role of ${bob.name}` }).selectOption('admin');
  const bobsDialog = await members(bob, priv);
  await expect(bobsDialog.getByRole('listitem').filter({ hasText: `${bob.name} (you)` }).getByTestId('member-role')).toHaveText('Admin');
  await expect(bobsDialog.getByLabel('Invite someone')).toBeVisible();
  await bob.page.keyboard.press('Escape');
  await expect(bobsDialog).toBeHidden();

  // The dialog passes axe in both themes and fits a phone.
  for (const theme of ['light', 'dark'] as const) {
    await ada.page.emulateMedia({ colorScheme: theme });
    expect(await axeProblems(ada.page), `members, ${theme}`).toEqual([]);
  }
  await ada.page.setViewportSize({ width: 390, height: 844 });
  await expect(dialog.getByRole('button', { name: `Ban ${bob.name}` })).toBeInViewport();
  expect(await ada.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await screenshot(ada.page, 'rooms-members-phone');
  await ada.page.setViewportSize({ width: 1280, height: 800 });

  // Ada bans Bob: the room leaves his page with a notice, and he cannot come back.
  await dialog.getByRole('button', { name: `Ban ${bob.name}` }).click();
  await expect(dialog.getByRole('listitem').filter({ hasText: bob.name })).toHaveCount(0);
  await expect(roomEntry(bob, priv)).toHaveCount(0);
  await expect(bob.page.getByText(`You were banned from #${priv}.`)).toBeVisible();
  expect(bob.framesOfType('removed')).toEqual([{ type: 'removed', room: priv, reason: 'banned' }]);
  await bob.page.getByLabel('Join or create a room').fill(priv);
  await bob.page.getByLabel('Join or create a room').press('Enter');
  await expect(bob.page.getByText(`#${priv} is private: only its members can join.`)).toBeVisible();
  await expect(roomEntry(bob, priv)).toHaveCount(0);

  // Eve, invited now (the dialog is still open), gets in; removed again, her page drops the room too.
  await dialog.getByLabel('Invite someone').fill(eve.name);
  await dialog.getByRole('button', { name: 'Invite' }).click();
  await roomEntry(eve, priv).click();
  await expect(eve.pane(`Room ${priv}`)).toBeVisible();
  await dialog.getByRole('button', { name: `Remove ${eve.name}` }).click();
  await expect(roomEntry(eve, priv)).toHaveCount(0);
  await expect(eve.page.getByText(`You were removed from #${priv}.`)).toBeVisible();
});

test('leaving a room for good takes it off every device', async ({ people }) => {
  const room = unique('room');
  const ada = await people.open('ada');
  await ada.register();
  await ada.joinRoom(room);
  const dialog = await members(ada, room);
  await dialog.getByRole('button', { name: 'Leave room' }).click();
  await dialog.getByRole('button', { name: 'Yes, leave' }).click();
  await expect(dialog).toBeHidden();
  await expect(roomEntry(ada, room)).toHaveCount(0);
  await ada.page.reload();
  await ada.expectOnline();
  await expect(ada.page.getByRole('heading', { name: 'Pick a room to start talking' })).toBeVisible();
  await expect(roomEntry(ada, room)).toHaveCount(0);
});

test('the user picker refuses someone who does not exist before sending anything, and Ops is for server admins only', async ({ people }) => {
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();

  const picker = ada.sidebar().getByRole('combobox', { name: 'Message a user' });
  const ghost = unique('ghost');
  await picker.fill(ghost);
  await picker.press('Enter');
  await expect(ada.sidebar().getByRole('alert')).toHaveText(`There is no user named ${ghost}.`);
  await expect(ada.page.getByRole('region', { name: `Conversation with ${ghost}` })).toHaveCount(0);
  expect(ada.sentOfType('private')).toEqual([]);

  // Someone who exists, typed in another case and picked from the suggestions with the keyboard.
  await picker.fill(bob.name.toUpperCase());
  const option = ada.sidebar().getByRole('option', { name: new RegExp(`^${bob.name}`) });
  await expect(option).toBeVisible();
  await picker.press('ArrowDown');
  await expect(option).toHaveAttribute('aria-selected', 'true');
  await picker.press('Enter');
  await expect(ada.pane(`Conversation with ${bob.name}`)).toBeVisible();
  await ada.send('found you');
  await expect(bob.sidebar().getByRole('button', { name: startsWith(ada.name) }).getByLabel('1 unread')).toBeVisible();

  // Not a server admin: the server says so, no Ops tab, and the page itself explains.
  const me = await ada.page.request.get('/api/me', { headers: { Authorization: `Bearer ${await ada.token()}` } });
  expect(await me.json()).toMatchObject({ username: ada.name, admin: false });
  const meLoaded = ada.page.waitForResponse((response) => response.url().endsWith('/api/me'));
  await ada.page.reload();
  await meLoaded;
  await expect(ada.pane(`Conversation with ${bob.name}`)).toBeVisible();
  await expect(ada.page.getByRole('navigation', { name: 'Screens' }).getByRole('link')).toHaveText(['Chat']);
  await ada.page.goto('/#/ops');
  await expect(ada.page.getByRole('alert')).toContainText('The Ops page is for server admins only');
  expect(await axeProblems(ada.page), 'ops refused').toEqual([]);
});
