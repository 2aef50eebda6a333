import { describe, expect, it } from 'vitest';

import type { ChatMessage, ChatState } from '@/lib/chat-store';
import { chatReducer, conversationKey, initialChatState } from '@/lib/chat-store';

const KEY = conversationKey('room', 'lobby');
const message = (n: number): ChatMessage => ({ id: `m${String(n).padStart(4, '0')}`, author: 'ada', text: `#${n}`, ts: '2030-01-01T10:00:00Z', bot: false });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
const ids = (state: ChatState) => state.conversations[0]?.messages.map((m) => Number(m.id.slice(1))) ?? [];

function withNewest(from: number, to: number): ChatState {
  const opened = chatReducer(initialChatState('me'), { type: 'opened', kind: 'room', name: 'lobby' });
  return chatReducer(opened, { type: 'history-loaded', key: KEY, messages: range(from, to), limit: 50, older: false });
}

describe('jumping to a message (history around it)', () => {
  it('merges a window that overlaps what is shown, and asks the list to go to the message', () => {
    const state = chatReducer(withNewest(100, 149), { type: 'history-around', key: KEY, id: message(90).id, messages: range(65, 114), limit: 50 });
    expect(ids(state)).toEqual(range(65, 149).map((_, i) => 65 + i));
    expect(state.conversations[0]?.detached).toBe(false);
    expect(state.conversations[0]?.hasMore).toBe(true);
    expect(state.jump).toEqual({ key: KEY, id: message(90).id });
    expect(chatReducer(state, { type: 'jumped' }).jump).toBeNull();
  });

  it('shows a far older window alone, detached: live messages wait until "Jump to latest" loads the newest page', () => {
    const jumped = chatReducer(withNewest(500, 549), { type: 'history-around', key: KEY, id: message(30).id, messages: range(5, 54), limit: 50 });
    expect(ids(jumped)).toEqual(range(5, 54).map((_, i) => 5 + i));
    expect(jumped.conversations[0]?.detached).toBe(true);
    // 25 came before the hit: older ones may exist.
    expect(jumped.conversations[0]?.hasMore).toBe(true);

    // Neither a live message nor a refresh of the newest page lands after the window (a hole).
    const live = chatReducer(jumped, { type: 'delivered', key: KEY, message: message(550) });
    expect(ids(live)).toEqual(ids(jumped));
    const refreshed = chatReducer(live, { type: 'history-loaded', key: KEY, messages: range(502, 551), limit: 50, older: false });
    expect(ids(refreshed)).toEqual(ids(jumped));
    // An older page still goes on top.
    const older = chatReducer(refreshed, { type: 'history-loaded', key: KEY, messages: range(1, 4), limit: 50, older: true });
    expect(ids(older).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);

    const latest = chatReducer(older, { type: 'history-replaced', key: KEY, messages: range(502, 551), limit: 50 });
    expect(ids(latest)).toEqual(range(502, 551).map((_, i) => 502 + i));
    expect(latest.conversations[0]?.detached).toBe(false);
    expect(ids(chatReducer(latest, { type: 'delivered', key: KEY, message: message(552) })).at(-1)).toBe(552);
  });

  it('a short window reached the newest message: not detached; few before the hit: nothing older', () => {
    const opened = chatReducer(initialChatState('me'), { type: 'opened', kind: 'room', name: 'lobby', activate: true });
    const state = chatReducer(opened, { type: 'history-around', key: KEY, id: message(3).id, messages: range(1, 10), limit: 50 });
    expect(state.conversations[0]?.detached).toBe(false);
    expect(state.conversations[0]?.hasMore).toBe(false);
  });

  it('goes to a message already held without loading anything', () => {
    const state = chatReducer(withNewest(1, 20), { type: 'jump', key: KEY, id: message(7).id });
    expect(state.jump).toEqual({ key: KEY, id: message(7).id });
    expect(ids(state)).toHaveLength(20);
  });
});
