import { describe, expect, it } from 'vitest';

import type { ChatAction, ChatMessage, ChatState } from './chat-store';
import { chatReducer, conversationKey, dmPartner, fromRoomMessage, initialChatState, typingUsers } from './chat-store';

const general = conversationKey('room', 'general');
const random = conversationKey('room', 'random');

function msg(id: string, author = 'bob', ts = '2030-01-01T10:00:00Z'): ChatMessage {
  return { id, author, text: `text ${id}`, ts, bot: false };
}

function run(...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, initialChatState('me'));
}

function conv(state: ChatState, key = general) {
  const found = state.conversations.find((c) => c.key === key);
  if (!found) throw new Error(`no conversation ${key}`);
  return found;
}

describe('chatReducer', () => {
  it('counts unread messages only in conversations not open, and clears them on open', () => {
    let state = run(
      { type: 'opened', kind: 'room', name: 'general' },
      { type: 'opened', kind: 'room', name: 'random', activate: false },
      { type: 'delivered', key: general, message: msg('1') },
      { type: 'delivered', key: random, message: msg('2') },
      { type: 'delivered', key: random, message: msg('3') },
      { type: 'delivered', key: random, message: msg('4', 'me') },
    );
    expect(conv(state).unread).toBe(0);
    expect(conv(state, random).unread).toBe(2);
    state = chatReducer(state, { type: 'activated', key: random });
    expect(conv(state, random).unread).toBe(0);
  });

  it('ignores a message id it already has', () => {
    const state = run(
      { type: 'opened', kind: 'room', name: 'general', activate: false },
      { type: 'delivered', key: general, message: msg('1') },
      { type: 'delivered', key: general, message: msg('1') },
    );
    expect(conv(state).messages.map((m) => m.id)).toEqual(['1']);
    expect(conv(state).unread).toBe(1);
  });

  it('puts older history on top without duplicating messages already shown', () => {
    const state = run(
      { type: 'opened', kind: 'room', name: 'general' },
      { type: 'delivered', key: general, message: msg('05') },
      { type: 'delivered', key: general, message: msg('06') },
      { type: 'history-loaded', key: general, messages: [msg('03'), msg('04'), msg('05')], limit: 3, older: false },
      { type: 'history-loaded', key: general, messages: [msg('01'), msg('02')], limit: 3, older: true },
    );
    expect(conv(state).messages.map((m) => m.id)).toEqual(['01', '02', '03', '04', '05', '06']);
    expect(conv(state).hasMore).toBe(false);
  });

  it('keeps hasMore while pages come back full', () => {
    const state = run(
      { type: 'opened', kind: 'room', name: 'general' },
      { type: 'history-loaded', key: general, messages: [msg('1'), msg('2')], limit: 2, older: false },
    );
    expect(conv(state).hasMore).toBe(true);
  });

  it('knows the start is reached when a refreshed newest page comes back short', () => {
    const dm = conversationKey('dm', 'bob');
    const state = run(
      { type: 'delivered', key: dm, message: msg('02') },
      { type: 'history-loaded', key: dm, messages: [msg('01'), msg('02')], limit: 50, older: false },
    );
    expect(conv(state, dm).messages.map((m) => m.id)).toEqual(['01', '02']);
    expect(conv(state, dm).hasMore).toBe(false);
  });

  it('merges a refreshed newest page of a direct conversation in id order', () => {
    const dm = conversationKey('dm', 'bob');
    const state = run(
      { type: 'opened', kind: 'dm', name: 'bob' },
      { type: 'delivered', key: dm, message: msg('02') },
      { type: 'delivered', key: dm, message: msg('05') },
      { type: 'history-loaded', key: dm, messages: [msg('01'), msg('02'), msg('03'), msg('04')], limit: 50, older: false },
    );
    expect(conv(state, dm).messages.map((m) => m.id)).toEqual(['01', '02', '03', '04', '05']);
  });

  it('tracks an own message from pending to sent to delivered', () => {
    let state = run(
      { type: 'opened', kind: 'room', name: 'general' },
      { type: 'queued', key: general, clientId: 'c1', text: 'hi', ts: '2030-01-01T10:00:00Z' },
    );
    expect(conv(state).outgoing).toMatchObject([{ clientId: 'c1', status: 'pending' }]);
    state = chatReducer(state, { type: 'acked', clientId: 'c1', id: 'S1' });
    expect(conv(state).outgoing).toMatchObject([{ clientId: 'c1', status: 'sent', id: 'S1' }]);
    state = chatReducer(state, { type: 'delivered', key: general, message: msg('S1', 'me') });
    expect(conv(state).outgoing).toEqual([]);
    expect(conv(state).messages.map((m) => m.id)).toEqual(['S1']);
  });

  it('drops the pending copy when the delivery arrives before the ack', () => {
    const state = run(
      { type: 'opened', kind: 'room', name: 'general' },
      { type: 'queued', key: general, clientId: 'c1', text: 'hi', ts: '2030-01-01T10:00:00Z' },
      { type: 'delivered', key: general, message: msg('S1', 'me') },
      { type: 'acked', clientId: 'c1', id: 'S1' },
    );
    expect(conv(state).outgoing).toEqual([]);
    expect(conv(state).messages).toHaveLength(1);
  });

  it('marks a refused message failed and pending again on retry', () => {
    let state = run(
      { type: 'opened', kind: 'room', name: 'general' },
      { type: 'queued', key: general, clientId: 'c1', text: 'hi', ts: '2030-01-01T10:00:00Z' },
      { type: 'rejected', clientId: 'c1', detail: 'Rate limited' },
    );
    expect(conv(state).outgoing).toMatchObject([{ status: 'failed', error: 'Rate limited' }]);
    state = chatReducer(state, { type: 'retried', clientId: 'c1' });
    expect(conv(state).outgoing).toEqual([{ clientId: 'c1', text: 'hi', ts: '2030-01-01T10:00:00Z', status: 'pending' }]);
  });

  it('opens a direct conversation when a private message arrives', () => {
    const key = conversationKey('dm', dmPartner('me', { from: 'zoe', to: 'me' }));
    const state = run({ type: 'delivered', key, message: msg('P1', 'zoe') });
    expect(conv(state, key)).toMatchObject({ kind: 'dm', name: 'zoe', unread: 1 });
    expect(dmPartner('me', { from: 'me', to: 'zoe' })).toBe('zoe');
  });

  it('closing the open conversation opens another', () => {
    const state = run(
      { type: 'opened', kind: 'room', name: 'general' },
      { type: 'opened', kind: 'room', name: 'random' },
      { type: 'closed', key: random },
    );
    expect(state.active).toBe(general);
    expect(state.conversations.map((c) => c.key)).toEqual([general]);
  });

  it('shows typing for a while, never your own', () => {
    const state = run(
      { type: 'typing', room: 'general', user: 'bob', until: 5_000 },
      { type: 'typing', room: 'general', user: 'ann', until: 9_000 },
      { type: 'typing', room: 'general', user: 'me', until: 9_000 },
    );
    expect(typingUsers(state, 'general', 4_000)).toEqual(['ann', 'bob']);
    expect(typingUsers(state, 'general', 6_000)).toEqual(['ann']);
    expect(typingUsers(state, 'general', 9_000)).toEqual([]);

    const later = [
      { type: 'typing-expired', room: 'general', user: 'bob', now: 5_000 },
      { type: 'typing-expired', room: 'general', user: 'ann', now: 5_000 }, // ann typed again since: stays
    ] satisfies ChatAction[];
    expect(typingUsers(later.reduce(chatReducer, state), 'general')).toEqual(['ann']);
  });

  it('recognises bots by flag and by name', () => {
    const base = { id: '1', room: 'r', text: 't', ts: '2030-01-01T00:00:00Z' };
    expect(fromRoomMessage({ ...base, user: 'alice', bot: true }).bot).toBe(true);
    expect(fromRoomMessage({ ...base, user: 'echo-bot' }).bot).toBe(true);
    expect(fromRoomMessage({ ...base, user: 'bot' }).bot).toBe(true);
    expect(fromRoomMessage({ ...base, user: 'robot' }).bot).toBe(false);
  });
});
