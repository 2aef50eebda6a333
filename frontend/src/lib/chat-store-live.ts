/**
 * The store's side of "messages that live", as pure functions the chat reducer calls:
 * changes to a message (edit, delete, reactions) under the `rev` rule, replies and threads,
 * "Seen" in a conversation, mention counting, the "New messages" divider and the tab title.
 *
 * The rev rule: a change frame applies only when its `rev` is greater than the message's known
 * `rev` (absent = 0). Frames can come twice or late (a replay after a reconnect resends each
 * changed message's current state), so an older or repeated one changes nothing. A change for a
 * message the client does not hold is ignored. As docs/PROTOCOL.md 1.8 refines it (edits and
 * reactions come from different functions, so they may overtake each other), two revisions are
 * kept, both starting at the message's `rev`: an edit or delete applies when its rev is above the
 * last edit or delete applied, a reactions frame when above the last reactions applied; a delete
 * counts as the reactions' last change too. Optimistic changes (your own edit, delete or
 * reaction before the server answers) leave `rev` alone: the server's frame, one rev higher,
 * replaces them, and a refusal rolls them back only if nothing newer came meanwhile.
 */
import type { ChatMessage, ChatState, Conversation, ConversationKey } from '@/lib/chat-store';
import type { ChangeFrame, LiveFields, Reactions } from '@/lib/live-protocol';
import type { Id } from '@/lib/protocol';

export type MessageChange =
  | { kind: 'edit'; text: string; editedAt: string; rev: number; mentions?: string[] }
  | { kind: 'delete'; rev: number }
  | { kind: 'reactions'; reactions: Reactions; rev: number };

/** What the reducer needs of the ChatMessage shape for the fields of messages that live. */
export type LiveMessageFields = Pick<ChatMessage, 'replyTo' | 'editedAt' | 'deleted' | 'reactions' | 'mentions' | 'replies' | 'rev' | 'editRev' | 'reactRev'>;

export type LiveAction =
  /** A change frame from the server (edit, delete or reactions), under the rev rule. */
  | { type: 'changed'; key: ConversationKey; id: Id; change: MessageChange }
  /** A local (optimistic) change, or its rollback; with `atRev`, only while the message is still at that rev. */
  | { type: 'patched'; key: ConversationKey; id: Id; patch: Partial<ChatMessage>; atRev?: number }
  /** The answers to a message (`?thread=ID`), oldest first. */
  | { type: 'thread-loaded'; key: ConversationKey; id: Id; messages: ChatMessage[] }
  /** The other party of a conversation read up to `id`. */
  | { type: 'seen'; key: ConversationKey; id: Id }
  /** A `mention` frame: someone named you in a room. */
  | { type: 'mentioned'; key: ConversationKey; id: Id };

/** A wire message's fields for messages that live, in the store's names (only those present). */
export function liveFields(fields: LiveFields): Partial<LiveMessageFields> {
  const out: Partial<LiveMessageFields> = {};
  if (fields.reply_to !== undefined) out.replyTo = fields.reply_to;
  if (fields.edited_at !== undefined) out.editedAt = fields.edited_at;
  if (fields.deleted === true) out.deleted = true;
  if (fields.reactions !== undefined) out.reactions = fields.reactions;
  if (fields.mentions !== undefined) out.mentions = fields.mentions;
  if (fields.replies !== undefined) out.replies = fields.replies;
  if (fields.rev !== undefined) out.rev = fields.rev;
  return out;
}

export function changeOf(frame: ChangeFrame): MessageChange {
  switch (frame.type) {
    case 'edit':
      return frame.mentions === undefined
        ? { kind: 'edit', text: frame.text, editedAt: frame.edited_at, rev: frame.rev }
        : { kind: 'edit', text: frame.text, editedAt: frame.edited_at, rev: frame.rev, mentions: frame.mentions };
    case 'delete':
      return { kind: 'delete', rev: frame.rev };
    case 'reactions':
      return { kind: 'reactions', reactions: frame.reactions, rev: frame.rev };
  }
}

/** The revisions of a message: of its last edit or delete, and of its last reactions. */
export function revisions(message: ChatMessage): { edit: number; react: number } {
  const rev = message.rev ?? 0;
  return { edit: message.editRev ?? rev, react: message.reactRev ?? rev };
}

/** A message after a server change, or the same object when the rev rule refuses it. */
export function applyChange(message: ChatMessage, change: MessageChange): ChatMessage {
  const known = revisions(message);
  const rev = Math.max(message.rev ?? 0, change.rev);
  switch (change.kind) {
    case 'edit':
      if (change.rev <= known.edit) return message;
      if (message.deleted === true) return { ...message, rev, editRev: change.rev, reactRev: known.react };
      return {
        ...message,
        text: change.text,
        editedAt: change.editedAt,
        rev,
        editRev: change.rev,
        reactRev: known.react,
        ...(change.mentions === undefined ? {} : { mentions: change.mentions }),
      };
    case 'delete':
      if (change.rev <= known.edit) return message;
      return { ...message, text: '', deleted: true, reactions: {}, mentions: [], rev, editRev: change.rev, reactRev: Math.max(known.react, change.rev) };
    case 'reactions':
      if (change.rev <= known.react) return message;
      return message.deleted === true
        ? { ...message, rev, editRev: known.edit, reactRev: change.rev }
        : { ...message, reactions: change.reactions, rev, editRev: known.edit, reactRev: change.rev };
  }
}

/** The same message as a history page has it now: the higher rev wins; the replies count never drops. */
export function freshest(held: ChatMessage, incoming: ChatMessage): ChatMessage {
  const replies = Math.max(held.replies ?? 0, incoming.replies ?? 0);
  const winner = (incoming.rev ?? 0) > (held.rev ?? 0) ? incoming : held;
  return replies === (winner.replies ?? 0) ? winner : { ...winner, replies };
}

/** Your reactions toggled: `emoji` added for `me` at the end, or taken away (an empty entry goes). */
export function toggleReaction(reactions: Reactions | undefined, emoji: string, me: string): Reactions {
  const current = reactions ?? {};
  const users = current[emoji] ?? [];
  if (!users.includes(me)) return { ...current, [emoji]: [...users, me] };
  const rest = users.filter((user) => user !== me);
  const others = Object.fromEntries(Object.entries(current).filter(([name]) => name !== emoji));
  return rest.length === 0 ? others : { ...others, [emoji]: rest };
}

/** Applies `update` to the message `id` wherever the conversation holds it (timeline and threads). */
export function mapMessage(c: Conversation, id: Id, update: (message: ChatMessage) => ChatMessage): Conversation {
  const map = (list: ChatMessage[]): ChatMessage[] => {
    const next = list.map((message) => (message.id === id ? update(message) : message));
    return next.some((message, i) => message !== list[i]) ? next : list;
  };
  const messages = map(c.messages);
  const entries = Object.entries(c.threads).map(([parent, list]) => [parent, map(list)] as const);
  const threadsChanged = entries.some(([parent, list]) => list !== c.threads[parent]);
  if (messages === c.messages && !threadsChanged) return c;
  return { ...c, messages, threads: threadsChanged ? Object.fromEntries(entries) : c.threads };
}

/** Finds a message of a conversation in its timeline or any loaded thread. */
export function findMessage(c: Conversation, id: Id): ChatMessage | undefined {
  return c.messages.find((m) => m.id === id) ?? Object.values(c.threads).flat().find((m) => m.id === id);
}

const byId = (a: ChatMessage, b: ChatMessage) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A new answer arrived: its parent counts one reply more, and an open thread lists it. */
export function addReply(c: Conversation, reply: ChatMessage): Conversation {
  const parent = reply.replyTo;
  if (parent === undefined) return c;
  const counted = mapMessage(c, parent, (m) => ({ ...m, replies: (m.replies ?? 0) + 1 }));
  const thread = counted.threads[parent];
  if (thread === undefined || thread.some((m) => m.id === reply.id)) return counted;
  return { ...counted, threads: { ...counted.threads, [parent]: [...thread, reply].sort(byId) } };
}

/**
 * The thread of `parent`: what `?thread=` loaded plus every answer the timeline holds (live ones
 * included), each once, oldest first.
 */
export function threadOf(c: Conversation, parent: Id): ChatMessage[] {
  const loaded = c.threads[parent] ?? [];
  const known = new Set(loaded.map((m) => m.id));
  const live = c.messages.filter((m) => m.replyTo === parent && !known.has(m.id));
  return [...loaded, ...live].sort(byId);
}

/** Keeps at most this many counted mention ids per conversation. */
const MENTION_IDS_KEPT = 500;

/** Whether `names` (a message's `mentions`) include `me`, in any case. */
export function namesMe(names: string[], me: string): boolean {
  const lower = me.toLowerCase();
  return names.some((name) => name.toLowerCase() === lower);
}

/** Counts one mention (by id, so a `message` frame and a `mention` frame for it count once). */
export function countMention(c: Conversation, id: Id): Conversation {
  if (c.mentionIds.includes(id)) return c;
  return { ...c, mentions: c.mentions + 1, mentionIds: [...c.mentionIds, id].slice(-MENTION_IDS_KEPT) };
}

/** Remembers a mention id as already seen (on screen, or your own) without counting it. */
export function noteMention(c: Conversation, id: Id): Conversation {
  if (c.mentionIds.includes(id)) return c;
  return { ...c, mentionIds: [...c.mentionIds, id].slice(-MENTION_IDS_KEPT) };
}

/**
 * The first of the `unread` newest messages others wrote: where "New messages" goes. When fewer
 * are loaded than are unread, the first loaded one; null when nothing is loaded or unread.
 */
export function firstUnread(messages: ChatMessage[], me: string, unread: number): Id | null {
  if (unread <= 0 || messages.length === 0) return null;
  let left = unread;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message === undefined || message.author === me) continue;
    left -= 1;
    if (left === 0) return message.id;
  }
  return messages[0]?.id ?? null;
}

/** Sets the divider for a conversation being opened with `unread` messages (pending until history is in). */
export function markDivider(c: Conversation, me: string, unread: number): Conversation {
  if (unread <= 0) return c.divider === null && c.dividerPending === 0 ? c : { ...c, divider: null, dividerPending: 0 };
  if (c.messages.length === 0 || c.history === 'loading') return { ...c, divider: null, dividerPending: unread };
  return { ...c, divider: firstUnread(c.messages, me, unread), dividerPending: 0 };
}

/** Your newest message at or before what the other party has read: "Seen" goes under it. */
export function seenMessage(c: Conversation, me: string): Id | null {
  if (c.kind !== 'dm' || c.seen === null) return null;
  const seen = c.seen;
  for (let i = c.messages.length - 1; i >= 0; i -= 1) {
    const message = c.messages[i];
    if (message !== undefined && message.author === me && message.id <= seen) return message.id;
  }
  return null;
}

/**
 * The number in the tab title, `(N) Parley`: unread mentions in rooms plus unread direct
 * messages (everything said to you personally), not every unread room message.
 */
export function attentionCount(state: ChatState): number {
  return state.conversations.reduce((sum, c) => sum + (c.kind === 'room' ? c.mentions : c.unread), 0);
}

export function titleFor(state: ChatState, base = 'Parley'): string {
  const count = attentionCount(state);
  return count > 0 ? `(${count > 99 ? '99+' : count}) ${base}` : base;
}

function update(state: ChatState, key: ConversationKey, fn: (c: Conversation) => Conversation): ChatState {
  const conversations = state.conversations.map((c) => (c.key === key ? fn(c) : c));
  return conversations.some((c, i) => c !== state.conversations[i]) ? { ...state, conversations } : state;
}

/** The reducer for the actions on messages that live (the chat reducer hands them here). */
export function liveReducer(state: ChatState, action: LiveAction): ChatState {
  switch (action.type) {
    case 'changed':
      return update(state, action.key, (c) => mapMessage(c, action.id, (m) => applyChange(m, action.change)));
    case 'patched':
      return update(state, action.key, (c) =>
        mapMessage(c, action.id, (m) => (action.atRev === undefined || (m.rev ?? 0) === action.atRev ? { ...m, ...action.patch } : m)),
      );
    case 'thread-loaded':
      return update(state, action.key, (c) => {
        const held = new Map(Object.values(c.threads).flat().concat(c.messages).map((m) => [m.id, m] as const));
        const messages = action.messages.map((m) => {
          const known = held.get(m.id);
          return known ? freshest(known, m) : m;
        });
        return { ...c, threads: { ...c.threads, [action.id]: messages.sort(byId) } };
      });
    case 'seen':
      return update(state, action.key, (c) => (c.seen !== null && c.seen >= action.id ? c : { ...c, seen: action.id }));
    case 'mentioned':
      return update(state, action.key, (c) => (state.viewing && state.active === c.key ? noteMention(c, action.id) : countMention(c, action.id)));
  }
}
