/**
 * What the chat screen shows, as one immutable state and a pure reducer: conversations (rooms
 * and direct messages) with their messages, own messages still in flight, unread counts,
 * presence and typing. Socket events and REST responses become actions; React reads the state
 * through `useSyncExternalStore`.
 */
import type { Id, MeResponse, Member, MemberFrame, MessageFrame, PrivateMessage, RoomMessage, RoomRole, Visibility } from '@/lib/protocol';
import { isBot } from '@/lib/protocol';
import type { LiveAction } from '@/lib/chat-store-live';
import { addReply, countMention, firstUnread, freshest, liveFields, liveReducer, markDivider, namesMe, noteMention } from '@/lib/chat-store-live';
import type { Reactions } from '@/lib/live-protocol';
import type { JumpAction, JumpTarget } from '@/lib/chat-store-jump';
import { jumpReducer } from '@/lib/chat-store-jump';
import type { Attachment } from '@/lib/files-protocol';

export type ConversationKind = 'room' | 'dm';
export type ConversationKey = `room:${string}` | `dm:${string}`;

export function conversationKey(kind: ConversationKind, name: string): ConversationKey {
  return kind === 'room' ? `room:${name}` : `dm:${name}`;
}

export interface ChatMessage {
  id: Id;
  author: string;
  text: string;
  ts: string;
  bot: boolean;
  /** The message this one answers. */
  replyTo?: Id;
  /** When it was last edited (RFC 3339). */
  editedAt?: string;
  /** Deleted: the text is "" and a tombstone shows. */
  deleted?: boolean;
  /** emoji -> who reacted, in order. */
  reactions?: Reactions;
  /** Usernames the server found mentioned (absent on older messages: the text rule applies). */
  mentions?: string[];
  /** How many messages answer this one. */
  replies?: number;
  /** Bumped by every edit, delete or reaction change; absent = 0. */
  rev?: number;
  /** The rev of the last edit or delete applied, and of the last reactions applied (both start at `rev`; chat-store-live.ts). */
  editRev?: number;
  reactRev?: number;
  /** The files it carries. */
  attachments?: Attachment[];
}

/** One of your own messages between sending and its delivery. */
export interface OutgoingMessage {
  clientId: string;
  text: string;
  ts: string;
  /** pending: waiting for ack; sent: acked, waiting for delivery; failed: refused by the server. */
  status: 'pending' | 'sent' | 'failed';
  id?: Id;
  error?: string;
  /** The message it answers. */
  replyTo?: Id;
  /** The files sent with it. */
  attachments?: Attachment[];
}

export interface Conversation {
  key: ConversationKey;
  kind: ConversationKind;
  name: string;
  messages: ChatMessage[];
  outgoing: OutgoingMessage[];
  unread: number;
  /** Unread messages that name you (`@you`). */
  mentions: number;
  /** Rooms: your role, the topic and who may join, once the server said (null before). */
  role: RoomRole | null;
  topic: string;
  visibility: Visibility | null;
  history: 'idle' | 'loading' | 'error';
  /** False once history returned fewer messages than asked for. */
  hasMore: boolean;
  /** Conversations: the id the other party has read up to ("Seen"). */
  seen: Id | null;
  /** The first message unread when the conversation was opened ("New messages"). */
  divider: Id | null;
  /** Unread count waiting for history to place the divider. */
  dividerPending: number;
  /** Answers loaded per parent id (`?thread=`), oldest first. */
  threads: Record<Id, ChatMessage[]>;
  /** Ids of messages whose mention of you was counted already (message and mention frames count once). */
  mentionIds: Id[];
  /** A window of older history is shown (a jump), not the newest messages (chat-store-jump.ts). */
  detached?: boolean;
}

export interface ChatState {
  me: string;
  conversations: Conversation[];
  active: ConversationKey | null;
  /** False while another screen (Ops) is shown: then the open conversation counts unread too. */
  viewing: boolean;
  presence: Record<string, string[]>;
  /** room -> user -> epoch ms until which "is typing" shows. */
  typing: Record<string, Record<string, number>>;
  /** The last refusal that belongs to no message (rate limit, not joined...). */
  notice: string | null;
  /** Whether you are a server-wide admin (the Ops page), from `GET /api/me`. */
  admin: boolean;
  /** room -> its members, once loaded (the member list); live `member` frames keep it current. */
  members: Record<string, Member[]>;
  /** The message the list should scroll to and flash (a search hit), until it did. */
  jump: JumpTarget | null;
}

export type ChatAction =
  | { type: 'opened'; kind: ConversationKind; name: string; activate?: boolean }
  | { type: 'closed'; key: ConversationKey }
  | { type: 'activated'; key: ConversationKey }
  | { type: 'delivered'; key: ConversationKey; message: ChatMessage }
  | { type: 'history-loading'; key: ConversationKey }
  | { type: 'history-loaded'; key: ConversationKey; messages: ChatMessage[]; limit: number; older: boolean }
  | { type: 'history-failed'; key: ConversationKey }
  | { type: 'queued'; key: ConversationKey; clientId: string; text: string; ts: string; replyTo?: Id; attachments?: Attachment[] }
  | { type: 'acked'; clientId: string; id: Id }
  | { type: 'rejected'; clientId: string; detail: string }
  | { type: 'retried'; clientId: string }
  | { type: 'presence'; room: string; users: string[] }
  | { type: 'presence-change'; room: string; joined: string[]; left: string[] }
  | { type: 'synced'; me: MeResponse }
  | { type: 'room-info'; room: string; role?: RoomRole; topic?: string; visibility?: Visibility }
  | { type: 'members-loaded'; room: string; members: Member[] }
  | { type: 'member'; frame: MemberFrame }
  | { type: 'removed'; room: string; reason: 'left' | 'removed' | 'banned' }
  | { type: 'read'; key: ConversationKey }
  | { type: 'typing'; room: string; user: string; until: number }
  | { type: 'typing-expired'; room: string; user: string; now: number }
  | { type: 'viewing'; viewing: boolean }
  | { type: 'notice'; text: string | null }
  | LiveAction
  | JumpAction;

export const TYPING_SHOWN_MS = 3_000;

export function initialChatState(me: string): ChatState {
  return { me, conversations: [], active: null, viewing: true, presence: {}, typing: {}, notice: null, admin: false, members: {}, jump: null };
}

export function fromRoomMessage(message: RoomMessage): ChatMessage {
  return {
    id: message.id,
    author: message.user,
    text: message.text,
    ts: message.ts,
    bot: isBot(message.user, message.bot === true),
    ...liveFields(message),
    ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
  };
}

export function fromPrivateMessage(message: PrivateMessage): ChatMessage {
  return {
    id: message.id,
    author: message.from,
    text: message.text,
    ts: message.ts,
    bot: isBot(message.from, message.bot === true),
    ...liveFields(message),
    ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
  };
}

export function roomKeyOf(frame: MessageFrame): ConversationKey {
  return conversationKey('room', frame.room);
}

/** The conversation a direct message belongs to: the party who is not you. */
export function dmPartner(me: string, message: Pick<PrivateMessage, 'from' | 'to'>): string {
  return message.from === me ? message.to : message.from;
}

function newConversation(kind: ConversationKind, name: string): Conversation {
  return {
    key: conversationKey(kind, name),
    kind,
    name,
    messages: [],
    outgoing: [],
    unread: 0,
    mentions: 0,
    role: null,
    topic: '',
    visibility: null,
    history: 'idle',
    hasMore: true,
    seen: null,
    divider: null,
    dividerPending: 0,
    threads: {},
    mentionIds: [],
    detached: false,
  };
}

/** Whether a message names `me` (`@me`, in any case), by the server's rule. */
export function mentions(text: string, me: string): boolean {
  const escaped = me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // docs/PROTOCOL.md 1.7: not preceded by a name character, not followed by one (or by "." and a letter or digit).
  return new RegExp(`(^|[^A-Za-z0-9_.-])@${escaped}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'i').test(text);
}

const RANK: Record<RoomRole, number> = { owner: 0, admin: 1, member: 2 };

/** Members by role (owners first), then by name. */
export function sortMembers(members: Member[]): Member[] {
  return [...members].sort((a, b) => RANK[a.role] - RANK[b.role] || a.username.localeCompare(b.username));
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

/** A membership change applied to a loaded member list (an unloaded one stays unloaded). */
function applyMember(state: ChatState, frame: MemberFrame): ChatState {
  const current = state.members[frame.room];
  const key = conversationKey('room', frame.room);
  let next = state;
  if (frame.user === state.me && frame.event === 'role' && frame.role !== undefined) {
    const role = frame.role;
    next = updateConversation(next, key, (c) => ({ ...c, role }));
  }
  if (current === undefined) return next;
  const others = current.filter((m) => m.username !== frame.user);
  const existing = current.find((m) => m.username === frame.user);
  let members: Member[];
  switch (frame.event) {
    case 'added':
      members = [...others, { username: frame.user, role: frame.role ?? existing?.role ?? 'member', online: existing?.online ?? false }];
      break;
    case 'role':
      if (!existing) return next;
      members = current.map((m) => (m.username === frame.user ? { ...m, role: frame.role ?? m.role } : m));
      break;
    case 'removed':
    case 'banned':
      members = others;
      break;
  }
  return { ...next, members: { ...next.members, [frame.room]: members } };
}

/** The sidebar as the server keeps it: your rooms and conversations, with their counts. */
function applySync(state: ChatState, me: MeResponse): ChatState {
  let next: ChatState = { ...state, admin: me.admin };
  for (const room of me.rooms) {
    const key = conversationKey('room', room.name);
    next = ensureConversation(next, key);
    const read = onScreen(next, key);
    next = updateConversation(next, key, (c) => ({
      ...(read && room.unread > 0 && c.divider === null && c.dividerPending === 0 ? markDivider(c, state.me, room.unread) : c),
      role: room.role,
      topic: room.topic,
      visibility: room.visibility,
      // The answer may be older than messages counted live since it was read: the larger count wins.
      unread: read ? 0 : Math.max(c.unread, room.unread),
      mentions: read ? 0 : Math.max(c.mentions, room.mentions),
    }));
  }
  for (const conversation of me.conversations) {
    const key = conversationKey('dm', conversation.user);
    next = ensureConversation(next, key);
    const read = onScreen(next, key);
    next = updateConversation(next, key, (c) => {
      const told = conversation.seen ?? null;
      const seen = told !== null && (c.seen === null || told > c.seen) ? told : c.seen;
      const opened = read && conversation.unread > 0 && c.divider === null && c.dividerPending === 0 ? markDivider(c, state.me, conversation.unread) : c;
      return { ...opened, seen, unread: read ? 0 : Math.max(c.unread, conversation.unread) };
    });
  }
  return next;
}

function updateConversation(
  state: ChatState,
  key: ConversationKey,
  update: (conversation: Conversation) => Conversation,
): ChatState {
  if (!state.conversations.some((conversation) => conversation.key === key)) return state;
  const conversations = state.conversations.map((conversation) =>
    conversation.key === key ? update(conversation) : conversation,
  );
  return { ...state, conversations };
}

function updateOutgoing(
  state: ChatState,
  clientId: string,
  update: (message: OutgoingMessage, conversation: Conversation) => OutgoingMessage | null,
): ChatState {
  const owner = state.conversations.find((c) => c.outgoing.some((m) => m.clientId === clientId));
  if (!owner) return state;
  return updateConversation(state, owner.key, (conversation) => ({
    ...conversation,
    outgoing: conversation.outgoing.flatMap((message) => {
      if (message.clientId !== clientId) return [message];
      const next = update(message, conversation);
      return next ? [next] : [];
    }),
  }));
}

/** Whether a new message in this conversation is read at once (it is on screen). */
function onScreen(state: ChatState, key: ConversationKey): boolean {
  return state.viewing && state.active === key;
}

/** Drops `user` from the room's typing list (their message arrived: they stopped typing). */
function stopTyping(state: ChatState, room: string, user: string): ChatState {
  const typing = state.typing[room];
  if (typing?.[user] === undefined) return state;
  const rest = Object.fromEntries(Object.entries(typing).filter(([name]) => name !== user));
  return { ...state, typing: { ...state.typing, [room]: rest } };
}

function ensureConversation(state: ChatState, key: ConversationKey): ChatState {
  if (state.conversations.some((c) => c.key === key)) return state;
  const [kind, ...rest] = key.split(':');
  const conversation = newConversation(kind === 'room' ? 'room' : 'dm', rest.join(':'));
  return { ...state, conversations: [...state.conversations, conversation] };
}

/**
 * Puts a page of history into a conversation without duplicates. An older page goes on top;
 * a refresh of the newest page (after a reconnect) splits around what is already shown.
 * Direct messages have no server-side order, so they are kept sorted by id (creation time).
 */
function mergeHistory(c: Conversation, page: ChatMessage[], older: boolean): ChatMessage[] {
  const known = new Set(c.messages.map((m) => m.id));
  const fresh = page.filter((m) => !known.has(m.id));
  // A message held already takes the page's state when it is newer (edits, reactions, deletes missed).
  const incoming = new Map(page.filter((m) => known.has(m.id)).map((m) => [m.id, m] as const));
  let held = c.messages;
  if (incoming.size > 0) {
    const updated = c.messages.map((m) => {
      const page = incoming.get(m.id);
      return page === undefined ? m : freshest(m, page);
    });
    if (updated.some((m, i) => m !== c.messages[i])) held = updated;
  }
  if (fresh.length === 0) return held;
  const first = held[0];
  if (older || first === undefined) return [...fresh, ...held];
  const merged = [...fresh.filter((m) => m.id < first.id), ...held, ...fresh.filter((m) => m.id >= first.id)];
  return c.kind === 'dm' ? merged.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : merged;
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'opened': {
      const key = conversationKey(action.kind, action.name);
      const next = ensureConversation(state, key);
      return action.activate === false ? next : chatReducer(next, { type: 'activated', key });
    }
    case 'closed':
      return {
        ...state,
        conversations: state.conversations.filter((c) => c.key !== action.key),
        active: state.active === action.key ? (state.conversations.find((c) => c.key !== action.key)?.key ?? null) : state.active,
      };
    case 'activated': {
      const opened = state.viewing ? updateConversation(state, action.key, (c) => markDivider(c, state.me, c.unread)) : state;
      const next = { ...opened, active: action.key };
      return next.viewing ? chatReducer(next, { type: 'read', key: action.key }) : next;
    }
    case 'viewing': {
      if (state.viewing === action.viewing) return state;
      const next = { ...state, viewing: action.viewing };
      return action.viewing && next.active !== null ? chatReducer(next, { type: 'activated', key: next.active }) : next;
    }
    case 'delivered': {
      const { message } = action;
      const known = ensureConversation(state, action.key);
      const next = action.key.startsWith('room:') ? stopTyping(known, action.key.slice('room:'.length), message.author) : known;
      const own = message.author === state.me;
      return updateConversation(next, action.key, (c) => {
        if (c.messages.some((m) => m.id === message.id)) return c;
        // A window of older history is shown: the newest page comes back with "Jump to latest".
        if (c.detached === true) return { ...c, outgoing: c.outgoing.filter((m) => m.id !== message.id), unread: own || onScreen(next, c.key) ? c.unread : c.unread + 1 };
        const named = c.kind === 'room' && (message.mentions === undefined ? mentions(message.text, state.me) : namesMe(message.mentions, state.me));
        const added: Conversation = {
          ...c,
          messages: [...c.messages, message],
          outgoing: c.outgoing.filter((m) => m.id !== message.id),
          unread: own || onScreen(next, c.key) ? c.unread : c.unread + 1,
        };
        const counted = !named ? added : own || onScreen(next, c.key) ? noteMention(added, message.id) : countMention(added, message.id);
        return addReply(counted, message);
      });
    }
    case 'history-loading':
      return updateConversation(state, action.key, (c) => ({ ...c, history: 'loading' }));
    case 'history-failed':
      return updateConversation(state, action.key, (c) => ({ ...c, history: 'error' }));
    case 'history-loaded':
      return updateConversation(state, action.key, (c) => {
        const delivered = new Set(action.messages.map((m) => m.id));
        if (c.detached === true && !action.older) return { ...c, history: 'idle', outgoing: c.outgoing.filter((m) => m.id === undefined || !delivered.has(m.id)) };
        const messages = mergeHistory(c, action.messages, action.older);
        // A refresh after a reconnect brings what arrived meanwhile: newer than anything shown.
        const newest = c.messages.at(-1)?.id;
        const missed =
          action.older || newest === undefined || onScreen(state, c.key)
            ? 0
            : action.messages.filter((m) => m.id > newest && m.author !== state.me).length;
        return {
          ...c,
          unread: c.unread + missed,
          messages,
          ...(c.dividerPending > 0 && !action.older ? { dividerPending: 0, divider: firstUnread(messages, state.me, c.dividerPending) } : {}),
          outgoing: c.outgoing.filter((m) => m.id === undefined || !delivered.has(m.id)),
          history: 'idle',
          // A short page means the start was reached; a full refresh of the newest page says
          // nothing about what lies before the messages already shown.
          hasMore:
            action.older || c.messages.length === 0 || action.messages.length < action.limit
              ? action.messages.length >= action.limit
              : c.hasMore,
        };
      });
    case 'queued': {
      const next = ensureConversation(state, action.key);
      const message: OutgoingMessage = { clientId: action.clientId, text: action.text, ts: action.ts, status: 'pending' };
      if (action.replyTo !== undefined) message.replyTo = action.replyTo;
      if (action.attachments !== undefined && action.attachments.length > 0) message.attachments = action.attachments;
      return updateConversation(next, action.key, (c) => ({ ...c, outgoing: [...c.outgoing, message] }));
    }
    case 'acked':
      return updateOutgoing(state, action.clientId, (message, conversation) =>
        // Delivery can beat the ack: then the delivered copy is already on screen.
        conversation.messages.some((m) => m.id === action.id)
          ? null
          : { ...message, status: 'sent', id: action.id, error: undefined },
      );
    case 'rejected':
      return updateOutgoing(state, action.clientId, (message) =>
        message.status === 'sent' ? message : { ...message, status: 'failed', error: action.detail },
      );
    case 'retried':
      return updateOutgoing(state, action.clientId, (message) => ({
        clientId: message.clientId,
        text: message.text,
        ts: message.ts,
        status: 'pending',
        ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
        ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
      }));
    case 'presence':
      return { ...state, presence: { ...state.presence, [action.room]: [...action.users] } };
    case 'presence-change': {
      const gone = new Set(action.left);
      const users = (state.presence[action.room] ?? []).filter((user) => !gone.has(user));
      for (const user of action.joined) if (!users.includes(user)) users.push(user);
      return { ...state, presence: { ...state.presence, [action.room]: users } };
    }
    case 'synced':
      return applySync(state, action.me);
    case 'room-info':
      return updateConversation(state, conversationKey('room', action.room), (c) => ({
        ...c,
        role: action.role ?? c.role,
        topic: action.topic ?? c.topic,
        visibility: action.visibility ?? c.visibility,
      }));
    case 'members-loaded':
      return { ...state, members: { ...state.members, [action.room]: action.members } };
    case 'member':
      return applyMember(state, action.frame);
    case 'removed': {
      const closed = chatReducer(state, { type: 'closed', key: conversationKey('room', action.room) });
      const how = action.reason === 'banned' ? 'banned from' : 'removed from';
      return {
        ...closed,
        members: withoutKey(closed.members, action.room),
        presence: withoutKey(closed.presence, action.room),
        typing: withoutKey(closed.typing, action.room),
        // Leaving is your own doing (here or on another device): no news.
        notice: action.reason === 'left' ? closed.notice : `You were ${how} #${action.room}.`,
      };
    }
    case 'read':
      return updateConversation(state, action.key, (c) => (c.unread === 0 && c.mentions === 0 ? c : { ...c, unread: 0, mentions: 0 }));
    case 'typing': {
      if (action.user === state.me) return state;
      const room = { ...(state.typing[action.room] ?? {}), [action.user]: action.until };
      return { ...state, typing: { ...state.typing, [action.room]: room } };
    }
    case 'typing-expired': {
      const room = state.typing[action.room];
      const until = room?.[action.user];
      if (!room || until === undefined || until > action.now) return state;
      const rest = Object.fromEntries(Object.entries(room).filter(([user]) => user !== action.user));
      return { ...state, typing: { ...state.typing, [action.room]: rest } };
    }
    case 'notice':
      return { ...state, notice: action.text };
    case 'changed':
    case 'patched':
    case 'thread-loaded':
    case 'seen':
    case 'mentioned':
      return liveReducer(state, action);
    case 'history-around':
    case 'jump':
    case 'jumped':
    case 'history-replaced':
      return jumpReducer(state, action);
  }
}

/**
 * Users typing in a room, without you, in a stable order. Entries leave the state through
 * `typing-expired`; pass `now` to also hide ones whose time is up but not yet expired.
 */
export function typingUsers(state: ChatState, room: string, now = -Infinity): string[] {
  const users = state.typing[room] ?? {};
  return Object.entries(users)
    .filter(([user, until]) => until > now && user !== state.me)
    .map(([user]) => user)
    .sort();
}

/** Conversations in the order the sidebar shows them: rooms, then direct messages. */
export function sidebarOrder(conversations: Conversation[]): Conversation[] {
  return [...conversations.filter((c) => c.kind === 'room'), ...conversations.filter((c) => c.kind === 'dm')];
}

export interface ChatStore {
  getState: () => ChatState;
  dispatch: (action: ChatAction) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createChatStore(initial: ChatState): ChatStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = chatReducer(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
