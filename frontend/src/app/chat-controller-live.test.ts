import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ApiClient } from '@/lib/api';
import { ApiError } from '@/lib/api';
import { FakeWebSocket } from '@/test/fake-websocket';

import { ChatController } from './chat-controller';

const HISTORY = [
  { id: '0001', room: 'general', user: 'me', text: 'mine', ts: '2030-01-01T00:00:00Z' },
  { id: '0002', room: 'general', user: 'bob', text: 'his', ts: '2030-01-01T00:00:01Z', replies: 1 },
];

function start() {
  const get = vi.fn((path: string, query?: Record<string, unknown>) => {
    if (path === '/api/me') return Promise.reject(new ApiError(404, 'not_found', '/api/me'));
    if (path.endsWith('/presence')) return Promise.resolve({ room: 'general', users: [] });
    if (query?.thread === '0002') return Promise.resolve({ messages: [{ id: '0003', room: 'general', user: 'ada', text: 'answer', ts: '2030-01-01T00:00:02Z', reply_to: '0002' }] });
    if (path === '/api/rooms/general/messages') return Promise.resolve({ messages: HISTORY });
    return Promise.resolve({ messages: [] });
  });
  const api: ApiClient = { get: get as ApiClient['get'], post: vi.fn(), put: vi.fn(), delete: vi.fn() };
  const controller = new ChatController({ session: { username: 'me', token: 't' }, api, socketUrl: () => 'ws://x', onUnauthorized: vi.fn(), WebSocketImpl: FakeWebSocket });
  controller.start();
  return { controller, get };
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const find = (controller: ChatController, id: string) => controller.store.getState().conversations.find((c) => c.key === 'room:general')?.messages.find((m) => m.id === id);

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ChatController: messages that live', () => {
  it('edits at once, and rolls back when the refusal comes after the ack', async () => {
    const { controller } = start();
    const ws = FakeWebSocket.latest();
    ws.open();
    controller.openRoom('general');
    await flush();
    controller.live.edit('room:general', '0001', 'better');
    const [frame] = ws.framesOfType('edit');
    expect(frame).toMatchObject({ type: 'edit', id: '0001', text: 'better' });
    expect(find(controller, '0001')?.text).toBe('better');
    ws.receive({ type: 'ack', client_id: frame?.client_id, id: 'x' });
    ws.receive({ type: 'error', error: 'forbidden', detail: 'not yours', client_id: frame?.client_id });
    expect(find(controller, '0001')?.text).toBe('mine');
    expect(controller.store.getState().notice).toMatch(/not saved/);
    controller.stop();
  });

  it('applies change frames by rev, reactions toggled optimistically, and a reply sent with reply_to', async () => {
    const { controller } = start();
    const ws = FakeWebSocket.latest();
    ws.open();
    controller.openRoom('general');
    await flush();
    controller.live.react('room:general', '0002', '👍');
    expect(find(controller, '0002')?.reactions).toEqual({ '👍': ['me'] });
    expect(ws.framesOfType('react')[0]).toMatchObject({ id: '0002', emoji: '👍' });
    ws.receive({ type: 'reactions', id: '0002', room: 'general', reactions: { '👍': ['me', 'ada'] }, rev: 1 });
    ws.receive({ type: 'reactions', id: '0002', room: 'general', reactions: { '👍': ['me'] }, rev: 1 }); // a repeat
    expect(find(controller, '0002')?.reactions).toEqual({ '👍': ['me', 'ada'] });
    ws.receive({ type: 'delete', id: '0002', room: 'general', rev: 2 });
    expect(find(controller, '0002')).toMatchObject({ deleted: true, text: '' });
    controller.send('yes', '0001');
    expect(ws.framesOfType('message')[0]).toMatchObject({ text: 'yes', reply_to: '0001' });
    controller.stop();
  });

  it('loads a thread, and a mention in a room not in the sidebar opens it with a badge', async () => {
    const { controller, get } = start();
    FakeWebSocket.latest().open();
    controller.openRoom('general');
    await flush();
    await controller.live.loadThread('room:general', '0002');
    expect(get).toHaveBeenCalledWith('/api/rooms/general/messages', { thread: '0002' });
    expect(controller.store.getState().conversations[0]?.threads['0002']?.map((m) => m.text)).toEqual(['answer']);
    FakeWebSocket.latest().receive({ type: 'mention', id: '0100', room: 'design', from: 'bob', text: '@me look' });
    await flush();
    const design = controller.store.getState().conversations.find((c) => c.key === 'room:design');
    expect(design?.mentions).toBe(1);
    expect(FakeWebSocket.latest().framesOfType('join').map((f) => f.room)).toContain('design');
    controller.stop();
  });

  it('shows Seen from seen frames in a conversation', async () => {
    const { controller } = start();
    FakeWebSocket.latest().open();
    controller.openPrivate('zoe');
    await flush();
    FakeWebSocket.latest().receive({ type: 'seen', with: 'zoe', id: '0009' });
    expect(controller.store.getState().conversations.find((c) => c.key === 'dm:zoe')?.seen).toBe('0009');
    controller.stop();
  });
});
