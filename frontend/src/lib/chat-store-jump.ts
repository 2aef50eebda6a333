/**
 * Jumping to a message in its context (a search hit): the store's side, as pure
 * functions the chat reducer calls.
 *
 * `GET …/messages?around=ID` gives a window of history around a message. When that window
 * touches what the conversation already shows, it is merged in; otherwise it replaces the
 * messages shown and the conversation is *detached*: newer messages exist that are not loaded.
 * While detached, live deliveries and refreshes of the newest page are not shown (they would
 * leave a hole between the window and them); "Jump to latest" loads the newest page again and
 * attaches the conversation (`history-replaced`). The jump target stays in the state until
 * the message list has scrolled to it and flashed it (`jumped`).
 */
import type { ChatMessage, ChatState, Conversation, ConversationKey } from '@/lib/chat-store';
import type { Id } from '@/lib/protocol';

export type JumpAction =
  /** A window of history around message `id` arrived (oldest first); show it and go there. */
  | { type: 'history-around'; key: ConversationKey; id: Id; messages: ChatMessage[]; limit: number }
  /** Go to message `id`, already held. */
  | { type: 'jump'; key: ConversationKey; id: Id }
  /** The message list showed the jump target. */
  | { type: 'jumped' }
  /** The newest page, replacing a detached window ("Jump to latest"). */
  | { type: 'history-replaced'; key: ConversationKey; messages: ChatMessage[]; limit: number };

/** Where the message list should go: a message of a conversation. */
export interface JumpTarget {
  key: ConversationKey;
  id: Id;
}

const byId = (a: ChatMessage, b: ChatMessage) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A window around `id` put into a conversation: merged when it overlaps or adjoins what is held
 * (the window's newest reaches the oldest held, or its oldest the newest held), else instead of it.
 */
export function placeWindow(c: Conversation, id: Id, page: ChatMessage[], limit: number): Conversation {
  const held = c.messages;
  const first = held[0];
  const last = held.at(-1);
  const pageFirst = page[0];
  const pageLast = page.at(-1);
  const known = new Set(held.map((m) => m.id));
  if (first !== undefined && last !== undefined && pageFirst !== undefined && pageLast !== undefined) {
    const touches = page.some((m) => known.has(m.id)) || (pageLast.id >= first.id && pageFirst.id <= last.id);
    if (touches) {
      const fresh = page.filter((m) => !known.has(m.id));
      const messages = [...held, ...fresh].sort(byId);
      return { ...c, messages, hasMore: pageFirst.id < first.id ? olderExist(page, id, limit) : c.hasMore, history: 'idle' };
    }
  }
  if (page.length === 0) return { ...c, history: 'idle' };
  // Nothing held yet, or far from it: the window alone. A short window reached the newest message
  // (the server fills up to `limit` with newer ones); a full one may have newer beyond it: detached.
  return { ...c, messages: page, hasMore: olderExist(page, id, limit), history: 'idle', detached: page.length >= limit };
}

/** Whether messages older than the window exist: it holds all `limit / 2` it could before `id`. */
function olderExist(page: ChatMessage[], id: Id, limit: number): boolean {
  const at = page.findIndex((m) => m.id === id);
  return at < 0 ? true : at >= Math.floor(limit / 2);
}

function update(state: ChatState, key: ConversationKey, change: (c: Conversation) => Conversation): ChatState {
  if (!state.conversations.some((c) => c.key === key)) return state;
  return { ...state, conversations: state.conversations.map((c) => (c.key === key ? change(c) : c)) };
}

export function jumpReducer(state: ChatState, action: JumpAction): ChatState {
  switch (action.type) {
    case 'history-around':
      return { ...update(state, action.key, (c) => placeWindow(c, action.id, action.messages, action.limit)), jump: { key: action.key, id: action.id } };
    case 'jump':
      return { ...state, jump: { key: action.key, id: action.id } };
    case 'jumped':
      return state.jump === null ? state : { ...state, jump: null };
    case 'history-replaced':
      return update(state, action.key, (c) => ({
        ...c,
        messages: [...action.messages].sort(byId),
        hasMore: action.messages.length >= action.limit,
        history: 'idle',
        detached: false,
        outgoing: c.outgoing.filter((m) => m.id === undefined || !action.messages.some((message) => message.id === m.id)),
      }));
  }
}
