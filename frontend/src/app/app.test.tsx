import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Env } from '@/config/env';
import { FakeWebSocket } from '@/test/fake-websocket';

import { App } from './app';

const env: Env = { apiBase: '', socketUrl: (token) => `ws://gateway.test/ws?token=${token}` };

function href(input: RequestInfo | URL): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A gateway's REST side: answers by path, records what was asked. */
function fakeGateway() {
  const calls: { method: string; url: string; auth: string | null }[] = [];
  const history: Record<string, unknown[]> = {
    general: [{ id: '0001', room: 'general', user: 'bob', text: 'welcome <b>all</b>', ts: '2030-01-01T09:00:00Z' }],
  };
  const fetchImpl = vi.fn<typeof fetch>((input, init) => {
    const url = new URL(href(input), 'http://page.test');
    const method = init?.method ?? 'GET';
    calls.push({ method, url: url.pathname + url.search, auth: new Headers(init?.headers).get('Authorization') });
    if (url.pathname === '/api/login') return Promise.resolve(json(200, { username: 'alice', token: 'tok-1' }));
    const messages = /^\/api\/rooms\/([^/]+)\/messages$/.exec(url.pathname);
    if (messages) return Promise.resolve(json(200, { messages: history[messages[1]!] ?? [] }));
    const presence = /^\/api\/rooms\/([^/]+)\/presence$/.exec(url.pathname);
    if (presence) return Promise.resolve(json(200, { room: presence[1], users: ['alice', 'bob'] }));
    if (url.pathname.startsWith('/api/private/')) return Promise.resolve(json(200, { messages: [] }));
    return Promise.resolve(json(404, { error: 'not_found', detail: url.pathname }));
  });
  return { fetchImpl, calls };
}

async function signIn(fetchImpl: typeof fetch) {
  const view = render(<App env={env} WebSocketImpl={FakeWebSocket} fetchImpl={fetchImpl} />);
  await userEvent.type(screen.getByLabelText('User name'), 'alice');
  await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await screen.findByText('Signed in as');
  return view;
}

/** The request for a room's latest polls that follows each join. */
const listRequest = (room: string) => ({ type: 'poll', room, client_id: expect.any(String) as unknown });

function openLatestSocket() {
  act(() => {
    FakeWebSocket.latest().open();
  });
  return FakeWebSocket.latest();
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('App', () => {
  it('signs in, joins a room, chats, and resumes after a reconnect', async () => {
    const { fetchImpl, calls } = fakeGateway();
    const view = await signIn(fetchImpl);
    expect(FakeWebSocket.latest().url).toBe('ws://gateway.test/ws?token=tok-1');
    expect(screen.getByRole('status')).toHaveTextContent('Connecting…');
    let ws = openLatestSocket();
    expect(screen.queryByRole('status')).toBeNull();

    // Join a room: history over REST with the token, then the join from its newest message
    // and a request for its polls (acked, as the gateway does).
    await userEvent.type(screen.getByLabelText('Join or create a room'), 'general{Enter}');
    expect(await screen.findByText('welcome <b>all</b>')).toBeInTheDocument();
    await waitFor(() => {
      expect(ws.frames()).toEqual([{ type: 'join', room: 'general', since: '0001' }, listRequest('general'), { type: 'read', room: 'general', id: '0001' }]);
    });
    act(() => {
      ws.receive({ type: 'ack', client_id: ws.frames()[1]?.client_id, id: 'E0' });
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
    ws = openLatestSocket();
    expect(ws.frames()).toEqual([{ type: 'join', room: 'general', since: '0003' }, unacked, listRequest('general')]);

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

    // Reload: the session and the joined room come back from sessionStorage.
    view.unmount();
    render(<App env={env} WebSocketImpl={FakeWebSocket} fetchImpl={fetchImpl} />);
    expect(screen.getByText('Signed in as')).toBeInTheDocument();
    ws = openLatestSocket();
    expect(await screen.findByText('welcome <b>all</b>')).toBeInTheDocument();
    await waitFor(() => {
      expect(ws.frames()).toEqual([{ type: 'join', room: 'general', since: '0001' }, listRequest('general'), { type: 'read', room: 'general', id: '0001' }]);
    });
    const restored = screen.getByRole('region', { name: 'Direct messages' });
    expect(within(restored).getByRole('button', { name: /^bob/ })).toBeInTheDocument();

    // Log out: back to the login form, socket closed, storage cleared.
    await userEvent.click(screen.getByRole('button', { name: 'Log out' }));
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(ws.closedByClient).toBe(1000);
    expect(sessionStorage.length).toBe(0);
  });

  it('shows a failed send with a retry that re-sends the same client_id', async () => {
    const { fetchImpl } = fakeGateway();
    await signIn(fetchImpl);
    const ws = openLatestSocket();
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
    const ws = openLatestSocket();
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

  it('goes back to the login form when the gateway refuses the token', async () => {
    const { fetchImpl } = fakeGateway();
    await signIn(fetchImpl);
    act(() => {
      FakeWebSocket.latest().drop(4401);
    });
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('shows the ops table on the Ops tab', async () => {
    const { fetchImpl } = fakeGateway();
    fetchImpl.mockImplementation((input) =>
      Promise.resolve(
        href(input) === '/api/functions'
          ? json(200, { functions: [{ name: 'chat', trigger: 'on_message', topic: 'chat.message', group: 'fn.chat', replicas: 2, lag: 5 }] })
          : href(input) === '/api/me'
            ? json(200, { username: 'alice', admin: true, rooms: [], conversations: [] })
            : json(200, { username: 'alice', token: 'tok-1', messages: [], users: [] }),
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
    await userEvent.type(screen.getByLabelText('User name'), 'ALICE');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Signed in as')).toHaveTextContent('Signed in as alice');
    openLatestSocket();

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
