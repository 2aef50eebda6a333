import { describe, expect, it } from 'vitest';

import type { MeResponse } from '@/lib/protocol';

import type { ChatAction, ChatState } from './chat-store';
import { chatReducer, conversationKey, initialChatState, mentions, sortMembers } from './chat-store';

const general = conversationKey('room', 'general');
const secret = conversationKey('room', 'secret');

function run(...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, initialChatState('me'));
}

function conv(state: ChatState, key = general) {
  const found = state.conversations.find((c) => c.key === key);
  if (!found) throw new Error(`no conversation ${key}`);
  return found;
}

const ME: MeResponse = {
  username: 'me',
  admin: true,
  rooms: [
    { name: 'general', role: 'member', unread: 4, mentions: 1, topic: 'everything', visibility: 'public' },
    { name: 'secret', role: 'owner', unread: 0, mentions: 0, topic: '', visibility: 'private' },
  ],
  conversations: [{ user: 'zoe', unread: 2 }],
};

describe('chatReducer: rooms and people', () => {
  it('takes the sidebar from GET /api/me: rooms with role, topic, visibility and counts, conversations, the admin flag', () => {
    const state = run({ type: 'synced', me: ME });
    expect(state.admin).toBe(true);
    expect(state.conversations.map((c) => c.key)).toEqual(['room:general', 'room:secret', 'dm:zoe']);
    expect(conv(state)).toMatchObject({ role: 'member', topic: 'everything', visibility: 'public', unread: 4, mentions: 1 });
    expect(conv(state, secret)).toMatchObject({ role: 'owner', visibility: 'private', unread: 0 });
    expect(conv(state, conversationKey('dm', 'zoe')).unread).toBe(2);
  });

  it('shows no count for the conversation on screen, and clears counts on a read marker from another device', () => {
    let state = run({ type: 'opened', kind: 'room', name: 'general' }, { type: 'synced', me: ME });
    expect(conv(state)).toMatchObject({ unread: 0, mentions: 0 });
    state = chatReducer(state, { type: 'read', key: conversationKey('dm', 'zoe') });
    expect(conv(state, conversationKey('dm', 'zoe')).unread).toBe(0);
  });

  it('counts a message that names you as a mention in a room not on screen', () => {
    const message = (id: string, text: string) => ({ id, author: 'bob', text, ts: '2030-01-01T00:00:00Z', bot: false });
    let state = run({ type: 'opened', kind: 'room', name: 'random' }, { type: 'opened', kind: 'room', name: 'general', activate: false });
    state = chatReducer(state, { type: 'delivered', key: general, message: message('1', 'hey @ME, look') });
    state = chatReducer(state, { type: 'delivered', key: general, message: message('2', 'mail me@example.com') });
    state = chatReducer(state, { type: 'delivered', key: general, message: message('3', '@meg is someone else') });
    expect(conv(state)).toMatchObject({ unread: 3, mentions: 1 });
    state = chatReducer(state, { type: 'activated', key: general });
    expect(conv(state)).toMatchObject({ unread: 0, mentions: 0 });
  });

  it('finds @name at the start, after punctuation, and not inside words', () => {
    expect(mentions('@me hi', 'me')).toBe(true);
    expect(mentions('(@me)', 'me')).toBe(true);
    expect(mentions('thanks @me.', 'me')).toBe(true);
    expect(mentions('x@me', 'me')).toBe(false);
    expect(mentions('@me_2', 'me')).toBe(false);
    expect(mentions('@a.b', 'a.b')).toBe(true);
    expect(mentions('@axb', 'a.b')).toBe(false);
    expect(mentions('@ADA:', 'ada')).toBe(true);
    expect(mentions('@ada.b', 'ada')).toBe(false);
    expect(mentions('@adam', 'ada')).toBe(false);
    expect(mentions('mail@ada', 'ada')).toBe(false);
  });

  it('applies member frames to a loaded member list, and your own role change to the room', () => {
    let state = run(
      { type: 'synced', me: ME },
      {
        type: 'members-loaded',
        room: 'general',
        members: [
          { username: 'me', role: 'member', online: true },
          { username: 'bob', role: 'owner', online: false },
        ],
      },
    );
    const member = (user: string, event: 'added' | 'removed' | 'banned' | 'role', role?: 'admin' | 'member') =>
      ({ type: 'member', frame: { type: 'member', room: 'general', user, event, ...(role ? { role } : {}) } }) as const;
    state = chatReducer(state, member('cy', 'added'));
    state = chatReducer(state, member('cy', 'added')); // the REST answer and the frame: once
    state = chatReducer(state, member('me', 'role', 'admin'));
    expect(sortMembers(state.members.general ?? [])).toEqual([
      { username: 'bob', role: 'owner', online: false },
      { username: 'me', role: 'admin', online: true },
      { username: 'cy', role: 'member', online: false },
    ]);
    expect(conv(state).role).toBe('admin');
    state = chatReducer(state, member('cy', 'banned'));
    state = chatReducer(state, member('bob', 'removed'));
    expect(state.members.general?.map((m) => m.username)).toEqual(['me']);
    // A room whose members were never loaded stays unloaded.
    state = chatReducer(state, { type: 'member', frame: { type: 'member', room: 'secret', user: 'x', event: 'added' } });
    expect(state.members.secret).toBeUndefined();
  });

  it('drops a room you were removed from or banned from, with a notice', () => {
    let state = run(
      { type: 'synced', me: ME },
      { type: 'activated', key: secret },
      { type: 'presence', room: 'secret', users: ['me'] },
      { type: 'members-loaded', room: 'secret', members: [] },
    );
    state = chatReducer(state, { type: 'removed', room: 'secret', reason: 'banned' });
    expect(state.conversations.map((c) => c.key)).toEqual(['room:general', 'dm:zoe']);
    expect(state.active).toBe('room:general');
    expect(state.notice).toBe('You were banned from #secret.');
    expect(state.presence.secret).toBeUndefined();
    expect(state.members.secret).toBeUndefined();
    state = chatReducer(state, { type: 'removed', room: 'general', reason: 'removed' });
    expect(state.notice).toBe('You were removed from #general.');
    // Left for good on another device: gone here too, without a notice.
    state = chatReducer(state, { type: 'notice', text: null });
    state = chatReducer(state, { type: 'synced', me: ME });
    state = chatReducer(state, { type: 'removed', room: 'general', reason: 'left' });
    expect(state.conversations.map((c) => c.key)).toEqual(['dm:zoe', 'room:secret']);
    expect(state.notice).toBeNull();
  });

  it('replaces presence on a snapshot and applies a change', () => {
    let state = run({ type: 'presence', room: 'general', users: ['me', 'bob'] });
    state = chatReducer(state, { type: 'presence-change', room: 'general', joined: ['cy', 'bob'], left: ['me'] });
    expect(state.presence.general).toEqual(['bob', 'cy']);
    state = chatReducer(state, { type: 'presence-change', room: 'new', joined: ['ann'], left: [] });
    expect(state.presence.new).toEqual(['ann']);
    state = chatReducer(state, { type: 'presence', room: 'general', users: ['zed'] });
    expect(state.presence.general).toEqual(['zed']);
  });
});
