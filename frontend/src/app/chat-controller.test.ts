import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ApiClient } from '@/lib/api';
import { ApiError } from '@/lib/api';
import { conversationKey } from '@/lib/chat-store';
import { FakeWebSocket } from '@/test/fake-websocket';

import { ChatController } from './chat-controller';

/** What a gateway without `GET /api/me` answers (these tests keep the tab's own sidebar). */
const noMe = () => Promise.reject(new ApiError(404, 'not_found', '/api/me'));

function fakeApi(pages: Record<string, unknown[]> = {}) {
  const get = vi.fn((path: string) => {
    if (path === '/api/me') return noMe();
    const page = Object.entries(pages).find(([prefix]) => path.startsWith(prefix));
    if (path.endsWith('/presence')) return Promise.resolve({ room: 'x', users: [] });
    return Promise.resolve({ messages: page ? page[1] : [] });
  });
  const api: ApiClient = { get: get as ApiClient['get'], post: vi.fn(), put: vi.fn(), delete: vi.fn() };
  return { api, get };
}

function makeController(api: ApiClient, onUnauthorized = vi.fn()) {
  const controller = new ChatController({
    session: { username: 'me', token: 'tok' },
    api,
    socketUrl: () => 'ws://test/ws?ticket=t-1',
    onUnauthorized,
    WebSocketImpl: FakeWebSocket,
  });
  controller.start();
  return controller;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

/** The request for a room's latest polls that follows each join. */
const listRequest = (room: string) => ({ type: 'poll', room, client_id: expect.any(String) as unknown });

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ChatController', () => {
  it('remembers joined rooms and direct conversations in sessionStorage and restores them', async () => {
    const { api } = fakeApi();
    const first = makeController(api);
    first.openRoom('general');
    first.openRoom('random');
    first.openPrivate('zoe');
    first.close(conversationKey('room', 'random'));
    await flush();
    first.stop();
    expect(JSON.parse(sessionStorage.getItem('parley.rooms')!)).toEqual(['general']);
    expect(JSON.parse(sessionStorage.getItem('parley.dms')!)).toEqual(['zoe']);

    const second = makeController(api);
    FakeWebSocket.latest().open();
    await flush();
    expect(FakeWebSocket.latest().frames()).toEqual([{ type: 'join', room: 'general' }, listRequest('general')]);
    expect(second.store.getState().conversations.map((c) => c.key)).toEqual(['room:general', 'dm:zoe']);
    expect(second.store.getState().active).toBe('dm:zoe'); // on screen when the page went away
    second.stop();
  });

  it('never lets a presence answer read before the join overwrite a newer presence frame', async () => {
    let answer: (body: unknown) => void = () => undefined;
    const get = vi.fn((path: string) =>
      path.endsWith('/presence') ? new Promise((resolve) => (answer = resolve)) : Promise.resolve({ messages: [] }),
    );
    const controller = makeController({ get: get as ApiClient['get'], post: vi.fn(), put: vi.fn(), delete: vi.fn() });
    const ws = FakeWebSocket.latest();
    ws.open();
    controller.openRoom('general');
    ws.receive({ type: 'presence', room: 'general', users: ['me', 'bob'] });
    answer({ room: 'general', users: [] }); // read before the join was processed, arrives late
    await flush();
    expect(controller.store.getState().presence.general).toEqual(['me', 'bob']);
    controller.stop();
  });

  it('hides "is typing" about 3 s after the last typing frame', async () => {
    const controller = makeController(fakeApi().api);
    controller.openRoom('general');
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive({ type: 'typing', room: 'general', user: 'bob' });
    expect(Object.keys(controller.store.getState().typing.general ?? {})).toEqual(['bob']);
    await vi.advanceTimersByTimeAsync(2_000);
    ws.receive({ type: 'typing', room: 'general', user: 'bob' }); // still typing
    await vi.advanceTimersByTimeAsync(1_500);
    expect(Object.keys(controller.store.getState().typing.general ?? {})).toEqual(['bob']);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(controller.store.getState().typing.general).toEqual({});
    controller.stop();
  });

  it('resumes from the newest history id and refetches what since cannot cover after a reconnect', async () => {
    const { api, get } = fakeApi({
      '/api/rooms/general/messages': [{ id: '0007', room: 'general', user: 'bob', text: 'old', ts: '2030-01-01T00:00:00Z' }],
    });
    const controller = makeController(api);
    controller.openRoom('general');
    controller.openRoom('empty');
    controller.openPrivate('zoe');
    FakeWebSocket.latest().open();
    await flush();
    get.mockClear();

    FakeWebSocket.latest().drop();
    controller.reconnectNow();
    FakeWebSocket.latest().open();
    await flush();
    expect(FakeWebSocket.latest().framesOfType('join')).toEqual([
      { type: 'join', room: 'general', since: '0007' },
      { type: 'join', room: 'empty' },
    ]);
    const fetched = get.mock.calls.map(([path]) => path);
    expect(fetched).toContain('/api/rooms/empty/messages');
    expect(fetched).toContain('/api/private/zoe/messages');
    expect(fetched).not.toContain('/api/rooms/general/messages');
    controller.stop();
  });

  it('joins a reloaded room from the newest message it holds: one stored between the history fetch and the join still arrives', async () => {
    // The race, made deterministic: after a reload the socket opens, the server answers the
    // history request, a message is stored, and only then is a join processed.
    sessionStorage.setItem('parley.rooms', JSON.stringify(['general']));
    const stored = [
      { id: '0007', room: 'general', user: 'bob', text: 'before the reload', ts: '2030-01-01T00:00:00Z' },
      { id: '0008', room: 'general', user: 'bob', text: 'between fetch and join', ts: '2030-01-01T00:00:01Z' },
    ];
    const { api } = fakeApi({ '/api/rooms/general/messages': stored.slice(0, 1) });
    const controller = makeController(api);
    const ws = FakeWebSocket.latest();
    ws.open();
    await flush(); // the history answer is in; 0008 is stored after it was read
    // The server takes the joins now: one with `since` replays what came after it; one without
    // delivers only what is stored from now on (nothing here).
    for (const join of ws.framesOfType('join')) {
      for (const message of stored) if (typeof join.since === 'string' && message.id > join.since) ws.receive({ type: 'message', ...message });
    }
    const general = controller.store.getState().conversations.find((c) => c.key === 'room:general');
    expect(general?.messages.map((m) => m.text)).toEqual(['before the reload', 'between fetch and join']);
    controller.stop();
  });

  it('fetches the history of a room that was empty again once the join is live', async () => {
    const late = { id: '0009', room: 'new', user: 'bob', text: 'first words', ts: '2030-01-01T00:00:00Z' };
    let history: unknown[] = [];
    const get = vi.fn((path: string) =>
      Promise.resolve(path.endsWith('/presence') ? { room: 'new', users: [] } : { messages: history }),
    );
    const controller = makeController({ get: get as ApiClient['get'], post: vi.fn(), put: vi.fn(), delete: vi.fn() });
    const ws = FakeWebSocket.latest();
    ws.open();
    controller.openRoom('new');
    await flush();
    expect(ws.framesOfType('join')).toEqual([{ type: 'join', room: 'new' }]);
    history = [late]; // stored after the (empty) fetch, before the join was live
    ws.receive({ type: 'presence', room: 'new', users: ['me'] });
    await flush();
    const room = controller.store.getState().conversations.find((c) => c.key === 'room:new');
    expect(room?.messages.map((m) => m.text)).toEqual(['first words']);
    controller.stop();
  });

  it('reopens the conversation that was on screen before a reload', async () => {
    const { api } = fakeApi();
    const first = makeController(api);
    first.openRoom('general');
    first.openRoom('random');
    first.openPrivate('zoe');
    first.select(conversationKey('room', 'random'));
    await flush();
    first.stop();
    const second = makeController(api);
    expect(second.store.getState().active).toBe('room:random');
    second.stop();
  });

  it('hides "x is typing" as soon as x\'s message arrives', async () => {
    const controller = makeController(fakeApi().api);
    const ws = FakeWebSocket.latest();
    ws.open();
    controller.openRoom('general');
    await flush();
    ws.receive({ type: 'typing', room: 'general', user: 'bob' });
    ws.receive({ type: 'typing', room: 'general', user: 'ann' });
    ws.receive({ type: 'message', id: '0001', room: 'general', user: 'bob', text: 'done', ts: '2030-01-01T00:00:00Z' });
    expect(Object.keys(controller.store.getState().typing.general ?? {})).toEqual(['ann']);
    controller.stop();
  });

  it('counts direct messages that arrived while disconnected as unread', async () => {
    const dm = (id: string, text: string) => ({ id, from: 'zoe', to: 'me', text, ts: '2030-01-01T00:00:00Z' });
    let history = [dm('0001', 'one')];
    const get = vi.fn((path: string) =>
      path === '/api/me'
        ? noMe()
        : Promise.resolve(path.endsWith('/presence') ? { room: 'general', users: [] } : { messages: path.includes('/private/') ? history : [] }),
    );
    const controller = makeController({ get: get as ApiClient['get'], post: vi.fn(), put: vi.fn(), delete: vi.fn() });
    controller.openRoom('general');
    let ws = FakeWebSocket.latest();
    ws.open();
    ws.receive({ type: 'private', ...dm('0001', 'one') });
    await flush();
    const unread = () => controller.store.getState().conversations.find((c) => c.key === 'dm:zoe')?.unread;
    expect(unread()).toBe(1);

    ws.drop();
    history = [dm('0001', 'one'), dm('0002', 'two'), dm('0003', 'three')]; // sent while we were away
    controller.reconnectNow();
    ws = FakeWebSocket.latest();
    ws.open();
    await flush();
    expect(unread()).toBe(3);
    controller.stop();
  });

  it('counts messages in the open room as unread while the Ops page is shown', async () => {
    const controller = makeController(fakeApi().api);
    const ws = FakeWebSocket.latest();
    ws.open();
    controller.openRoom('general');
    await flush();
    controller.setViewing(false);
    ws.receive({ type: 'message', id: '0001', room: 'general', user: 'bob', text: 'hi', ts: '2030-01-01T00:00:00Z' });
    const general = () => controller.store.getState().conversations.find((c) => c.key === 'room:general');
    expect(general()?.unread).toBe(1);
    controller.setViewing(true);
    expect(general()?.unread).toBe(0);
    controller.stop();
  });

  it('drops frames for a room already left and sends to the open conversation', () => {
    const controller = makeController(fakeApi().api);
    controller.openRoom('general');
    controller.openRoom('gone');
    const ws = FakeWebSocket.latest();
    ws.open();
    controller.close(conversationKey('room', 'gone'));
    ws.receive({ type: 'message', id: '1', room: 'gone', user: 'bob', text: 'late', ts: '2030-01-01T00:00:00Z' });
    expect(controller.store.getState().conversations.map((c) => c.key)).toEqual(['room:general']);

    controller.openPrivate('zoe');
    controller.send('hi zoe');
    expect(ws.framesOfType('private')).toMatchObject([{ to: 'zoe', text: 'hi zoe' }]);
    controller.stop();
  });

  it('loads the history of a direct conversation that an incoming message opens', async () => {
    const earlier = { id: '0001', from: 'zoe', to: 'me', text: 'yesterday', ts: '2030-01-01T00:00:00Z' };
    const { api, get } = fakeApi({ '/api/private/zoe/messages': [earlier] });
    const controller = makeController(api);
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive({ type: 'private', id: '0002', from: 'zoe', to: 'me', text: 'today', ts: '2030-01-02T00:00:00Z' });
    ws.receive({ type: 'private', id: '0003', from: 'zoe', to: 'me', text: 'again', ts: '2030-01-02T00:00:01Z' });
    await flush();
    expect(get.mock.calls.filter(([path]) => path.startsWith('/api/private/zoe/'))).toHaveLength(1);
    const dm = controller.store.getState().conversations.find((c) => c.key === conversationKey('dm', 'zoe'));
    expect(dm?.messages.map((m) => m.text)).toEqual(['yesterday', 'today', 'again']);
    expect(dm?.hasMore).toBe(false);
    expect(dm?.unread).toBe(2);
    controller.stop();
  });

  it('asks the API whether the token still works when reconnecting keeps failing', async () => {
    const onUnauthorized = vi.fn();
    const get = vi.fn(() => Promise.reject(new ApiError(401, 'unauthorized', 'expired')));
    const controller = makeController({ get, post: vi.fn(), put: vi.fn(), delete: vi.fn() }, onUnauthorized);
    FakeWebSocket.latest().drop();
    await vi.advanceTimersByTimeAsync(1_000);
    FakeWebSocket.latest().drop();
    await flush();
    expect(get).toHaveBeenCalledWith('/api/rooms');
    controller.stop();
  });
});

describe('ChatController polls', () => {
  const lunch = { type: 'poll', id: 'p1', room: 'general', question: 'Lunch?', options: ['pizza', 'soup'], totals: [0, 0], votes: {}, by: 'bob' };

  /** Joined to #general; `actions()` are the poll frames sent since (after the join's list request). */
  async function inRoom() {
    const controller = makeController(fakeApi().api);
    controller.openRoom('general');
    const ws = FakeWebSocket.latest();
    ws.open();
    await flush();
    expect(ws.frames()).toEqual([{ type: 'join', room: 'general' }, listRequest('general')]);
    const actions = () => ws.framesOfType('poll').slice(1);
    return { controller, ws, actions };
  }

  it('asks for the polls of a room once per join, after the join, and again after a reconnect', async () => {
    const controller = makeController(fakeApi().api);
    controller.openRoom('general');
    controller.openRoom('random');
    let ws = FakeWebSocket.latest();
    ws.open();
    await flush();
    controller.openRoom('general'); // already joined: no second join, no second request
    await flush();
    expect(ws.frames()).toEqual([
      { type: 'join', room: 'general' },
      listRequest('general'),
      { type: 'join', room: 'random' },
      listRequest('random'),
    ]);
    // The answer is the room's polls, each as a poll frame.
    ws.receive(lunch);
    expect(controller.polls.getState().rooms.get('general')?.map((p) => p.id)).toEqual(['p1']);

    // Leaving and joining again asks again.
    controller.close(conversationKey('room', 'random'));
    controller.openRoom('random');
    await flush();
    expect(ws.frames().slice(4)).toEqual([{ type: 'leave', room: 'random' }, { type: 'join', room: 'random' }, listRequest('random')]);
    for (const request of ws.framesOfType('poll')) ws.receive({ type: 'ack', client_id: request.client_id, id: 'E0' });

    // Poll frames are not replayed: after the rejoins of a reconnect each room is asked again, once.
    ws.drop();
    controller.reconnectNow();
    ws = FakeWebSocket.latest();
    ws.open();
    await flush();
    expect(ws.frames()).toEqual([
      { type: 'join', room: 'general' },
      { type: 'join', room: 'random' },
      listRequest('general'),
      listRequest('random'),
    ]);
    controller.stop();
  });

  it('shows nothing when the request for a room\'s polls is refused (no poll function runs)', async () => {
    const { controller, ws } = await inRoom();
    const [list] = ws.framesOfType('poll');
    ws.receive({ type: 'ack', client_id: list?.client_id, id: 'E1' });
    ws.receive({ type: 'error', error: 'unknown_type', detail: "unknown frame type 'poll'; known: message", client_id: list?.client_id });
    expect(controller.store.getState().notice).toBeNull();
    expect(controller.polls.getState().rooms.size).toBe(0);
    expect(controller.store.getState().conversations[0]?.outgoing).toEqual([]);
    // A refused vote after it still says so.
    ws.receive(lunch);
    controller.vote('general', 'p1', 0);
    const vote = ws.framesOfType('poll')[1]!;
    ws.receive({ type: 'error', error: 'unknown_type', detail: '', client_id: vote.client_id });
    expect(controller.store.getState().notice).toBe('Your vote was not counted: unknown_type');
    controller.stop();
  });

  it('opens a poll with the poll action and shows poll frames of joined rooms only', async () => {
    const { controller, ws, actions } = await inRoom();
    controller.openPoll('general', 'Lunch?', ['pizza', 'soup']);
    const [sent] = actions();
    expect(sent).toMatchObject({ type: 'poll', room: 'general', question: 'Lunch?', options: ['pizza', 'soup'] });
    expect(typeof sent?.client_id).toBe('string');
    // The delivery may come before the ack.
    ws.receive(lunch);
    ws.receive({ type: 'ack', client_id: sent?.client_id, id: 'E1' });
    ws.receive({ ...lunch, id: 'p9', room: 'elsewhere' });
    ws.receive({ ...lunch, id: 'bad', totals: [1] });
    const rooms = controller.polls.getState().rooms;
    expect([...rooms.keys()]).toEqual(['general']);
    expect(rooms.get('general')?.map((p) => p.id)).toEqual(['p1']);
    expect(controller.store.getState().notice).toBeNull();
    controller.stop();
  });

  it('votes, holds the vote until the poll shows it, and forgets the polls of a room it leaves', async () => {
    const { controller, ws, actions } = await inRoom();
    ws.receive(lunch);
    controller.vote('general', 'p1', 1);
    const [vote] = actions();
    expect(vote).toMatchObject({ type: 'poll', room: 'general', poll: 'p1', vote: 1 });
    expect([...controller.polls.getState().pending.values()]).toEqual([{ room: 'general', poll: 'p1', choice: 1 }]);
    ws.receive({ type: 'ack', client_id: vote?.client_id, id: 'E2' });
    ws.receive({ ...lunch, totals: [0, 1], votes: { me: 1 } });
    expect(controller.polls.getState().pending.size).toBe(0);
    expect(controller.polls.getState().rooms.get('general')?.[0]?.totals).toEqual([0, 1]);
    controller.close(conversationKey('room', 'general'));
    expect(controller.polls.getState().rooms.size).toBe(0);
    controller.stop();
  });

  it('shows a refused vote or poll as the notice, also when the refusal comes after the ack', async () => {
    const { controller, ws, actions } = await inRoom();
    ws.receive(lunch);
    controller.vote('general', 'p1', 1);
    const vote = actions()[0]!;
    ws.receive({ type: 'ack', client_id: vote.client_id, id: 'E3' });
    ws.receive({ type: 'error', error: 'invalid', detail: "poll: there is no poll 'p1' in #general", client_id: vote.client_id });
    expect(controller.store.getState().notice).toBe("Your vote was not counted: there is no poll 'p1' in #general");
    expect(controller.polls.getState().pending.size).toBe(0);

    controller.openPoll('general', 'Why?', ['a', 'b']);
    const open = actions()[1]!;
    ws.receive({ type: 'error', error: 'unknown_type', detail: '', client_id: open.client_id });
    expect(controller.store.getState().notice).toBe('The poll was not opened: unknown_type');
    // A refusal that is not about a poll action still goes to its message.
    const conversation = controller.store.getState().conversations[0];
    expect(conversation?.outgoing).toEqual([]);
    controller.stop();
  });
});
