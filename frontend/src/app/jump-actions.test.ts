import { describe, expect, it, vi } from 'vitest';

import type { ApiClient, Query } from '@/lib/api';
import { conversationKey, createChatStore, initialChatState } from '@/lib/chat-store';

import { AROUND_LIMIT, JumpActions } from './jump-actions';

const frame = (n: number) => ({ id: `m${String(n).padStart(4, '0')}`, room: 'lobby', user: 'ada', text: `#${n}`, ts: '2030-01-01T10:00:00Z' });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => frame(from + i));
const KEY = conversationKey('room', 'lobby');

function setup(answer: (query: Query | undefined) => unknown[]) {
  const store = createChatStore(initialChatState('me'));
  const calls: [string, Query | undefined][] = [];
  const get = vi.fn((path: string, query?: Query) => {
    calls.push([path, query]);
    return Promise.resolve({ messages: answer(query) });
  });
  const api = { get, post: vi.fn(), put: vi.fn(), delete: vi.fn() } as unknown as ApiClient;
  const open = vi.fn((kind: 'room' | 'dm', name: string) => {
    store.dispatch({ type: 'opened', kind, name });
    return Promise.resolve();
  });
  return { store, calls, open, jumps: new JumpActions({ store, api, open }) };
}

describe('JumpActions', () => {
  it('opens the room, loads the messages around the hit and asks the list to go there', async () => {
    const { store, calls, open, jumps } = setup(() => range(10, 59));
    await jumps.jumpTo('room', 'lobby', frame(35).id);
    expect(open).toHaveBeenCalledWith('room', 'lobby');
    expect(calls).toEqual([['/api/rooms/lobby/messages', { around: frame(35).id, limit: AROUND_LIMIT }]]);
    const state = store.getState();
    expect(state.active).toBe(KEY);
    expect(state.jump).toEqual({ key: KEY, id: frame(35).id });
    expect(state.conversations[0]?.messages).toHaveLength(50);
  });

  it('goes to a message already held without asking the server', async () => {
    const { store, calls, jumps } = setup(() => []);
    store.dispatch({ type: 'opened', kind: 'room', name: 'lobby' });
    store.dispatch({ type: 'history-loaded', key: KEY, messages: range(1, 5).map((f) => ({ id: f.id, author: f.user, text: f.text, ts: f.ts, bot: false })), limit: 50, older: false });
    await jumps.jumpTo('room', 'lobby', frame(3).id);
    expect(calls).toEqual([]);
    expect(store.getState().jump).toEqual({ key: KEY, id: frame(3).id });
  });

  it('says so when the answer does not hold the message, and loads the newest page back on "Jump to latest"', async () => {
    const { store, jumps } = setup((query) => (query?.around === undefined ? range(100, 149) : range(1, 3)));
    await jumps.jumpTo('room', 'lobby', 'gone');
    expect(store.getState().jump).toBeNull();
    expect(store.getState().notice).toMatch(/no longer there/);
    await jumps.loadLatest(KEY);
    expect(store.getState().conversations[0]?.messages.at(-1)?.id).toBe(frame(149).id);
  });
});
