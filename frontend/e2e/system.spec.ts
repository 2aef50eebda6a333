/**
 * The whole flow in Debian's Chromium against the REAL system: `parley up` (gateway, Kafka,
 * the chat, private, presence, bot and poll workers: every file in functions/) serving the built UI. infra/e2e.sh starts it and
 * sets PARLEY_E2E_URL; without that these skip (stand-in.spec.ts runs instead).
 *
 * Every test makes its own users and rooms (unique per run), each user in a browser context of
 * their own, and fails if any page opened a dialog or threw (see support.ts).
 */
import { axeProblems, expect, screenshot, test, unique } from './support';

test.skip(!process.env.PARLEY_E2E_URL, 'needs the real system: run bash infra/e2e.sh');

const startsWith = (name: string) => new RegExp(`^${name}(\\s|$)`);

test('two people register, chat live, see each other come and go, and the bot answers', async ({ people }) => {
  const room = unique('room');
  const ada = await people.open('ada');
  const bob = await people.open('bob');

  await ada.page.goto('/');
  await expect(ada.page.getByRole('heading', { name: 'Sign in to Parley' })).toBeVisible();
  await screenshot(ada.page, 'login');

  await ada.register();
  await bob.register();
  await ada.joinRoom(room);
  await expect(ada.presence().getByRole('heading')).toHaveText('Online — 1');

  // Bob comes in: each sees the other in the presence list.
  await bob.joinRoom(room);
  await expect(ada.presence()).toContainText(bob.name);
  await expect(bob.presence()).toContainText(ada.name);
  await expect(ada.presence().getByRole('heading')).toHaveText('Online — 2');

  // Messages go both ways, live, in one order on both screens.
  await ada.send('hi bob');
  await expect(bob.messages().filter({ hasText: 'hi bob' })).toBeVisible();
  await bob.send('hello ada, all good?');
  await expect(ada.messages().filter({ hasText: 'hello ada, all good?' })).toBeVisible();

  // The bot answers a slash command in the room, and its reply looks like a bot's.
  await ada.send('/roll 2d6');
  for (const user of [ada, bob]) {
    const reply = user.messages().filter({ hasText: `${ada.name} rolled 2d6:` });
    await expect(reply).toHaveAttribute('data-bot', 'true');
    await expect(reply.getByTestId('message-text')).toHaveText(new RegExp(`^${ada.name} rolled 2d6: [1-6] \\+ [1-6] = \\d+$`));
    await expect(reply.getByTestId('bot-badge')).toBeVisible();
    await expect(user.messages().filter({ hasText: '/roll 2d6' }).first()).toHaveAttribute('data-bot', 'false');
  }
  const order = ['hi bob', 'hello ada, all good?', '/roll 2d6'];
  expect((await ada.texts()).slice(0, 3)).toEqual(order);
  expect((await bob.texts()).slice(0, 3)).toEqual(order);
  await expect(ada.messages()).toHaveCount(4);
  await expect(bob.messages()).toHaveCount(4);
  await screenshot(ada.page, 'chat');

  // Bob closes his tab: Ada sees him leave.
  await bob.page.close();
  await expect(ada.presence()).not.toContainText(bob.name);
  await expect(ada.presence().getByRole('heading')).toHaveText('Online — 1');

  // The ops page lists the running functions with their consumer lag.
  await ada.page.getByRole('link', { name: 'Ops' }).click();
  const table = ada.page.getByRole('table');
  for (const fn of ['chat', 'private', 'presence', 'bot']) {
    await expect(table.getByRole('rowheader', { name: fn, exact: true })).toBeVisible();
  }
  await expect(ada.page.getByText(/^Updated /)).toBeVisible();
  await screenshot(ada.page, 'ops');
});

test('a private message reaches its two parties and never a third', async ({ people }) => {
  const room = unique('room');
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  const eve = await people.open('eve');
  for (const user of [ada, bob, eve]) await user.register();
  for (const user of [ada, bob, eve]) await user.joinRoom(room);
  await expect(ada.presence().getByRole('heading')).toHaveText('Online — 3');

  // Ada opens a private conversation from the presence list.
  await ada.presence().getByRole('button', { name: bob.name }).click();
  await expect(ada.pane(`Conversation with ${bob.name}`)).toBeVisible();
  const secret = `the secret is ${unique('s')}`;
  await ada.send(secret);

  // Bob gets it in a new direct conversation with an unread badge, and answers.
  const entry = bob.sidebar().getByRole('button', { name: startsWith(ada.name) });
  await expect(entry.getByLabel('1 unread')).toBeVisible();
  await entry.click();
  await expect(bob.pane(`Conversation with ${ada.name}`)).toBeVisible();
  await expect(bob.messages().filter({ hasText: secret })).toBeVisible();
  await bob.send('safe with me');
  await expect(ada.messages().filter({ hasText: 'safe with me' })).toBeVisible();
  expect(await bob.texts()).toEqual([secret, 'safe with me']);
  await screenshot(bob.page, 'private');

  // A room message after the private ones: once Eve has it, anything for her has arrived too.
  await ada.sidebar().getByRole('button', { name: startsWith(room) }).click();
  await ada.send('back in the room');
  await expect(eve.messages().filter({ hasText: 'back in the room' })).toBeVisible();
  await eve.page.waitForTimeout(500);

  // Eve's screen shows the room message only, and no direct conversation.
  expect(await eve.texts()).toEqual(['back in the room']);
  await expect(eve.page.getByText(secret)).toHaveCount(0);
  await expect(eve.sidebar().getByRole('button', { name: startsWith(ada.name) })).toHaveCount(0);
  await expect(eve.sidebar().getByRole('button', { name: startsWith(bob.name) })).toHaveCount(0);
  // No frame of the conversation reached her socket...
  expect(eve.framesOfType('private')).toEqual([]);
  expect(JSON.stringify(eve.frames)).not.toContain(secret);
  expect(JSON.stringify(eve.frames)).not.toContain('safe with me');
  expect(eve.framesOfType('message').map((frame) => frame.text)).toEqual(['back in the room']);
  // ...while both parties got each private frame once.
  for (const user of [ada, bob]) expect(user.framesOfType('private').map((frame) => frame.text)).toEqual([secret, 'safe with me']);
  // ...and the API does not hand it out either.
  for (const other of [ada, bob]) {
    const response = await eve.page.request.get(`/api/private/${other.name}/messages`, {
      headers: { Authorization: `Bearer ${await eve.token()}` },
    });
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ messages: [] });
  }
});

test('history survives a reload, and markup in a message stays text', async ({ people }) => {
  const room = unique('room');
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();
  await ada.joinRoom(room);
  await bob.joinRoom(room);

  const xss = '<img src=x onerror=alert(1)>';
  const more = '<script>alert(2)</script><b>bold?</b> & <a href="javascript:alert(3)">link</a>';
  await ada.send('before the reload');
  await ada.send(xss);
  await bob.send(more);
  const expected = ['before the reload', xss, more];
  for (const user of [ada, bob]) {
    await expect.poll(() => user.texts()).toEqual(expected);
    await expect(user.list().locator('img, script, b, a')).toHaveCount(0);
  }

  // A reload keeps the session and the room, and history brings the messages back in order.
  await ada.page.reload();
  await ada.expectOnline();
  await expect(ada.pane(`Room ${room}`)).toBeVisible();
  await expect.poll(() => ada.texts()).toEqual(expected);
  await expect(ada.list().locator('img, script, b, a')).toHaveCount(0);

  // Someone joining later sees the same history.
  const cy = await people.open('cy');
  await cy.register();
  await cy.joinRoom(room);
  await expect.poll(() => cy.texts()).toEqual(expected);
  await expect(cy.list().locator('img, script, b, a')).toHaveCount(0);
  // Give a stray onerror handler time to fire; the fixture then fails on any dialog.
  await cy.page.waitForTimeout(300);
});

test('a network drop and reconnect loses nothing and duplicates nothing', async ({ people }) => {
  const room = unique('room');
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();
  await ada.joinRoom(room);
  await bob.joinRoom(room);
  await ada.send('before the drop');
  await expect(bob.messages().filter({ hasText: 'before the drop' })).toBeVisible();

  // Bob's network goes away: his UI says so at once.
  await bob.context.setOffline(true);
  await expect(bob.page.getByRole('status').filter({ hasText: 'Connection lost' })).toBeVisible();

  // Ada keeps talking, and Bob writes too while offline (queued until he is back).
  const burst = Array.from({ length: 6 }, (_, i) => `while bob was away ${i + 1}`);
  for (const text of burst) await ada.type(text);
  await ada.expectAllAcked();
  await bob.type('written while offline');
  await expect(bob.list().getByTestId('outgoing')).toContainText('Sending…');
  await screenshot(bob.page, 'reconnecting');
  expect(await bob.texts()).toEqual(['before the drop']);

  // Back online: Bob resumes with `since`, gets every message once and in order, and his
  // queued message goes out once.
  await bob.context.setOffline(false);
  await bob.expectOnline();
  const expected = ['before the drop', ...burst, 'written while offline'];
  await expect.poll(() => bob.texts()).toEqual(expected);
  await bob.expectAllAcked();
  await expect.poll(() => ada.texts()).toEqual(expected);
  const resumed = bob.sent.filter((frame) => frame.type === 'join' && frame.room === room && typeof frame.since === 'string');
  expect(resumed).toHaveLength(1);

  // Nothing arrives late a second time.
  await bob.page.waitForTimeout(1_000);
  expect(await bob.texts()).toEqual(expected);
  expect(await ada.texts()).toEqual(expected);
});

test('a message stored between the history fetch and the join after a reload still arrives', async ({ people }) => {
  const room = unique('room');
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();
  await ada.joinRoom(room);
  await bob.joinRoom(room);
  await bob.send('before the reload');
  await expect(ada.messages().filter({ hasText: 'before the reload' })).toBeVisible();

  // Ada reloads. The race, made deterministic: her history request is answered by the server,
  // then Bob posts, and only after that does her page get the answer and the gateway get her
  // socket's frames (the join). A join without `since` would miss Bob's message for good.
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  await ada.page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage(async (message) => {
      await released;
      server.send(message);
    });
  });
  let held = false;
  await ada.page.route(`**/api/rooms/${room}/messages?*`, async (route) => {
    if (held) return route.continue();
    held = true;
    const response = await route.fetch();
    await bob.send('between the history and the join');
    await route.fulfill({ response });
    release();
  });
  await ada.page.reload();
  await ada.expectOnline();
  await expect.poll(() => ada.texts()).toEqual(['before the reload', 'between the history and the join']);
  expect(held).toBe(true);
});

test('a poll: one person opens it with /poll, the other votes, both see the totals live', async ({ people }) => {
  const room = unique('room');
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();
  await ada.joinRoom(room);
  await bob.joinRoom(room);
  await expect(ada.presence()).toContainText(bob.name);
  // Each join asked for the room's polls (there are none yet).
  const listed = { type: 'poll', room, client_id: expect.any(String) };
  for (const user of [ada, bob]) await expect.poll(() => user.sentOfType('poll')).toEqual([listed]);

  // A command without options sends nothing and says how to write one.
  const box = ada.page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill('/poll Lunch?');
  await expect(ada.page.getByTestId('composer-hint')).toHaveText('Poll: /poll Question? | option | option (2 to 10 options)');
  await box.press('Enter');
  await expect(ada.page.getByRole('alert')).toContainText('A poll needs at least 2 options');
  await expect(box).toHaveValue('/poll Lunch?');
  expect(ada.sentOfType('poll')).toEqual([listed]);

  // Ada opens the poll; it reaches both screens (a poll, not a message: the bot stays quiet).
  await ada.type('/poll Lunch? | pizza | soup of the day');
  const question = 'Lunch?';
  for (const user of [ada, bob]) {
    await expect(user.poll(question)).toContainText(`Poll by ${user === ada ? 'you' : ada.name} · 0 votes`);
    await expect.poll(() => user.pollCounts(question)).toEqual(['0 votes', '0 votes']);
  }
  expect(ada.sentOfType('message')).toEqual([]);
  expect(ada.sentOfType('poll')).toEqual([
    listed,
    { type: 'poll', room, question, options: ['pizza', 'soup of the day'], client_id: expect.any(String) },
  ]);

  // Bob votes by keyboard; both see the count move; his choice is marked and his buttons are off.
  await bob.poll(question).getByRole('button', { name: 'Vote for soup of the day' }).focus();
  await bob.page.keyboard.press('Enter');
  for (const user of [ada, bob]) {
    await expect.poll(() => user.pollCounts(question)).toEqual(['0 votes', '1 vote']);
    await expect(user.poll(question)).toContainText('1 vote');
  }
  const bobs = bob.poll(question);
  await expect(bobs.getByTestId('poll-option').filter({ hasText: 'soup of the day' })).toContainText('Your vote');
  for (const option of ['pizza', 'soup of the day']) await expect(bobs.getByRole('button', { name: `Vote for ${option}` })).toBeDisabled();
  await expect(ada.poll(question).getByRole('button', { name: 'Vote for pizza' })).toBeEnabled();

  // Ada votes too: two votes, one each, on both screens.
  await ada.poll(question).getByRole('button', { name: 'Vote for pizza' }).click();
  for (const user of [ada, bob]) {
    await expect.poll(() => user.pollCounts(question)).toEqual(['1 vote', '1 vote']);
    await expect(user.poll(question)).toContainText('· 2 votes');
  }
  await expect(ada.poll(question).getByTestId('poll-option').filter({ hasText: 'pizza' })).toContainText('Your vote');
  expect(bob.sentOfType('poll')).toEqual([listed, { type: 'poll', room, poll: expect.any(String), vote: 1, client_id: expect.any(String) }]);
  const last = bob.framesOfType('poll').at(-1);
  expect(last).toMatchObject({ room, question, options: ['pizza', 'soup of the day'], totals: [1, 1], by: ada.name });
  expect(last?.votes).toEqual({ [ada.name]: 0, [bob.name]: 1 });

  // The page with a poll passes axe in both themes, and fits a phone.
  for (const theme of ['light', 'dark'] as const) {
    await bob.page.emulateMedia({ colorScheme: theme });
    const html = bob.page.locator('html');
    await (theme === 'dark' ? expect(html).toHaveClass(/\bdark\b/) : expect(html).not.toHaveClass(/\bdark\b/));
    expect(await axeProblems(bob.page), `poll, ${theme} theme`).toEqual([]);
  }
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await expect(bob.poll(question)).toBeInViewport();
  expect(await bob.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  expect(await axeProblems(bob.page), 'poll on a phone').toEqual([]);
  await screenshot(bob.page, 'poll-phone');
  await bob.page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(ada.page, 'poll');
});

test('someone who opens the room after a poll was opened sees it with its totals at once, and so does a reload', async ({ people }) => {
  const room = unique('room');
  const question = 'Tea or coffee?';
  const counts = (...votes: number[]) => votes.map((n) => `${n} ${n === 1 ? 'vote' : 'votes'}`);
  const ada = await people.open('ada');
  const bob = await people.open('bob');
  await ada.register();
  await bob.register();
  await ada.joinRoom(room);
  await bob.joinRoom(room);
  await ada.type(`/poll ${question} | tea | coffee | neither`);
  await bob.poll(question).getByRole('button', { name: 'Vote for coffee' }).click();
  await expect.poll(() => ada.pollCounts(question)).toEqual(counts(0, 1, 0));
  await ada.poll(question).getByRole('button', { name: 'Vote for tea' }).click();
  for (const user of [ada, bob]) await expect.poll(() => user.pollCounts(question)).toEqual(counts(1, 1, 0));
  const bobsPollFrames = bob.framesOfType('poll').length;

  // Cy signs up and opens the room only now, with nothing changing on the poll: it is there,
  // with its totals, and she can vote.
  const cy = await people.open('cy');
  await cy.register();
  await cy.joinRoom(room);
  await expect(cy.poll(question)).toContainText(`Poll by ${ada.name} · 2 votes`);
  await expect.poll(() => cy.pollCounts(question)).toEqual(counts(1, 1, 0));
  await expect(cy.poll(question).getByText('Your vote')).toHaveCount(0);
  expect(cy.sentOfType('poll')).toEqual([{ type: 'poll', room, client_id: expect.any(String) }]);
  expect(cy.framesOfType('poll')).toEqual([
    expect.objectContaining({ room, question, options: ['tea', 'coffee', 'neither'], totals: [1, 1, 0], by: ada.name }),
  ]);

  // Her vote reaches everyone; the answer to her request reached her alone (it came before her
  // vote, which Bob gets as his one new poll frame).
  await cy.poll(question).getByRole('button', { name: 'Vote for neither' }).click();
  for (const user of [ada, bob, cy]) await expect.poll(() => user.pollCounts(question)).toEqual(counts(1, 1, 1));
  await expect(cy.poll(question).getByTestId('poll-option').filter({ hasText: 'neither' })).toContainText('Your vote');
  expect(bob.framesOfType('poll').slice(bobsPollFrames)).toEqual([expect.objectContaining({ totals: [1, 1, 1] })]);

  // A reload brings the poll back as it is, her own vote marked.
  await ada.page.reload();
  await ada.expectOnline();
  await expect(ada.pane(`Room ${room}`)).toBeVisible();
  await expect(ada.poll(question)).toContainText('Poll by you · 3 votes');
  await expect.poll(() => ada.pollCounts(question)).toEqual(counts(1, 1, 1));
  await expect(ada.poll(question).getByTestId('poll-option').filter({ hasText: 'tea' })).toContainText('Your vote');
  for (const option of ['tea', 'coffee', 'neither']) await expect(ada.poll(question).getByRole('button', { name: `Vote for ${option}` })).toBeDisabled();
});

// The built UI under the gateway's Content-Security-Policy (gateway/http/headers.py): the header is
// there, and signing up, joining a room and chatting trip no policy violation.
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
