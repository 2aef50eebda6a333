import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Env } from '@/config/env';
import { FakeWebSocket } from '@/test/fake-websocket';

import { App } from './app';

const env: Env = { apiBase: '', socketUrl: (ticket) => `ws://gateway.test/ws?ticket=${ticket}` };

function href(input: RequestInfo | URL): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/**
 * A gateway's REST side: answers by path, records what was asked. `session.open` stands for
 * the HttpOnly session cookie: set by login, gone after logout.
 */
function fakeGateway() {
  const calls: { method: string; url: string; auth: string | null }[] = [];
  const session = { open: false, tickets: 0 };
  const history: Record<string, unknown[]> = {
    general: [{ id: '0001', room: 'general', user: 'bob', text: 'welcome <b>all</b>', ts: '2030-01-01T09:00:00Z' }],
  };
  const fetchImpl = vi.fn<typeof fetch>((input, init) => {
    const url = new URL(href(input), 'http://page.test');
    const method = init?.method ?? 'GET';
    calls.push({ method, url: url.pathname + url.search, auth: new Headers(init?.headers).get('Authorization') });
    const auth = sessionAnswer(url.pathname, session, 'tok-1');
    if (auth) return Promise.resolve(auth);
    const messages = /^\/api\/rooms\/([^/]+)\/messages$/.exec(url.pathname);
    if (messages) return Promise.resolve(json(200, { messages: history[messages[1]!] ?? [] }));
    const presence = /^\/api\/rooms\/([^/]+)\/presence$/.exec(url.pathname);
    if (presence) return Promise.resolve(json(200, { room: presence[1], users: ['alice', 'bob'] }));
    if (url.pathname.startsWith('/api/private/')) return Promise.resolve(json(200, { messages: [] }));
    return Promise.resolve(json(404, { error: 'not_found', detail: url.pathname }));
  });
  return { fetchImpl, calls, session };
}

/** The session routes: login sets the cookie, refresh and tickets need it, logout ends it. */
function sessionAnswer(path: string, session: { open: boolean; tickets: number }, token: string): Response | null {
  if (path === '/api/login') {
    session.open = true;
    return json(200, { username: 'alice', token, expires_in: 900 });
  }
  if (path === '/api/refresh') {
    return session.open ? json(200, { username: 'alice', token, expires_in: 900 }) : json(401, { error: 'unauthorized', detail: 'no session' });
  }
  if (path === '/api/ws-ticket') {
    session.tickets += 1;
    return json(200, { ticket: `t-${session.tickets}`, expires_in: 30 });
  }
  if (path === '/api/logout' || path === '/api/logout-all') {
    session.open = false;
    return json(200, { sessions: 1 });
  }
  return null;
}

async function signIn(fetchImpl: typeof fetch) {
  const view = render(<App env={env} WebSocketImpl={FakeWebSocket} fetchImpl={fetchImpl} />);
  await userEvent.type(await screen.findByLabelText('User name'), 'alice');
  await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await screen.findByText('Signed in as');
  return view;
}

/** The request for a room's latest polls that follows each join. */
const listRequest = (room: string) => ({ type: 'poll', room, client_id: expect.any(String) as unknown });

/** Everything the tab keeps in sessionStorage and localStorage, as one string. */
function storedText(): string {
  const all: string[] = [];
  for (const storage of [sessionStorage, localStorage]) {
    for (let i = 0; i < storage.length; i += 1) all.push(`${storage.key(i)}=${storage.getItem(storage.key(i) ?? '')}`);
  }
  return all.join('\n');
}

/** Opens the next socket the page dials (once its ticket came). */
async function openLatestSocket() {
  const ws = await waitFor(() => {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket || socket.readyState !== 0) throw new Error('no new socket yet');
    return socket;
  });
  act(() => {
    ws.open();
  });
  return ws;
}

beforeEach(() => {
  FakeWebSocket.reset();
});

/** Frames other than the scheduled function's list request. */
function notScheduled(frame: { type?: unknown }): boolean {
  return frame.type !== 'scheduled';
}

describe('App', () => {
  it('signs in, joins a room, chats, and resumes after a reconnect', async () => {
    const { fetchImpl, calls } = fakeGateway();
    const view = await signIn(fetchImpl);
    await waitFor(() => {
      expect(FakeWebSocket.latest().url).toBe('ws://gateway.test/ws?ticket=t-1');
    });
    expect(calls).toContainEqual({ method: 'POST', url: '/api/ws-ticket', auth: 'Bearer tok-1' });
    expect(screen.getByRole('status')).toHaveTextContent('Connecting…');
    let ws = await openLatestSocket();
    expect(screen.queryByRole('status')).toBeNull();

    // Join a room: history over REST with the token, then the join from its newest message
    // and a request for its polls (acked, as the gateway does).
    await userEvent.type(screen.getByLabelText('Join or create a room'), 'general{Enter}');
    expect(await screen.findByText('welcome <b>all</b>')).toBeInTheDocument();
    // The room on screen also asks for your scheduled messages there (once a session).
    await waitFor(() => {
      expect(ws.frames().filter(notScheduled)).toEqual([{ type: 'join', room: 'general', since: '0001' }, listRequest('general'), { type: 'read', room: 'general', id: '0001' }]);
    });
    expect(ws.framesOfType('scheduled')).toEqual([{ type: 'scheduled', room: 'general', client_id: expect.any(String) as string }]);
    act(() => {
      ws.receive({ type: 'ack', client_id: ws.framesOfType('poll')[0]?.client_id, id: 'E0' });
      ws.receive({ type: 'ack', client_id: ws.framesOfType('scheduled')[0]?.client_id, id: 'E1' });
    });
    expect(calls).toContainEqual({ method: 'GET', url: '/api/rooms/general/messages?limit=50', auth: 'Bearer tok-1' });
    const people = screen.getByRole('complementary', { name: 'People in this room' });
    await waitFor(() => {
      expect(within(people).getByText('Online — 2')).toBeInTheDocument();
    });

    // Live messages, bots marked.
    act(() => {
      ws.receive({ type: 'message', id: '0002', room: 'general', user: 'helper-bot', text: 'beep', ts: '2030-01-01T09:01:00Z' });
    });
    expect(screen.getByText('beep').closest('[data-testid="message"]')).toHaveAttribute('data-bot', 'true');

    // Send: pending until ack, then replaced by the delivered copy.
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'hello room{Enter}');
    const sent = ws.framesOfType('message');
    expect(sent).toHaveLength(1);
    const clientId = sent[0]!.client_id as string;
    expect(screen.getByTestId('outgoing')).toHaveAttribute('data-status', 'pending');
    act(() => {
      ws.receive({ type: 'ack', client_id: clientId, id: '0003' });
    });
    expect(screen.getByTestId('outgoing')).toHaveAttribute('data-status', 'sent');
    act(() => {
      ws.receive({ type: 'message', id: '0003', room: 'general', user: 'alice', text: 'hello room', ts: '2030-01-01T09:02:00Z' });
    });
    expect(screen.queryByTestId('outgoing')).toBeNull();
    expect(screen.getAllByText('hello room')).toHaveLength(1);

    // Typing from someone else shows; our own does not.
    act(() => {
      ws.receive({ type: 'typing', room: 'general', user: 'bob' });
      ws.receive({ type: 'typing', room: 'general', user: 'alice' });
    });
    expect(screen.getByText('bob is typing…')).toBeInTheDocument();

    // The connection drops: banner, then a reconnect that resumes with since, re-sends the
    // unacked and asks for the room's polls again (poll frames are not replayed).
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'unacked{Enter}');
    const unacked = ws.framesOfType('message')[1]!;
    act(() => {
      ws.drop(1006);
    });
    expect(screen.getByRole('status')).toHaveTextContent(/Reconnecting in \ds/);
    await userEvent.click(screen.getByRole('button', { name: 'Reconnect now' }));
    ws = await openLatestSocket();
    expect(ws.frames().filter(notScheduled)).toEqual([{ type: 'join', room: 'general', since: '0003' }, unacked, listRequest('general')]);

    // A replayed message is not shown twice.
    act(() => {
      ws.receive({ type: 'message', id: '0003', room: 'general', user: 'alice', text: 'hello room', ts: '2030-01-01T09:02:00Z' });
    });
    expect(screen.getAllByText('hello room')).toHaveLength(1);

    // A private message opens a conversation with an unread count.
    act(() => {
      ws.receive({ type: 'private', id: '0009', from: 'bob', to: 'alice', text: 'psst', ts: '2030-01-01T09:03:00Z' });
    });
    const dms = screen.getByRole('region', { name: 'Direct messages' });
    expect(within(dms).getByLabelText('1 unread')).toBeInTheDocument();

    // Reload: the session comes back through the cookie (no token was stored), the joined
    // room from sessionStorage.
    expect(storedText()).not.toContain('tok-1');
    view.unmount();
    render(<App env={env} WebSocketImpl={FakeWebSocket} fetchImpl={fetchImpl} />);
    expect(await screen.findByText('Signed in as')).toBeInTheDocument();
    ws = await openLatestSocket();
    expect(await screen.findByText('welcome <b>all</b>')).toBeInTheDocument();
    await waitFor(() => {
      expect(ws.frames().filter(notScheduled)).toEqual([{ type: 'join', room: 'general', since: '0001' }, listRequest('general'), { type: 'read', room: 'general', id: '0001' }]);
    });
    const restored = screen.getByRole('region', { name: 'Direct messages' });
    expect(within(restored).getByRole('button', { name: /^bob/ })).toBeInTheDocument();

    // Log out: back to the login form, socket closed, storage cleared, the session ended.
    await userEvent.click(screen.getByRole('button', { name: 'Log out' }));
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(ws.closedByClient).toBe(1000);
    expect(sessionStorage.length).toBe(0);
    expect(calls.filter((call) => call.url === '/api/logout')).toHaveLength(1);
  });

  it('shows a failed send with a retry that re-sends the same client_id', async () => {
    const { fetchImpl } = fakeGateway();
    await signIn(fetchImpl);
    const ws = await openLatestSocket();
    await userEvent.type(screen.getByLabelText('Join or create a room'), 'general{Enter}');
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'spam{Enter}');
    const first = ws.framesOfType('message')[0]!;
    act(() => {
      ws.receive({ type: 'error', error: 'rate_limited', detail: 'You are sending too fast.', client_id: first.client_id });
    });
    expect(screen.getByTestId('outgoing')).toHaveAttribute('data-status', 'failed');
    expect(screen.getByText('You are sending too fast.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(screen.getByTestId('outgoing')).toHaveAttribute('data-status', 'pending');
    expect(ws.framesOfType('message')).toEqual([first, first]);
  });

  it('opens a poll from the composer, shows it live, votes on it and shows a refused vote', async () => {
    const { fetchImpl } = fakeGateway();
    await signIn(fetchImpl);
    const ws = await openLatestSocket();
    await userEvent.type(screen.getByLabelText('Join or create a room'), 'general{Enter}');
    await screen.findByText('welcome <b>all</b>');
    const box = screen.getByRole('textbox', { name: 'Message' });

    // The join asks for the room's polls; where no poll function runs that is refused, silently.
    await waitFor(() => {
      expect(ws.framesOfType('poll')).toEqual([listRequest('general')]);
    });
    const [list] = ws.framesOfType('poll');
    act(() => {
      ws.receive({ type: 'error', error: 'unknown_type', detail: "unknown frame type 'poll'", client_id: list?.client_id });
    });
    expect(screen.queryByText(/unknown frame type/)).toBeNull();
    expect(screen.queryByRole('region', { name: 'Polls in #general' })).toBeNull();

    // A bad command sends nothing and says what is wrong; the text stays to be fixed.
    await userEvent.type(box, '/poll Lunch? | pizza');
    expect(screen.getByTestId('composer-hint')).toHaveTextContent('/poll Question? | option | option');
    await userEvent.keyboard('{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent('at least 2 options');
    expect(box).toHaveValue('/poll Lunch? | pizza');
    expect(ws.framesOfType('poll')).toEqual([list]);
    expect(ws.framesOfType('message')).toEqual([]);

    // A good one goes out as the poll action, not as a message.
    await userEvent.type(box, ' | soup{Enter}');
    expect(box).toHaveValue('');
    const [, open] = ws.framesOfType('poll');
    expect(open).toEqual({ type: 'poll', room: 'general', question: 'Lunch?', options: ['pizza', 'soup'], client_id: open?.client_id });
    expect(ws.framesOfType('message')).toEqual([]);
    expect(screen.queryByTestId('outgoing')).toBeNull();

    // The room gets the poll; a vote goes out and the buttons wait for it.
    const poll = { type: 'poll', id: 'p1', room: 'general', question: 'Lunch?', options: ['pizza', 'soup'], totals: [1, 0], votes: { bob: 0 }, by: 'alice' };
    act(() => {
      ws.receive(poll);
    });
    const card = screen.getByRole('article', { name: 'Lunch?' });
    expect(within(screen.getByRole('region', { name: 'Polls in #general' })).getByRole('article')).toBe(card);
    expect(card).toHaveTextContent('Poll by you · 1 vote');
    await userEvent.click(within(card).getByRole('button', { name: 'Vote for soup' }));
    const vote = ws.framesOfType('poll')[2]!;
    expect(vote).toEqual({ type: 'poll', room: 'general', poll: 'p1', vote: 1, client_id: vote.client_id });
    expect(within(card).getByRole('button', { name: 'Vote for pizza' })).toBeDisabled();

    // Refused: the notice says why, and the buttons work again.
    act(() => {
      ws.receive({ type: 'error', error: 'invalid', detail: 'poll: vote for an option between 0 and 1', client_id: vote.client_id });
    });
    expect(screen.getByText('Your vote was not counted: vote for an option between 0 and 1')).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Vote for pizza' })).toBeEnabled();

    // Counted: the totals move and the choice is marked.
    await userEvent.click(within(card).getByRole('button', { name: 'Vote for soup' }));
    act(() => {
      ws.receive({ ...poll, totals: [1, 1], votes: { bob: 0, alice: 1 } });
    });
    expect(card).toHaveTextContent('Poll by you · 2 votes');
    expect(within(card).getAllByTestId('poll-count').map((count) => count.textContent)).toEqual(['1 vote', '1 vote']);
    expect(within(card).getByText('Your vote')).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Vote for pizza' })).toBeDisabled();
  });

  it('goes back to the login form when the session ended (logged out elsewhere)', async () => {
    const { fetchImpl, session } = fakeGateway();
    await signIn(fetchImpl);
    const ws = await openLatestSocket();
    session.open = false;
    act(() => {
      ws.drop(4401);
    });
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('carries on with a fresh socket when a 4401 comes while the session cookie still works', async () => {
    const { fetchImpl } = fakeGateway();
    await signIn(fetchImpl);
    const ws = await openLatestSocket();
    act(() => {
      ws.drop(4401);
    });
    const next = await openLatestSocket();
    expect(next).not.toBe(ws);
    expect(screen.getByText('Signed in as')).toBeInTheDocument();
  });

  it('renews an expired access token through the cookie and sends the call again', async () => {
    const { fetchImpl, calls, session } = fakeGateway();
    let expired = true;
    const inner = fetchImpl.getMockImplementation()!;
    fetchImpl.mockImplementation((input, init) => {
      const path = new URL(href(input), 'http://page.test').pathname;
      const auth = new Headers(init?.headers).get('Authorization');
      if (path === '/api/refresh' && session.open && expired) {
        expired = false;
        calls.push({ method: 'POST', url: path, auth });
        return Promise.resolve(json(200, { username: 'alice', token: 'tok-2', expires_in: 900 }));
      }
      if (path === '/api/me' && auth === 'Bearer tok-1') {
        calls.push({ method: 'GET', url: path, auth });
        return Promise.resolve(json(401, { error: 'unauthorized', detail: 'expired' }));
      }
      return inner(input, init);
    });
    await signIn(fetchImpl);
    await openLatestSocket();
    await waitFor(() => {
      expect(calls).toContainEqual({ method: 'GET', url: '/api/me', auth: 'Bearer tok-2' });
    });
    expect(screen.getByText('Signed in as')).toBeInTheDocument();
  });

  it('changes the password from the Account dialog and keeps this device signed in', async () => {
    const { fetchImpl, calls } = fakeGateway();
    const inner = fetchImpl.getMockImplementation()!;
    fetchImpl.mockImplementation((input, init) => {
      const path = new URL(href(input), 'http://page.test').pathname;
      if (path === '/api/password') {
        const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as { current: string; new: string };
        calls.push({ method: 'POST', url: path, auth: new Headers(init?.headers).get('Authorization') });
        return Promise.resolve(
          body.current === 'correct horse'
            ? json(200, { username: 'alice', token: 'tok-3', expires_in: 900 })
            : json(403, { error: 'wrong_password', detail: 'the current password is wrong; nothing changed' }),
        );
      }
      return inner(input, init);
    });
    await signIn(fetchImpl);
    const first = await openLatestSocket();
    await userEvent.click(screen.getByRole('button', { name: /^Account/ }));
    const dialog = screen.getByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText('Current password'), 'wrong one');
    await userEvent.type(within(dialog).getByLabelText('New password'), 'battery staple');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('the current password is wrong');
    const second = await openLatestSocket(); // the socket came back after the refused change
    expect(first.closedByClient).toBe(1000);

    await userEvent.clear(within(dialog).getByLabelText('Current password'));
    await userEvent.type(within(dialog).getByLabelText('Current password'), 'correct horse');
    await userEvent.type(within(dialog).getByLabelText('New password'), 'battery staple');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect(await within(dialog).findByRole('status')).toHaveTextContent('Password changed');
    const third = await openLatestSocket();
    expect(second.closedByClient).toBe(1000);
    expect(third).not.toBe(second);
    expect(calls).toContainEqual({ method: 'POST', url: '/api/ws-ticket', auth: 'Bearer tok-3' });
  });

  it('logs out everywhere from the Account dialog', async () => {
    const { fetchImpl, calls } = fakeGateway();
    await signIn(fetchImpl);
    await openLatestSocket();
    await userEvent.click(screen.getByRole('button', { name: /^Account/ }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Log out everywhere' }));
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(calls.filter((call) => call.url === '/api/logout-all')).toHaveLength(1);
  });

  it('shows the ops table on the Ops tab', async () => {
    const { fetchImpl } = fakeGateway();
    fetchImpl.mockImplementation((input) =>
      Promise.resolve(
        href(input) === '/api/functions'
          ? json(200, { functions: [{ name: 'chat', trigger: 'on_message', topic: 'chat.message', group: 'fn.chat', replicas: 2, lag: 5 }] })
          : href(input) === '/api/me'
            ? json(200, { username: 'alice', admin: true, rooms: [], conversations: [] })
            : href(input) === '/api/refresh'
              ? json(401, { error: 'unauthorized', detail: 'no session' })
              : json(200, { username: 'alice', token: 'tok-1', ticket: 't-1', messages: [], users: [] }),
      ),
    );
    await signIn(fetchImpl);
    await userEvent.click(screen.getByRole('link', { name: 'Ops' }));
    expect(await screen.findByRole('rowheader', { name: 'chat' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Ops' })).toHaveAttribute('aria-current', 'page');
  });

  it('uses the name as registered, restores the sidebar from /api/me, and keeps Ops from a non-admin', async () => {
    const fetchImpl = vi.fn<typeof fetch>((input) => {
      const path = new URL(href(input), 'http://page.test').pathname;
      if (path === '/api/login') return Promise.resolve(json(200, { username: 'alice', token: 'tok-2' }));
      if (path === '/api/refresh') return Promise.resolve(json(401, { error: 'unauthorized', detail: 'no session' }));
      if (path === '/api/ws-ticket') return Promise.resolve(json(200, { ticket: 't-1' }));
      if (path === '/api/me') {
        return Promise.resolve(
          json(200, {
            username: 'alice',
            admin: false,
            rooms: [
              { name: 'general', role: 'member', unread: 0, mentions: 0, topic: '', visibility: 'public' },
              { name: 'plans', role: 'owner', unread: 5, mentions: 2, topic: 'Secret plans', visibility: 'private' },
            ],
            conversations: [{ user: 'bob', unread: 3 }],
          }),
        );
      }
      if (path === '/api/functions') return Promise.resolve(json(403, { error: 'forbidden', detail: 'Server admins only.' }));
      if (path.endsWith('/presence')) return Promise.resolve(json(200, { room: 'x', users: [] }));
      return Promise.resolve(json(200, { messages: [] }));
    });
    render(<App env={env} WebSocketImpl={FakeWebSocket} fetchImpl={fetchImpl} />);
    await userEvent.type(await screen.findByLabelText('User name'), 'ALICE');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Signed in as')).toHaveTextContent('Signed in as alice');
    await openLatestSocket();

    const rooms = screen.getByRole('region', { name: 'Rooms' });
    expect(await within(rooms).findByRole('button', { name: /^plans, private/ })).toBeInTheDocument();
    expect(within(rooms).getByLabelText('5 unread')).toBeInTheDocument();
    expect(within(rooms).getByLabelText('2 mentions')).toHaveTextContent('@2');
    const dms = screen.getByRole('region', { name: 'Direct messages' });
    expect(within(dms).getByLabelText('3 unread')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Room general' })).toBeInTheDocument();

    expect(screen.queryByRole('link', { name: 'Ops' })).toBeNull();
    act(() => {
      window.location.hash = '#/ops';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('The Ops page is for server admins only');
  });
});
