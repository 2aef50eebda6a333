/**
 * Wires one signed-in session together: the socket, the chat store and the REST calls of the
 * chat, rooms and presence features. Components call its methods and read the store; it turns
 * socket events and responses into store actions and remembers open conversations (and which
 * one is open) in sessionStorage so a reload rejoins them.
 *
 * A room is joined only once its newest history page is in, with `since` = the newest message
 * held: the server replays whatever was stored after it, so a message stored between the
 * history fetch and the join still arrives. A room whose history was empty is joined without
 * `since` and its history fetched once more when its first frame proves the join is live.
 *
 * Polls (a declared action of the poll function) go out through the socket's `sendAction` and
 * come back as `poll` frames into their own store; a refused poll or vote becomes the notice.
 * Every join, and every rejoin after a reconnect, is followed by a request for the room's
 * latest polls (answered to us alone), so polls opened before it show at once; where no poll
 * function runs that request is refused, silently.
 *
 * Rooms and people (v2): on start `GET /api/me` brings your rooms and conversations with their
 * unread and mention counts (so a reload, a fresh login or a second device shows the same
 * sidebar), whether you are a server admin, and drops restored rooms you no longer belong to.
 * `member`, `removed`, presence-change and `read` frames update the store; a `read` marker goes
 * out when you view a conversation that had something unread, or when a message comes in while
 * it is on screen. A room whose history answers 404 is private (or new): it is joined without
 * `since`, and a `forbidden` refusal of that join closes it with a notice.
 */
import { getPrivateMessages, getRoomMessages, PAGE_SIZE } from '@/features/chat/api/get-messages';
import { isLaterFrame, parseLaterFrame } from '@/features/later/later-frames';
import { parsePollFrame } from '@/features/polls/poll-frame';
import type { PollStore } from '@/features/polls/poll-store';
import { createPollStore, initialPollsState } from '@/features/polls/poll-store';
import { getPresence } from '@/features/presence/api/get-presence';
import { addMember, banMember, createRoom, getMe, getMembers, removeMember, searchUsers, setRole } from '@/features/rooms/api/rooms';
import type { ApiClient } from '@/lib/api';
import { ApiError, errorText } from '@/lib/api';
import type { ChatState, ChatStore, Conversation, ConversationKey, ConversationKind } from '@/lib/chat-store';
import {
  conversationKey,
  createChatStore,
  dmPartner,
  fromPrivateMessage,
  fromRoomMessage,
  initialChatState,
  sidebarOrder,
  TYPING_SHOWN_MS,
} from '@/lib/chat-store';
import { newClientId } from '@/lib/ids';
import type { Id, JsonValue, MeResponse, NewRoom, RoomRole, RoomsFrame, UserMatch } from '@/lib/protocol';
import { loadActive, loadDirectChats, loadRooms, saveActive, saveDirectChats, saveRooms } from '@/lib/session';
import type { Session } from '@/lib/session';
import type { ConnectionStatus, SocketEvent, WebSocketConstructor } from '@/lib/socket';
import { ChatSocket } from '@/lib/socket';

import type { Attachment } from '@/lib/files-protocol';

import { JumpActions } from './jump-actions';
import { LaterActions } from './later-actions';
import { LiveActions } from './live-actions';

export interface ChatControllerOptions {
  session: Session;
  api: ApiClient;
  /** The socket's URL for each attempt (with a fresh one-use ticket in the app). */
  socketUrl: () => string | Promise<string>;
  onUnauthorized: () => void;
  WebSocketImpl?: WebSocketConstructor;
}

/** What a poll action was for: opening a poll, voting, or asking for a room's polls. */
type PollActionKind = 'open' | 'vote' | 'list';
/** How many poll actions to remember for their refusals (which may come after the ack). */
const POLL_ACTIONS_KEPT = 200;

export class ChatController {
  readonly store: ChatStore;
  readonly polls: PollStore;
  /** Messages that live: edit, delete, react, threads, and the change, seen and mention frames. */
  readonly live: LiveActions;
  /** Going to a message in its context (a search hit). */
  readonly jumps: JumpActions;
  /** Reminders and scheduled messages (the remind and scheduled functions). */
  readonly later: LaterActions;
  private readonly socket: ChatSocket;
  private readonly api: ApiClient;
  private readonly me: string;
  private readonly onUnauthorized: () => void;
  private everOnline = false;
  private restored = false;
  private unsubscribers: (() => void)[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private persisted: Conversation[] | null = null;
  private persistedActive: ConversationKey | null = null;
  /** Rooms opened in this session (joined, or waiting for their history before the join). */
  private readonly following = new Set<string>();
  /** The first history load (and join) of each room followed, to wait for (a jump to a search hit waits for it). */
  private readonly followed = new Map<string, Promise<void>>();
  /** Rooms joined without `since` (empty history): fetch again on their first frame. */
  private readonly refetchOnFrame = new Set<string>();
  /** Presence frames received per room, so an older REST answer never overwrites a newer frame. */
  private readonly presenceFrames = new Map<string, number>();
  /** client_id -> what a poll action of ours asked for, to word its refusal. */
  private readonly pollActions = new Map<string, PollActionKind>();
  /** Rooms whose history answered 404, joined to see whether we may: `forbidden` closes them. */
  private readonly probing = new Set<string>();
  /** Conversations read on screen whose `read` marker has not gone out yet. */
  private readonly unsentReads = new Set<ConversationKey>();
  /** The newest message id of each conversation at the last store change, and the last read marker sent. */
  private newest = new Map<ConversationKey, string | undefined>();
  private readonly readSent = new Map<ConversationKey, string>();
  /** Rooms whose role was asked for after their join (learnRole). */
  private readonly roleAsked = new Set<string>();
  private lastState: ChatState | null = null;

  constructor(options: ChatControllerOptions) {
    this.api = options.api;
    this.me = options.session.username;
    this.onUnauthorized = options.onUnauthorized;
    this.store = createChatStore(initialChatState(this.me));
    this.polls = createPollStore(initialPollsState(this.me));
    this.socket = new ChatSocket({
      url: options.socketUrl,
      ...(options.WebSocketImpl ? { WebSocketImpl: options.WebSocketImpl } : {}),
    });
    this.live = new LiveActions({
      store: this.store,
      socket: this.socket,
      api: this.api,
      me: this.me,
      onMentionedIn: (room) => this.follow(room),
      onShowRoom: (room) => this.openRoom(room),
    });
    this.later = new LaterActions({ store: this.store, socket: this.socket, onShowRoom: (room) => this.openRoom(room) });
    this.jumps = new JumpActions({ store: this.store, api: this.api, open: (kind, name) => this.openAndWait(kind, name) });
    for (const room of loadRooms()) {
      this.store.dispatch({ type: 'opened', kind: 'room', name: room, activate: false });
    }
    for (const user of loadDirectChats()) {
      this.store.dispatch({ type: 'opened', kind: 'dm', name: user, activate: false });
    }
    const { conversations } = this.store.getState();
    const saved = loadActive();
    const open = conversations.find((c) => c.key === saved) ?? conversations[0];
    if (open) this.store.dispatch({ type: 'activated', key: open.key });
  }

  // ------------------------------------------------------------ lifecycle

  start(): void {
    this.unsubscribers = [
      this.socket.subscribe((event) => this.handle(event)),
      this.store.subscribe(() => this.persist()),
      this.store.subscribe(() => this.noteReads()),
    ];
    this.socket.connect();
    if (this.restored) return;
    this.restored = true;
    void this.sync();
    for (const conversation of this.store.getState().conversations) {
      if (conversation.kind === 'room') this.follow(conversation.name);
      else void this.loadHistory(conversation.key);
    }
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.socket.disconnect();
  }

  readonly subscribeStatus = (listener: () => void): (() => void) =>
    this.socket.subscribe((event) => {
      if (event.type === 'status') listener();
    });

  readonly getStatus = (): ConnectionStatus => this.socket.status;

  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  // ------------------------------------------------------------ user actions

  openRoom(room: string): void {
    this.store.dispatch({ type: 'opened', kind: 'room', name: room });
    this.follow(room);
  }

  openPrivate(user: string): void {
    const key = conversationKey('dm', user);
    const known = this.find(key) !== undefined;
    this.store.dispatch({ type: 'opened', kind: 'dm', name: user });
    if (!known) void this.loadHistory(key);
  }

  /** Creates a room (you own it), then opens and joins it. Throws the server's refusal. */
  async createRoom(room: NewRoom): Promise<void> {
    const created = await createRoom(this.api, room);
    this.store.dispatch({ type: 'opened', kind: 'room', name: created.name });
    this.store.dispatch({ type: 'room-info', room: created.name, role: created.role, topic: created.topic, visibility: created.visibility });
    this.follow(created.name);
  }

  /** Leaves a room for good (you stop being a member); a room the server no longer knows just closes. */
  async leaveRoom(room: string): Promise<void> {
    try {
      await removeMember(this.api, room, this.me);
    } catch (error: unknown) {
      if (!(error instanceof ApiError && error.status === 404)) {
        this.store.dispatch({ type: 'notice', text: `Could not leave #${room}: ${errorText(error)}` });
        return;
      }
    }
    this.close(conversationKey('room', room));
  }

  /** People whose name matches `q`, to start a conversation with. */
  searchUsers(q: string): Promise<UserMatch[]> {
    return searchUsers(this.api, q);
  }

  /** Loads a room's member list into the store (live `member` frames keep it current). */
  async loadMembers(room: string): Promise<void> {
    const members = await getMembers(this.api, room);
    this.store.dispatch({ type: 'members-loaded', room, members });
  }

  /** Adds (invites) someone to a room. Throws the server's refusal. */
  async invite(room: string, username: string): Promise<void> {
    const added = await addMember(this.api, room, username);
    this.store.dispatch({ type: 'member', frame: { type: 'member', room, user: added.username, event: 'added', role: added.role } });
  }

  /** Removes someone from a room, or bans them (removed, and they cannot rejoin). */
  async removeMember(room: string, username: string, ban = false): Promise<void> {
    if (ban) await banMember(this.api, room, username);
    else await removeMember(this.api, room, username);
    this.store.dispatch({ type: 'member', frame: { type: 'member', room, user: username, event: ban ? 'banned' : 'removed' } });
  }

  async setRole(room: string, username: string, role: Exclude<RoomRole, 'owner'>): Promise<void> {
    const changed = await setRole(this.api, room, username, role);
    this.store.dispatch({ type: 'member', frame: { type: 'member', room, user: changed.username, event: 'role', role: changed.role } });
  }

  select(key: ConversationKey): void {
    this.store.dispatch({ type: 'activated', key });
  }

  close(key: ConversationKey): void {
    const conversation = this.find(key);
    if (!conversation) return;
    if (conversation.kind === 'room') {
      this.following.delete(conversation.name);
      this.followed.delete(conversation.name);
      this.refetchOnFrame.delete(conversation.name);
      this.socket.leave(conversation.name);
      this.polls.dispatch({ type: 'room-left', room: conversation.name });
    }
    this.store.dispatch({ type: 'closed', key });
  }

  /** Sends to the open conversation; with `replyTo`, as an answer to that message; with the uploaded `attachments`. */
  send(text: string, replyTo?: Id, attachments: Attachment[] = []): void {
    const active = this.active();
    if (!active) return;
    const clientId = newClientId();
    const ts = new Date().toISOString();
    this.store.dispatch({
      type: 'queued',
      key: active.key,
      clientId,
      text,
      ts,
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(attachments.length === 0 ? {} : { attachments }),
    });
    // An older window is shown (a jump): the message goes where the newest ones are.
    if (active.detached === true) void this.jumps.loadLatest(active.key);
    const ids = attachments.map((a) => a.id);
    if (active.kind === 'room') this.socket.sendMessage(active.name, text, clientId, replyTo, ids);
    else this.socket.sendPrivate(active.name, text, clientId, replyTo, ids);
  }

  /** Opens a room or conversation and resolves once its newest history is in (a jump to a search hit waits for it). */
  private async openAndWait(kind: ConversationKind, name: string): Promise<void> {
    if (kind === 'room') {
      this.openRoom(name);
      await this.followed.get(name);
      return;
    }
    const key = conversationKey('dm', name);
    const known = this.find(key) !== undefined;
    this.store.dispatch({ type: 'opened', kind: 'dm', name });
    if (!known) await this.loadHistory(key);
  }

  /** Opens a poll in a room (the poll function's declared action). */
  openPoll(room: string, question: string, options: string[]): void {
    this.sendPollAction('open', { room, question, options });
  }

  /** Votes for option `choice` (an index) of a poll; the first vote counts. */
  vote(room: string, poll: string, choice: number): void {
    const clientId = newClientId();
    this.polls.dispatch({ type: 'voting', clientId, vote: { room, poll, choice } });
    this.sendPollAction('vote', { room, poll, vote: choice }, clientId);
  }

  retry(clientId: string): void {
    this.store.dispatch({ type: 'retried', clientId });
    this.socket.retry(clientId);
  }

  typing(): void {
    const active = this.active();
    if (active?.kind === 'room') this.socket.typing(active.name);
  }

  /** Whether the chat screen is on view (not the Ops page): messages in the open conversation count as unread while it is not. */
  setViewing(viewing: boolean): void {
    this.store.dispatch({ type: 'viewing', viewing });
  }

  dismissNotice(): void {
    this.store.dispatch({ type: 'notice', text: null });
  }

  /** Loads the page before the oldest message shown (or the newest page when none is). */
  loadOlder(key: ConversationKey): void {
    const conversation = this.find(key);
    if (!conversation || conversation.history === 'loading' || !conversation.hasMore) return;
    void this.loadHistory(key, conversation.messages[0]?.id);
  }

  // ------------------------------------------------------------ internals

  private find(key: ConversationKey): Conversation | undefined {
    return this.store.getState().conversations.find((c) => c.key === key);
  }

  private active(): Conversation | undefined {
    const { active } = this.store.getState();
    return active === null ? undefined : this.find(active);
  }

  private sendPollAction(kind: PollActionKind, fields: Record<string, JsonValue>, clientId = newClientId()): void {
    this.pollActions.set(clientId, kind);
    if (this.pollActions.size > POLL_ACTIONS_KEPT) {
      const oldest = this.pollActions.keys().next();
      if (oldest.done !== true) this.pollActions.delete(oldest.value);
    }
    this.socket.sendAction('poll', fields, clientId);
  }

  /** A refused poll action: the card lets you vote again, and the notice says why. */
  private pollRefused(clientId: string, kind: PollActionKind, detail: string): void {
    this.pollActions.delete(clientId);
    if (kind === 'list') return; // typically no poll function runs: nothing to show, no news to the user
    this.polls.dispatch({ type: 'refused', clientId });
    const what = kind === 'open' ? 'The poll was not opened' : 'Your vote was not counted';
    this.store.dispatch({ type: 'notice', text: `${what}: ${detail.replace(/^poll: /, '')}` });
  }

  /** Loads the newest history page of a room, then joins it from the newest message held. */
  private follow(room: string): void {
    if (this.following.has(room)) return;
    this.following.add(room);
    const key = conversationKey('room', room);
    const loaded = this.loadHistory(key).then((result) => {
      if (!this.following.has(room) || !this.find(key)) return; // left meanwhile
      if (result === 'missing') this.probing.add(room);
      const newest = this.find(key)?.messages.at(-1)?.id;
      this.socket.join(room, newest);
      this.listPolls(room);
      if (newest === undefined) this.refetchOnFrame.add(room);
      if (result !== 'missing') this.refreshPresence(room);
      this.sendReads();
    });
    this.followed.set(room, loaded);
  }

  /**
   * Brings the sidebar in line with the server's: your rooms and conversations with their counts
   * (joined and loaded), the admin flag, and rooms restored from this tab that you no longer belong to dropped.
   * Without the endpoint (an older gateway) the tab's own list stands.
   */
  private async sync(): Promise<void> {
    const before = new Set(this.store.getState().conversations.filter((c) => c.kind === 'room').map((c) => c.name));
    let me: MeResponse;
    try {
      me = await getMe(this.api);
    } catch {
      return;
    }
    const { active } = this.store.getState();
    const unreadOnScreen = [
      ...me.rooms.filter((r) => r.unread > 0 && conversationKey('room', r.name) === active),
      ...me.conversations.filter((c) => c.unread > 0 && conversationKey('dm', c.user) === active),
    ];
    const knownDms = new Set(this.store.getState().conversations.filter((c) => c.kind === 'dm').map((c) => c.name));
    const rooms = new Set(me.rooms.map((room) => room.name));
    for (const room of before) if (!rooms.has(room)) this.close(conversationKey('room', room));
    this.store.dispatch({ type: 'synced', me });
    if (unreadOnScreen.length > 0 && active !== null) this.unsentReads.add(active);
    for (const room of me.rooms) this.follow(room.name);
    for (const conversation of me.conversations) if (!knownDms.has(conversation.user)) void this.loadHistory(conversationKey('dm', conversation.user));
    const state = this.store.getState();
    const first = sidebarOrder(state.conversations)[0];
    if ((state.active === null || !state.conversations.some((c) => c.key === state.active)) && first) this.select(first.key);
    this.sendReads();
  }

  /**
   * After each store change: a conversation on screen that just lost its unread count, or got a
   * new message from someone else, owes the server a `read` marker.
   */
  private noteReads(): void {
    const state = this.store.getState();
    const previous = this.lastState;
    this.lastState = state;
    if (previous?.conversations === state.conversations && previous.active === state.active && previous.viewing === state.viewing) return;
    const newest = new Map(state.conversations.map((c) => [c.key, c.messages.at(-1)?.id] as const));
    const before = this.newest;
    this.newest = newest;
    const active = state.active === null ? undefined : state.conversations.find((c) => c.key === state.active);
    if (!active || !state.viewing) return;
    const was = previous?.conversations.find((c) => c.key === active.key);
    const cleared = was !== undefined && (was.unread > 0 || was.mentions > 0);
    const latest = active.messages.at(-1);
    const fresh = latest !== undefined && latest.id !== before.get(active.key) && before.has(active.key) && latest.author !== this.me;
    if (cleared || fresh) {
      this.unsentReads.add(active.key);
      this.sendReads();
    }
  }

  /** Sends the `read` markers owed, for conversations whose newest id is known (and rooms once joined). */
  private sendReads(): void {
    for (const key of [...this.unsentReads]) {
      const conversation = this.find(key);
      if (!conversation) {
        this.unsentReads.delete(key);
        continue;
      }
      const id = conversation.messages.at(-1)?.id;
      if (id === undefined) continue;
      if (conversation.kind === 'room' && !this.socket.joinedRooms().includes(conversation.name)) continue;
      if (this.readSent.get(key) === id) {
        this.unsentReads.delete(key);
        continue;
      }
      const target = conversation.kind === 'room' ? { room: conversation.name } : { with: conversation.name };
      if (this.socket.markRead(target, id)) {
        this.readSent.set(key, id);
        this.unsentReads.delete(key);
      }
    }
  }

  private onRoomsFrame(frame: RoomsFrame): void {
    const { dispatch } = this.store;
    switch (frame.type) {
      case 'member':
        dispatch({ type: 'member', frame });
        // Invited elsewhere: the room shows up in the sidebar at once.
        if (frame.user === this.me && frame.event === 'added' && !this.find(conversationKey('room', frame.room))) {
          dispatch({ type: 'opened', kind: 'room', name: frame.room, activate: false });
          if (frame.role !== undefined) dispatch({ type: 'room-info', room: frame.room, role: frame.role });
          this.follow(frame.room);
          void this.sync(); // its topic and visibility
        }
        return;
      case 'removed':
        this.forgetRoom(frame.room);
        dispatch({ type: 'removed', room: frame.room, reason: frame.reason });
        return;
      case 'presence':
        this.presenceFrames.set(frame.room, (this.presenceFrames.get(frame.room) ?? 0) + 1);
        dispatch({ type: 'presence-change', room: frame.room, joined: frame.joined, left: frame.left });
        if (this.socket.joinedRooms().includes(frame.room)) this.joinIsLive(frame.room);
        return;
      case 'read': {
        const key = 'room' in frame ? conversationKey('room', frame.room) : conversationKey('dm', frame.with);
        this.readSent.set(key, frame.id);
        dispatch({ type: 'read', key });
        return;
      }
    }
  }

  /** Forgets a room the server no longer lets us in (no `leave` frame: it would be refused). */
  private forgetRoom(room: string): void {
    this.following.delete(room);
    this.followed.delete(room);
    this.refetchOnFrame.delete(room);
    this.probing.delete(room);
    this.socket.forget(room);
    this.polls.dispatch({ type: 'room-left', room });
  }

  /**
   * Asks for the room's latest polls: the poll function sends each to our sockets as a `poll`
   * frame. Sent after the join, so a change after the answer was read still comes as a room frame.
   */
  private listPolls(room: string): void {
    this.sendPollAction('list', { room });
  }

  /**
   * Fetches a page of history into the store; resolves once it is in (`ok`), or failed: `missing`
   * when a room answered 404 (private, or not there yet: no notice, the join tells).
   */
  private async loadHistory(key: ConversationKey, before?: string): Promise<'ok' | 'missing' | 'failed'> {
    const conversation = this.find(key);
    if (!conversation) return 'failed';
    this.store.dispatch({ type: 'history-loading', key });
    const query = before === undefined ? {} : { before };
    try {
      const messages = await (conversation.kind === 'room'
        ? getRoomMessages(this.api, conversation.name, query)
        : getPrivateMessages(this.api, conversation.name, query));
      this.store.dispatch({ type: 'history-loaded', key, messages, limit: PAGE_SIZE, older: before !== undefined });
      const newest = messages.at(-1);
      if (conversation.kind === 'room' && before === undefined && newest) this.socket.noteSeen(conversation.name, newest.id);
      return 'ok';
    } catch (error: unknown) {
      if (conversation.kind === 'room' && error instanceof ApiError && error.status === 404 && before === undefined) {
        this.store.dispatch({ type: 'history-loaded', key, messages: [], limit: PAGE_SIZE, older: false });
        return 'missing';
      }
      this.store.dispatch({ type: 'history-failed', key });
      this.store.dispatch({ type: 'notice', text: `Could not load history: ${errorText(error)}` });
      return 'failed';
    }
  }

  /** A frame from a room joined without `since` proves the join is live: fetch what came before it. */
  private joinIsLive(room: string): void {
    this.probing.delete(room);
    this.learnRole(room);
    if (this.refetchOnFrame.delete(room)) void this.loadHistory(conversationKey('room', room));
  }

  /**
   * A room joined by name (made by that join, or public) has no role in the store yet; the menu
   * needs it (owners and admins delete any message), so ask `GET /api/me` once the join is live.
   */
  private learnRole(room: string): void {
    if (this.roleAsked.has(room) || this.find(conversationKey('room', room))?.role !== null) return;
    this.roleAsked.add(room);
    getMe(this.api).then(
      (me) => {
        const mine = me.rooms.find((r) => r.name === room);
        if (mine) this.store.dispatch({ type: 'room-info', room, role: mine.role, topic: mine.topic, visibility: mine.visibility });
      },
      () => undefined, // an older gateway without /api/me: no role, no asking again
    );
  }

  private refreshPresence(room: string): void {
    const framesBefore = this.presenceFrames.get(room) ?? 0;
    getPresence(this.api, room).then(
      (users) => {
        // The answer may have been read before our own join was processed; a frame that came in
        // meanwhile is newer, so it wins.
        if ((this.presenceFrames.get(room) ?? 0) === framesBefore) this.store.dispatch({ type: 'presence', room, users });
      },
      () => undefined, // presence frames follow the join anyway
    );
  }

  private handle(event: SocketEvent): void {
    const { dispatch } = this.store;
    switch (event.type) {
      case 'status':
        this.onStatus(event.status);
        return;
      case 'message':
        // A frame can still be in flight for a room just left.
        if (!this.socket.joinedRooms().includes(event.frame.room)) return;
        dispatch({ type: 'delivered', key: conversationKey('room', event.frame.room), message: fromRoomMessage(event.frame) });
        this.joinIsLive(event.frame.room);
        return;
      case 'private': {
        const key = conversationKey('dm', dmPartner(this.me, event.frame));
        const fresh = this.find(key) === undefined;
        dispatch({ type: 'delivered', key, message: fromPrivateMessage(event.frame) });
        // A conversation opened by an incoming message shows what came before it too.
        if (fresh) void this.loadHistory(key);
        return;
      }
      case 'presence':
        this.presenceFrames.set(event.frame.room, (this.presenceFrames.get(event.frame.room) ?? 0) + 1);
        dispatch({ type: 'presence', room: event.frame.room, users: event.frame.users });
        if (this.socket.joinedRooms().includes(event.frame.room)) this.joinIsLive(event.frame.room);
        return;
      case 'typing': {
        const { room, user } = event.frame;
        dispatch({ type: 'typing', room, user, until: Date.now() + TYPING_SHOWN_MS });
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          dispatch({ type: 'typing-expired', room, user, now: Date.now() });
        }, TYPING_SHOWN_MS);
        this.timers.add(timer);
        return;
      }
      case 'rooms':
        this.onRoomsFrame(event.frame);
        return;
      case 'frame': {
        // A function's own frame type: polls, reminders and scheduled messages are known here.
        if (isLaterFrame(event.frame)) {
          const later = parseLaterFrame(event.frame);
          if (later) this.later.frame(later);
          return;
        }
        const poll = event.frame.type === 'poll' ? parsePollFrame(event.frame) : null;
        if (poll && this.socket.joinedRooms().includes(poll.room)) this.polls.dispatch({ type: 'delivered', poll });
        return;
      }
      case 'ack':
        dispatch({ type: 'acked', clientId: event.clientId, id: event.id });
        return;
      case 'live':
        this.live.frame(event.frame);
        return;
      case 'rejected': {
        if (this.live.rejected(event.clientId, event.error, event.detail)) return;
        if (this.later.rejected(event.clientId, event.detail === '' ? event.error : event.detail)) return;
        const kind = this.pollActions.get(event.clientId);
        if (kind !== undefined) {
          this.pollRefused(event.clientId, kind, event.detail === '' ? event.error : event.detail);
          return;
        }
        dispatch({ type: 'rejected', clientId: event.clientId, detail: event.detail === '' ? event.error : event.detail });
        return;
      }
      case 'error': {
        const [room] = this.probing;
        if (event.error === 'forbidden' && room !== undefined) {
          // The join of a room whose history we may not read was refused: it is private.
          this.forgetRoom(room);
          dispatch({ type: 'closed', key: conversationKey('room', room) });
          dispatch({ type: 'notice', text: `#${room} is private: only its members can join. Ask one of them to invite you.` });
          return;
        }
        dispatch({ type: 'notice', text: event.detail === '' ? event.error : event.detail });
        return;
      }
    }
  }

  private onStatus(status: ConnectionStatus): void {
    if (status.kind === 'offline' && status.reason === 'unauthorized') {
      this.onUnauthorized();
      return;
    }
    if (status.kind === 'reconnecting' && status.attempt === 2) {
      // A refused handshake looks like any network error; ask the API whether the session still
      // works (the API client renews the token, and calls onUnauthorized when it cannot).
      this.api.get('/api/rooms').catch(() => undefined);
    }
    if (status.kind !== 'online') return;
    if (this.everOnline) this.catchUp();
    this.everOnline = true;
    this.sendReads();
  }

  /**
   * After a reconnect the socket resumes rooms with `since`. What it cannot resume is fetched:
   * direct conversations (no `since` for them) and rooms where no message had been seen yet.
   * Poll frames are not replayed, so each rejoined room's polls are asked for again (the socket
   * reports `online` once its rejoins are out, so the request follows them).
   */
  private catchUp(): void {
    for (const room of this.socket.joinedRooms()) this.listPolls(room);
    for (const conversation of this.store.getState().conversations) {
      const resumable = conversation.kind === 'room' && this.socket.lastSeen(conversation.name) !== undefined;
      if (!resumable && conversation.history !== 'loading') void this.loadHistory(conversation.key);
    }
  }

  private persist(): void {
    const { conversations, active } = this.store.getState();
    if (active !== this.persistedActive) {
      this.persistedActive = active;
      saveActive(active);
    }
    if (conversations === this.persisted) return;
    this.persisted = conversations;
    const names = (kind: ConversationKind) => conversations.filter((c) => c.kind === kind).map((c) => c.name);
    saveRooms(names('room'));
    saveDirectChats(names('dm'));
  }
}
