import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { FakeWebSocket } from '@/test/fake-websocket';

import type { SocketEvent } from './socket';
import { ChatSocket } from './socket';

function online() {
  const events: SocketEvent[] = [];
  const socket = new ChatSocket({ url: 'ws://gateway.test/ws', WebSocketImpl: FakeWebSocket, network: null, baseDelayMs: 10, maxDelayMs: 10, random: () => 1 });
  socket.subscribe((event) => events.push(event));
  socket.connect();
  const ws = FakeWebSocket.latest();
  ws.open();
  return { socket, events, ws };
}

const frames = (events: SocketEvent[], type: SocketEvent['type']) => events.filter((e) => e.type === type).map((e) => ('frame' in e ? e.frame : e));

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ChatSocket: rooms and people frames', () => {
  it('tells a presence snapshot (users) from a change (joined/left), and keeps accepting the snapshot', () => {
    const { events, ws } = online();
    ws.receive({ type: 'presence', room: 'general', users: ['ann'] });
    ws.receive({ type: 'presence', room: 'general', joined: ['bob'], left: [] });
    ws.receive({ type: 'presence', room: 'general', left: ['ann'] });
    ws.receive({ type: 'presence', room: 'general', joined: 'bob' }); // malformed: dropped
    expect(frames(events, 'presence')).toEqual([{ type: 'presence', room: 'general', users: ['ann'] }]);
    expect(frames(events, 'rooms')).toEqual([
      { type: 'presence', room: 'general', joined: ['bob'], left: [] },
      { type: 'presence', room: 'general', joined: [], left: ['ann'] },
    ]);
  });

  it('parses member, removed and read frames, dropping malformed ones', () => {
    const { events, ws } = online();
    ws.receive({ type: 'member', room: 'general', user: 'bob', event: 'role', role: 'admin' });
    ws.receive({ type: 'member', room: 'general', user: 'cy', event: 'added' });
    ws.receive({ type: 'member', room: 'general', user: 'cy', event: 'promoted' });
    ws.receive({ type: 'removed', room: 'general', reason: 'banned' });
    ws.receive({ type: 'read', room: 'general', id: '0009' });
    ws.receive({ type: 'read', with: 'zoe', id: '0010' });
    ws.receive({ type: 'read', id: '0011' });
    expect(frames(events, 'rooms')).toEqual([
      { type: 'member', room: 'general', user: 'bob', event: 'role', role: 'admin' },
      { type: 'member', room: 'general', user: 'cy', event: 'added' },
      { type: 'removed', room: 'general', reason: 'banned' },
      { type: 'read', room: 'general', id: '0009' },
      { type: 'read', with: 'zoe', id: '0010' },
    ]);
  });

  it('does not rejoin a room it was removed from after a reconnect, and reads an error code given as `code`', async () => {
    const { socket, events, ws } = online();
    socket.join('general');
    socket.join('secret');
    ws.receive({ type: 'removed', room: 'secret', reason: 'removed' });
    ws.receive({ type: 'error', code: 'forbidden', detail: 'members only' });
    expect(frames(events, 'error')).toEqual([{ type: 'error', error: 'forbidden', detail: 'members only' }]);
    ws.drop();
    await vi.advanceTimersByTimeAsync(10);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().framesOfType('join')).toEqual([{ type: 'join', room: 'general' }]);
    expect(ws.framesOfType('leave')).toEqual([]);
  });

  it('sends read markers for a room or a conversation only while online', () => {
    const { socket, ws } = online();
    expect(socket.markRead({ room: 'general' }, '0005')).toBe(true);
    expect(socket.markRead({ with: 'zoe' }, '0006')).toBe(true);
    expect(ws.framesOfType('read')).toEqual([
      { type: 'read', room: 'general', id: '0005' },
      { type: 'read', with: 'zoe', id: '0006' },
    ]);
    socket.disconnect();
    expect(socket.markRead({ room: 'general' }, '0007')).toBe(false);
  });
});
