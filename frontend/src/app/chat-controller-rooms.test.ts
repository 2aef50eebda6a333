import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ApiClient } from '@/lib/api';
import { ApiError } from '@/lib/api';
import { conversationKey } from '@/lib/chat-store';
import type { MeResponse } from '@/lib/protocol';
import { FakeWebSocket } from '@/test/fake-websocket';

import { ChatController } from './chat-controller';

const msg = (id: string, room: string, user = 'bob', text = `text ${id}`) => ({ id, room, user, text, ts: '2030-01-01T00:00:00Z' });

const ME: MeResponse = {
  username: 'me',
  admin: false,
  rooms: [
    { name: 'general', role: 'member', unread: 2, mentions: 0, topic: 'all', visibility: 'public' },
    { name: 'secret', role: 'owner', unread: 0, mentions: 0, topic: '', visibility: 'private' },
  ],
  conversations: [{ user: 'zoe', unread: 1 }],
};

/** A gateway's REST side for these tests: /api/me, history per room, presence; writes recorded. */
function fakeApi(options: { me?: MeResponse | null; history?: Record<string, unknown[]>; missing?: string[] } = {}) {
  const history = options.history ?? { general: [msg('0002', 'general')] };
  const get = vi.fn((path: string): Promise<unknown> => {
    if (path === '/api/me') return options.me === null ? Promise.reject(new ApiError(404, 'not_found', '')) : Promise.resolve(options.me ?? ME);
    const room = /^\/api\/rooms\/([^/]+)\/(messages|presence)$/.exec(path);
    if (room && options.missing?.includes(room[1]!)) return Promise.reject(new ApiError(404, 'not_found', 'no such room'));
    if (room?.[2] === 'presence') return Promise.resolve({ room: room[1], users: [] });
    if (room) return Promise.resolve({ messages: history[room[1]!] ?? [] });
    if (path.startsWith('/api/private/')) return Promise.resolve({ messages: [{ id: '0001', from: 'zoe', to: 'me', text: 'hi', ts: '2030-01-01T00:00:00Z' }] });
    return Promise.reject(new ApiError(404, 'not_found', path));
  });
  const post = vi.fn((path: string, body: unknown) => Promise.resolve(path === '/api/rooms' ? { ...(body as object), topic: '', role: 'owner' } : body));
  const put = vi.fn((path: string, body: unknown) => Promise.resolve({ username: decodeURIComponent(path.split('/').at(-1) ?? ''), ...(body as object) }));
  const del = vi.fn(() => Promise.resolve());
  const api: ApiClient = { get: get as ApiClient['get'], post: post as ApiClient['post'], put: put as ApiClient['put'], delete: del };
  return { api, get, post, del };
}

function start(api: ApiClient) {
  const controller = new ChatController({
    session: { username: 'me', token: 'tok' },
    api,
    socketUrl: () => 'ws://test/ws',
    onUnauthorized: vi.fn(),
    WebSocketImpl: FakeWebSocket,
  });
  controller.start();
  const ws = FakeWebSocket.latest();
  ws.open();
  return { controller, ws };
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const withoutPolls = (frames: Record<string, unknown>[]) => frames.filter((f) => f.type !== 'poll');

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ChatController: the sidebar from GET /api/me', () => {
  it('on a fresh login (another device) brings back your rooms and conversations with their counts, joined from their history', async () => {
    const { api } = fakeApi();
    const { controller, ws } = start(api);
    await flush();
    const state = controller.store.getState();
    expect(state.conversations.map((c) => [c.key, c.unread])).toEqual([
      ['room:general', 0], // on screen: read at once
      ['room:secret', 0],
      ['dm:zoe', 1],
    ]);
    expect(state.active).toBe('room:general');
    expect(state.admin).toBe(false);
    expect(withoutPolls(ws.frames())).toEqual([
      { type: 'join', room: 'general', since: '0002' },
      { type: 'read', room: 'general', id: '0002' },
      { type: 'join', room: 'secret' },
    ]);
    controller.stop();
  });

  it('drops a room this tab remembered that you no longer belong to, and keeps the tab list when there is no /api/me', async () => {
    sessionStorage.setItem('parley.rooms', JSON.stringify(['general', 'gone']));
    const { api } = fakeApi();
    const { controller, ws } = start(api);
    await flush();
    expect(controller.store.getState().conversations.map((c) => c.key)).toEqual(['room:general', 'room:secret', 'dm:zoe']);
    // Dropped before its join went out: never joined, so nothing to leave.
    expect(ws.frames().filter((f) => f.room === 'gone')).toEqual([]);
    controller.stop();

    FakeWebSocket.reset();
    sessionStorage.clear();
    sessionStorage.setItem('parley.rooms', JSON.stringify(['general', 'gone']));
    const older = start(fakeApi({ me: null }).api);
    await flush();
    expect(older.controller.store.getState().conversations.map((c) => c.key)).toEqual(['room:general', 'room:gone']);
    older.controller.stop();
  });
});

describe('ChatController: live room frames', () => {
  it('drops a room you were removed from, says so, and does not rejoin it after a reconnect', async () => {
    const { controller, ws } = start(fakeApi().api);
    await flush();
    ws.receive({ type: 'removed', room: 'secret', reason: 'banned' });
    expect(controller.store.getState().conversations.map((c) => c.key)).toEqual(['room:general', 'dm:zoe']);
    expect(controller.store.getState().notice).toBe('You were banned from #secret.');
    ws.drop();
    controller.reconnectNow();
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().framesOfType('join')).toEqual([{ type: 'join', room: 'general', since: '0002' }]);
    expect(ws.framesOfType('leave')).toEqual([]);
    controller.stop();
  });

  it('closes a room it may not join: its history answers 404 and the join is refused as forbidden', async () => {
    const { controller, ws } = start(fakeApi({ me: { ...ME, rooms: [] , conversations: [] }, missing: ['hidden'] }).api);
    await flush();
    controller.openRoom('hidden');
    await flush();
    expect(ws.framesOfType('join')).toEqual([{ type: 'join', room: 'hidden' }]);
    expect(controller.store.getState().notice).toBeNull(); // no "could not load history"
    ws.receive({ type: 'error', error: 'forbidden', detail: 'members only' });
    expect(controller.store.getState().conversations).toEqual([]);
    expect(controller.store.getState().notice).toBe('#hidden is private: only its members can join. Ask one of them to invite you.');
    controller.stop();
  });

  it('a new room (history 404, join accepted) stays, and its history is fetched once the join is live', async () => {
    const { controller, ws } = start(fakeApi({ me: { ...ME, rooms: [], conversations: [] }, missing: ['fresh'] }).api);
    await flush();
    controller.openRoom('fresh');
    await flush();
    ws.receive({ type: 'presence', room: 'fresh', users: ['me'] });
    ws.receive({ type: 'error', error: 'forbidden', detail: 'something else' });
    expect(controller.store.getState().conversations.map((c) => c.key)).toEqual(['room:fresh']);
    expect(controller.store.getState().notice).toBe('something else');
    controller.stop();
  });

  it('shows a room you were invited to at once, joined, and asks the server for its details', async () => {
    const me: MeResponse = { ...ME, rooms: [], conversations: [] };
    const { controller, ws } = start(fakeApi({ me }).api);
    await flush();
    me.rooms = [ME.rooms[0]!]; // the server's sidebar now has it
    ws.receive({ type: 'member', room: 'general', user: 'me', event: 'added', role: 'member' });
    await flush();
    expect(controller.store.getState().conversations.map((c) => [c.key, c.role, c.visibility, c.topic])).toEqual([['room:general', 'member', 'public', 'all']]);
    expect(ws.framesOfType('join')).toEqual([{ type: 'join', room: 'general', since: '0002' }]);
    controller.stop();
  });

  it('sends a read marker for a message that comes in on screen, and clears a count read on another device', async () => {
    const { controller, ws } = start(fakeApi().api);
    await flush();
    ws.receive({ type: 'message', ...msg('0003', 'general') });
    ws.receive({ type: 'message', ...msg('0004', 'general', 'me') }); // your own: nothing to mark
    expect(ws.framesOfType('read')).toEqual([
      { type: 'read', room: 'general', id: '0002' },
      { type: 'read', room: 'general', id: '0003' },
    ]);
    ws.receive({ type: 'read', with: 'zoe', id: '0001' });
    expect(controller.store.getState().conversations.find((c) => c.key === 'dm:zoe')?.unread).toBe(0);
    // Opening a conversation that has something unread marks it read.
    ws.receive({ type: 'private', id: '0005', from: 'zoe', to: 'me', text: 'again', ts: '2030-01-01T00:00:00Z' });
    controller.select(conversationKey('dm', 'zoe'));
    expect(ws.framesOfType('read').at(-1)).toEqual({ type: 'read', with: 'zoe', id: '0005' });
    controller.stop();
  });
});

describe('ChatController: room actions', () => {
  it('creates a room and joins it; leaves one for good with DELETE; keeps it when the server refuses', async () => {
    const { api, post, del } = fakeApi({ me: { ...ME, rooms: [], conversations: [] } });
    const { controller, ws } = start(api);
    await flush();
    await controller.createRoom({ name: 'plans', topic: '', visibility: 'private' });
    await flush();
    expect(post).toHaveBeenCalledWith('/api/rooms', { name: 'plans', topic: '', visibility: 'private' });
    expect(controller.store.getState().conversations[0]).toMatchObject({ key: 'room:plans', role: 'owner', visibility: 'private' });
    expect(ws.framesOfType('join')).toEqual([{ type: 'join', room: 'plans' }]);

    await controller.leaveRoom('plans');
    expect(del).toHaveBeenCalledWith('/api/rooms/plans/members/me');
    expect(controller.store.getState().conversations).toEqual([]);
    expect(ws.framesOfType('leave')).toEqual([{ type: 'leave', room: 'plans' }]);

    controller.openRoom('general');
    del.mockRejectedValueOnce(new ApiError(403, 'forbidden', 'The owner cannot leave.'));
    await controller.leaveRoom('general');
    expect(controller.store.getState().conversations.map((c) => c.key)).toEqual(['room:general']);
    expect(controller.store.getState().notice).toBe('Could not leave #general: The owner cannot leave.');
    controller.stop();
  });

  it('loads members and keeps them current after invite, role change, removal and ban', async () => {
    const { api, get, post } = fakeApi({ me: { ...ME, rooms: [], conversations: [] } });
    get.mockImplementation((path: string) =>
      path === '/api/rooms/team/members' ? Promise.resolve({ members: [{ username: 'me', role: 'owner', online: true }, { username: 'bob', role: 'member', online: false }] }) : Promise.resolve({ messages: [] }),
    );
    post.mockImplementation((path: string, body: unknown) => Promise.resolve(path.endsWith('/members') ? { username: 'Cy', role: 'member' } : body));
    const { controller } = start(api);
    await controller.loadMembers('team');
    await controller.invite('team', 'cy');
    expect(post).toHaveBeenCalledWith('/api/rooms/team/members', { username: 'cy' });
    await controller.setRole('team', 'bob', 'admin');
    expect(controller.store.getState().members.team?.map((m) => `${m.username}:${m.role}`)).toEqual(['me:owner', 'bob:admin', 'Cy:member']);
    await controller.removeMember('team', 'bob', true);
    expect(post).toHaveBeenCalledWith('/api/rooms/team/bans', { username: 'bob' });
    await controller.removeMember('team', 'Cy');
    expect(controller.store.getState().members.team?.map((m) => m.username)).toEqual(['me']);
    controller.stop();
  });
});
