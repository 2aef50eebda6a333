import { describe, expect, it } from 'vitest';

import type { ChatAction, ChatMessage, ChatState, ConversationKey } from '@/lib/chat-store';
import { chatReducer, fromRoomMessage, initialChatState } from '@/lib/chat-store';
import { applyChange, attentionCount, firstUnread, seenMessage, threadOf, titleFor, toggleReaction } from '@/lib/chat-store-live';
import { parseRoomMessage } from '@/lib/protocol';

const ROOM: ConversationKey = 'room:general';
const DM: ConversationKey = 'dm:zoe';

function msg(id: string, author = 'bob', extra: Partial<ChatMessage> = {}): ChatMessage {
  return { id, author, text: `text ${id}`, ts: '2030-01-01T00:00:00Z', bot: false, ...extra };
}

function run(state: ChatState, ...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, state);
}

function withRoom(messages: ChatMessage[], me = 'me'): ChatState {
  return run(
    initialChatState(me),
    { type: 'opened', kind: 'room', name: 'general' },
    { type: 'history-loaded', key: ROOM, messages, limit: 50, older: false },
  );
}

const room = (state: ChatState, key: ConversationKey = ROOM) => state.conversations.find((c) => c.key === key)!;
const message = (state: ChatState, id: string, key: ConversationKey = ROOM) => room(state, key).messages.find((m) => m.id === id)!;

describe('the rev rule', () => {
  it('applies an edit once, and ignores a repeated or older one', () => {
    let state = withRoom([msg('1')]);
    state = run(state, { type: 'changed', key: ROOM, id: '1', change: { kind: 'edit', text: 'v2', editedAt: 't2', rev: 2 } });
    expect(message(state, '1')).toMatchObject({ text: 'v2', editedAt: 't2', rev: 2 });
    const again = run(
      state,
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'edit', text: 'v2', editedAt: 't2', rev: 2 } },
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'edit', text: 'v1', editedAt: 't1', rev: 1 } },
    );
    expect(again).toBe(state);
  });

  it('ignores changes to a message it does not hold', () => {
    const state = withRoom([msg('1')]);
    expect(run(state, { type: 'changed', key: ROOM, id: 'nope', change: { kind: 'delete', rev: 1 } })).toBe(state);
    expect(run(state, { type: 'changed', key: 'room:elsewhere', id: '1', change: { kind: 'delete', rev: 1 } })).toBe(state);
  });

  it('keeps edits and reactions apart, so one overtaking the other loses nothing (PROTOCOL.md 1.8)', () => {
    let state = withRoom([msg('1')]);
    state = run(
      state,
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'edit', text: 'new', editedAt: 't', rev: 2 } },
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'reactions', reactions: { '👍': ['ada'] }, rev: 1 } },
    );
    expect(message(state, '1')).toMatchObject({ text: 'new', reactions: { '👍': ['ada'] }, rev: 2 });
  });

  it('a delete leaves a tombstone that later reactions and edits do not revive', () => {
    let state = withRoom([msg('1', 'bob', { reactions: { '🎉': ['me'] }, rev: 1 })]);
    state = run(
      state,
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'delete', rev: 3 } },
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'reactions', reactions: { '🎉': ['me', 'ada'] }, rev: 2 } },
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'edit', text: 'back', editedAt: 't', rev: 2 } },
    );
    expect(message(state, '1')).toMatchObject({ deleted: true, text: '', reactions: {}, rev: 3 });
  });

  it('applyChange starts both revisions at the message rev', () => {
    const held = msg('1', 'bob', { rev: 5, text: 'five' });
    expect(applyChange(held, { kind: 'edit', text: 'old', editedAt: 't', rev: 5 })).toBe(held);
    expect(applyChange(held, { kind: 'reactions', reactions: {}, rev: 4 })).toBe(held);
    expect(applyChange(held, { kind: 'reactions', reactions: { '👀': ['x'] }, rev: 6 }).reactions).toEqual({ '👀': ['x'] });
  });

  it('a history page brings a newer state of a held message, and never an older one', () => {
    let state = withRoom([msg('1', 'bob', { rev: 2, text: 'two' }), msg('2')]);
    state = run(state, { type: 'history-loaded', key: ROOM, messages: [msg('1', 'bob', { rev: 1, text: 'one' }), msg('2', 'bob', { rev: 1, deleted: true, text: '' })], limit: 50, older: false });
    expect(message(state, '1').text).toBe('two');
    expect(message(state, '2')).toMatchObject({ deleted: true, text: '' });
  });
});

describe('optimistic changes', () => {
  it('a rollback applies only while nothing newer came from the server', () => {
    let state = withRoom([msg('1', 'me', { text: 'mine' })]);
    state = run(state, { type: 'patched', key: ROOM, id: '1', patch: { text: 'edited' }, atRev: 0 });
    expect(message(state, '1').text).toBe('edited');
    const rolledBack = run(state, { type: 'patched', key: ROOM, id: '1', patch: { text: 'mine' }, atRev: 0 });
    expect(message(rolledBack, '1').text).toBe('mine');
    const moved = run(
      state,
      { type: 'changed', key: ROOM, id: '1', change: { kind: 'reactions', reactions: { '👍': ['ada'] }, rev: 1 } },
      { type: 'patched', key: ROOM, id: '1', patch: { text: 'mine' }, atRev: 0 },
    );
    expect(message(moved, '1').text).toBe('edited');
  });

  it('toggles your reaction, keeping the order of who reacted', () => {
    expect(toggleReaction(undefined, '👍', 'me')).toEqual({ '👍': ['me'] });
    expect(toggleReaction({ '👍': ['ada'] }, '👍', 'me')).toEqual({ '👍': ['ada', 'me'] });
    expect(toggleReaction({ '👍': ['ada', 'me'], '🎉': ['me'] }, '🎉', 'me')).toEqual({ '👍': ['ada', 'me'] });
    expect(toggleReaction({ '👍': ['me', 'ada'] }, '👍', 'me')).toEqual({ '👍': ['ada'] });
  });
});

describe('replies and threads', () => {
  it('counts a delivered answer once on its parent and lists it in a loaded thread', () => {
    let state = withRoom([msg('1', 'bob', { replies: 1 })]);
    state = run(state, { type: 'thread-loaded', key: ROOM, id: '1', messages: [msg('0a', 'ada', { replyTo: '1' })] });
    const answer = msg('2', 'ada', { replyTo: '1' });
    state = run(state, { type: 'delivered', key: ROOM, message: answer }, { type: 'delivered', key: ROOM, message: answer });
    expect(message(state, '1').replies).toBe(2);
    expect(threadOf(room(state), '1').map((m) => m.id)).toEqual(['0a', '2']);
  });

  it('a thread shows answers the timeline holds even before it is loaded, and changes reach thread copies', () => {
    let state = withRoom([msg('1'), msg('2', 'ada', { replyTo: '1' }), msg('3')]);
    expect(threadOf(room(state), '1').map((m) => m.id)).toEqual(['2']);
    state = run(
      state,
      { type: 'thread-loaded', key: ROOM, id: '1', messages: [msg('2', 'ada', { replyTo: '1' })] },
      { type: 'changed', key: ROOM, id: '2', change: { kind: 'edit', text: 'fixed', editedAt: 't', rev: 1 } },
    );
    expect(threadOf(room(state), '1')[0]?.text).toBe('fixed');
    expect(message(state, '2').text).toBe('fixed');
  });

  it('the replies count from history never drops below what was counted live', () => {
    let state = withRoom([msg('1', 'bob', { replies: 3 })]);
    state = run(state, { type: 'history-loaded', key: ROOM, messages: [msg('1', 'bob', { replies: 2 })], limit: 50, older: false });
    expect(message(state, '1').replies).toBe(3);
  });

  it('queues a reply with its parent', () => {
    const state = run(withRoom([msg('1')]), { type: 'queued', key: ROOM, clientId: 'c1', text: 'yes', ts: 't', replyTo: '1' });
    expect(room(state).outgoing[0]).toMatchObject({ clientId: 'c1', replyTo: '1', status: 'pending' });
  });
});

describe('mentions', () => {
  it('counts a mention once whether the message frame or the mention frame comes first', () => {
    let state = run(withRoom([]), { type: 'opened', kind: 'dm', name: 'zoe' });
    const named = msg('5', 'bob', { text: 'hey @me', mentions: ['me'] });
    state = run(state, { type: 'mentioned', key: ROOM, id: '5' }, { type: 'delivered', key: ROOM, message: named }, { type: 'mentioned', key: ROOM, id: '5' });
    expect(room(state).mentions).toBe(1);
    state = run(state, { type: 'activated', key: ROOM });
    expect(room(state).mentions).toBe(0);
    expect(run(state, { type: 'mentioned', key: ROOM, id: '5' })).toBe(state);
  });

  it('uses the server list when a message has one, the text rule otherwise', () => {
    let state = run(withRoom([]), { type: 'opened', kind: 'dm', name: 'zoe' });
    state = run(
      state,
      { type: 'delivered', key: ROOM, message: msg('6', 'bob', { text: '@me but not listed', mentions: [] }) },
      { type: 'delivered', key: ROOM, message: msg('7', 'bob', { text: 'old style @ME' }) },
    );
    expect(room(state).mentions).toBe(1);
  });

  it('the title counts unread mentions and unread direct messages', () => {
    let state = run(withRoom([]), { type: 'opened', kind: 'dm', name: 'zoe' });
    expect(titleFor(state)).toBe('Parley');
    state = run(
      state,
      { type: 'delivered', key: ROOM, message: msg('8', 'bob', { text: 'no mention' }) },
      { type: 'mentioned', key: ROOM, id: '9' },
      { type: 'activated', key: ROOM },
      { type: 'delivered', key: DM, message: msg('10', 'zoe') },
      { type: 'delivered', key: DM, message: msg('11', 'zoe') },
    );
    expect(attentionCount(state)).toBe(2);
    state = run(state, { type: 'mentioned', key: 'room:general', id: '12' }, { type: 'activated', key: DM });
    expect(titleFor(state)).toBe('Parley');
  });
});

describe('read markers', () => {
  it('puts "New messages" above the first unread message when a conversation is opened', () => {
    let state = run(withRoom([msg('1'), msg('2', 'me'), msg('3'), msg('4')]), { type: 'opened', kind: 'dm', name: 'zoe' });
    state = run(state, { type: 'delivered', key: ROOM, message: msg('5') }, { type: 'delivered', key: ROOM, message: msg('6', 'me') }, { type: 'delivered', key: ROOM, message: msg('7') });
    state = run(state, { type: 'activated', key: ROOM });
    expect(room(state).divider).toBe('5');
    expect(room(state).unread).toBe(0);
    expect(firstUnread([msg('a'), msg('b')], 'me', 5)).toBe('a');
    expect(firstUnread([], 'me', 1)).toBeNull();
  });

  it('waits for history when the counts came before the messages', () => {
    let state = run(initialChatState('me'), { type: 'opened', kind: 'dm', name: 'zoe', activate: false }, { type: 'opened', kind: 'room', name: 'general' });
    state = run(state, { type: 'synced', me: { username: 'me', admin: false, rooms: [{ name: 'general', role: 'member', unread: 2, mentions: 0, topic: '', visibility: 'public' }], conversations: [] } });
    expect(room(state).dividerPending).toBe(2);
    state = run(state, { type: 'history-loaded', key: ROOM, messages: [msg('1'), msg('2'), msg('3')], limit: 50, older: false });
    expect(room(state).divider).toBe('2');
  });

  it('shows "Seen" under your newest message the other party has read', () => {
    let state = run(initialChatState('me'), { type: 'opened', kind: 'dm', name: 'zoe' });
    state = run(state, { type: 'history-loaded', key: DM, messages: [msg('1', 'me'), msg('2', 'zoe'), msg('3', 'me'), msg('4', 'me')], limit: 50, older: false });
    expect(seenMessage(room(state, DM), 'me')).toBeNull();
    state = run(state, { type: 'seen', key: DM, id: '3' });
    expect(seenMessage(room(state, DM), 'me')).toBe('3');
    state = run(state, { type: 'seen', key: DM, id: '2' }); // late and older: ignored
    expect(room(state, DM).seen).toBe('3');
    state = run(state, { type: 'synced', me: { username: 'me', admin: false, rooms: [], conversations: [{ user: 'zoe', unread: 0, seen: '4' }] } });
    expect(seenMessage(room(state, DM), 'me')).toBe('4');
  });
});

describe('wire fields', () => {
  it('keeps the living fields of a message frame', () => {
    const parsed = parseRoomMessage({ id: '1', room: 'general', user: 'ada', text: '', ts: 't', deleted: true, rev: 3, reply_to: '0', replies: 2, reactions: { '👍': ['bob'], bad: 'x' }, mentions: ['bob'], edited_at: 'e' });
    expect(parsed && fromRoomMessage(parsed)).toMatchObject({ deleted: true, rev: 3, replyTo: '0', replies: 2, reactions: { '👍': ['bob'] }, mentions: ['bob'], editedAt: 'e' });
  });
});
