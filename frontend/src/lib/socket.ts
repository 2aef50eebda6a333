/**
 * The one place that touches `WebSocket`. A `ChatSocket` keeps a connection to the gateway
 * alive and makes reconnects invisible to the rest of the UI:
 *
 * - reconnects with exponential backoff and jitter after any unexpected close;
 * - on every (re)connect re-joins each joined room with `since` = the last message id seen
 *   there, so the server replays what was missed, and only then reports `online` (so what a
 *   listener sends on `online` follows the joins);
 * - drops message and private frames whose id it has already delivered (replays overlap);
 * - keeps every `message`/`private` frame until its `ack`, re-sending unacked ones after a
 *   reconnect with the same `client_id` (the server dedupes), and marks them failed on an
 *   `error` frame carrying that `client_id` until `retry` is called;
 * - sends declared actions (`sendAction`, a function's own frame type such as `poll`) through
 *   the same outbox, ack and retry path as messages;
 * - passes frames of types the contract does not name (a function's deliveries) on as
 *   `frame` events, for the feature that knows them; everything else ignores them;
 * - follows the browser's `offline`/`online` events: going offline drops the link at once
 *   (a socket can sit open but dead for a long time, and the banner should say so), coming
 *   back online reconnects without waiting for the backoff.
 *
 * Tests inject a fake WebSocket class, a clock, a random source and the network events
 * through the options.
 */
import type {
  ActionFrame,
  ClientFrame,
  ExtensionFrame,
  Id,
  JsonValue,
  MessageFrame,
  OutgoingFrame,
  PresenceFrame,
  PrivateFrame,
  RoomsFrame,
  TypingFrame,
} from '@/lib/protocol';
import { newClientId } from '@/lib/ids';
import { BUILT_IN_CLIENT_TYPES, parseFrame } from '@/lib/protocol';
import type { LiveFrame } from '@/lib/live-protocol';
import { parseLiveFrame } from '@/lib/live-protocol';

/** The part of the browser's WebSocket that ChatSocket uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Where the browser announces `online` and `offline` (the window). */
export type NetworkEvents = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

const OPEN = 1;
/** The gateway closes with 4401 when the token is missing or bad. */
export const CLOSE_UNAUTHORIZED = 4401;

export type ConnectionStatus =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'online' }
  | { kind: 'reconnecting'; attempt: number; retryAt: number }
  | { kind: 'offline'; reason: 'stopped' | 'unauthorized' };

export type OutgoingStatus = 'pending' | 'failed';

export interface OutgoingEntry {
  frame: OutgoingFrame;
  status: OutgoingStatus;
  error?: string;
  detail?: string;
}

export type SocketEvent =
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'message'; frame: MessageFrame }
  | { type: 'private'; frame: PrivateFrame }
  | { type: 'presence'; frame: PresenceFrame }
  | { type: 'typing'; frame: TypingFrame }
  /** Membership, removal, presence changes and read markers (v2 rooms and people). */
  | { type: 'rooms'; frame: RoomsFrame }
  /** A message changed (edit, delete, reactions), the other party read (`seen`), or you were named (`mention`). */
  | { type: 'live'; frame: LiveFrame }
  /** A frame of a type the contract does not name, for whichever feature knows it. */
  | { type: 'frame'; frame: ExtensionFrame }
  | { type: 'ack'; clientId: string; id: Id }
  | { type: 'rejected'; clientId: string; error: string; detail: string }
  | { type: 'error'; error: string; detail: string };

export type SocketListener = (event: SocketEvent) => void;

export interface ChatSocketOptions {
  /**
   * The URL to dial, read again on every attempt: a one-use ticket is fetched for each, so it
   * may come as a promise (a rejected one counts as a failed attempt and is retried).
   */
  url: string | (() => string | Promise<string>);
  /** Defaults to the browser's WebSocket. */
  WebSocketImpl?: WebSocketConstructor;
  /** `online`/`offline` events; defaults to `window` when there is one, null ignores them. */
  network?: NetworkEvents | null;
  /** First retry waits about `baseDelayMs`, doubling per failed attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A ping goes out this often while online; no frame within `pongTimeoutMs` means a dead link. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** At most one `typing` frame per room in this window. */
  typingThrottleMs?: number;
  /** How many delivered ids to remember for dedupe. */
  dedupeWindow?: number;
  random?: () => number;
  now?: () => number;
  newClientId?: () => string;
}

/** Backoff with "equal jitter": half the exponential delay, plus a random share of the other half. */
/** The optional fields of a message frame: the message it answers, the files it carries. */
function extras(replyTo: Id | undefined, attachments: Id[]): { reply_to?: Id; attachments?: Id[] } {
  return {
    ...(replyTo === undefined ? {} : { reply_to: replyTo }),
    ...(attachments.length === 0 ? {} : { attachments: [...attachments] }),
  };
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class ChatSocket {
  private readonly options: Required<Omit<ChatSocketOptions, 'WebSocketImpl' | 'network'>> & {
    WebSocketImpl: WebSocketConstructor | undefined;
  };
  private readonly network: NetworkEvents | null;
  private ws: WebSocketLike | null = null;
  private currentStatus: ConnectionStatus = { kind: 'offline', reason: 'stopped' };
  /** Counts attempts, so a URL that arrives after its attempt was given up is not dialled. */
  private dialing = 0;
  private attempt = 0;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<SocketListener>();
  /** Joined rooms and the id of the last message seen in each. */
  private readonly rooms = new Map<string, Id | undefined>();
  private readonly outbox = new Map<string, OutgoingEntry>();
  private readonly seen = new Set<Id>();
  private readonly seenOrder: Id[] = [];
  private readonly lastTyping = new Map<string, number>();

  constructor(options: ChatSocketOptions) {
    this.options = {
      baseDelayMs: 500,
      maxDelayMs: 15_000,
      pingIntervalMs: 25_000,
      pongTimeoutMs: 10_000,
      typingThrottleMs: 2_000,
      dedupeWindow: 5_000,
      random: Math.random,
      now: Date.now,
      newClientId: newClientId,
      ...options,
      WebSocketImpl: options.WebSocketImpl,
    };
    this.network = options.network === undefined ? (typeof window === 'undefined' ? null : window) : options.network;
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  subscribe(listener: SocketListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts connecting (and keeps reconnecting) until `disconnect`. */
  connect(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.network?.addEventListener('offline', this.onOffline);
    this.network?.addEventListener('online', this.onOnline);
    this.open();
  }

  /** Closes the connection and stops reconnecting. Joined rooms and unacked sends are kept. */
  disconnect(): void {
    this.stopped = true;
    this.removeNetworkListeners();
    this.clearTimers();
    this.dropSocket();
    this.setStatus({ kind: 'offline', reason: 'stopped' });
  }

  /** Skips the backoff wait (a "retry now" button, or the browser coming back online). */
  reconnectNow(): void {
    if (this.stopped || this.currentStatus.kind !== 'reconnecting') return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  /**
   * Subscribes to a room. Pass `since`, the newest message you already hold there, and the
   * server first replays everything after it: a message stored between your history fetch and
   * this join then still arrives.
   */
  join(room: string, since?: Id): void {
    if (this.rooms.has(room)) return;
    this.rooms.set(room, since);
    this.write(since === undefined ? { type: 'join', room } : { type: 'join', room, since });
  }

  leave(room: string): void {
    if (!this.rooms.delete(room)) return;
    this.write({ type: 'leave', room });
  }

  /**
   * Stops rejoining a room without telling the server (which removed us from it: a `leave`
   * would only be refused).
   */
  forget(room: string): void {
    this.rooms.delete(room);
  }

  /** Tells the server you read a room (`room`) or a conversation (`with`) up to `id`; false when offline. */
  markRead(target: { room: string } | { with: string }, id: Id): boolean {
    if (!this.isOpen()) return false;
    this.write('room' in target ? { type: 'read', room: target.room, id } : { type: 'read', with: target.with, id });
    return true;
  }

  joinedRooms(): string[] {
    return [...this.rooms.keys()];
  }

  lastSeen(room: string): Id | undefined {
    return this.rooms.get(room);
  }

  /**
   * Records a message id seen outside the socket (history from the REST API), so a reconnect
   * resumes from it. Only fills a gap: ids from live frames always win.
   */
  noteSeen(room: string, id: Id): void {
    if (this.rooms.has(room) && this.rooms.get(room) === undefined) this.rooms.set(room, id);
  }

  /** Posts to a room (an answer to `replyTo` when given); returns the client_id that its `ack` or `error` will carry. */
  sendMessage(room: string, text: string, clientId = this.options.newClientId(), replyTo?: Id, attachments: Id[] = []): string {
    return this.enqueue({ type: 'message', room, text, client_id: clientId, ...extras(replyTo, attachments) });
  }

  /** Sends a direct message (with the uploads `attachments`); returns the client_id. */
  sendPrivate(to: string, text: string, clientId = this.options.newClientId(), replyTo?: Id, attachments: Id[] = []): string {
    return this.enqueue({ type: 'private', to, text, client_id: clientId, ...extras(replyTo, attachments) });
  }

  /**
   * Edits your message `id`, deletes a message, or toggles your reaction to it. Like a
   * message, each waits in the outbox for its `ack` (re-sent after a reconnect); a refusal may
   * still come after the ack, as a `rejected` event with the returned client_id.
   */
  sendEdit(id: Id, text: string, clientId = this.options.newClientId()): string {
    return this.enqueue({ type: 'edit', id, text, client_id: clientId });
  }

  sendDelete(id: Id, clientId = this.options.newClientId()): string {
    return this.enqueue({ type: 'delete', id, client_id: clientId });
  }

  sendReact(id: Id, emoji: string, clientId = this.options.newClientId()): string {
    return this.enqueue({ type: 'react', id, emoji, client_id: clientId });
  }

  /**
   * Sends a declared action (docs/PROTOCOL.md 3.11), such as `poll`, with its own `fields`;
   * returns the client_id. Like a message it stays in the outbox until its `ack` (re-sent after
   * a reconnect) and an `error` with its client_id marks it failed (`rejected` event).
   */
  sendAction(type: string, fields: Record<string, JsonValue>, clientId = this.options.newClientId()): string {
    if (BUILT_IN_CLIENT_TYPES.includes(type)) throw new Error(`"${type}" is a built-in frame type, not an action.`);
    const frame: ActionFrame = { ...fields, type, client_id: clientId };
    return this.enqueue(frame);
  }

  /** Re-sends a failed (or still pending) frame with its original client_id. */
  retry(clientId: string): boolean {
    const entry = this.outbox.get(clientId);
    if (!entry) return false;
    this.outbox.set(clientId, { frame: entry.frame, status: 'pending' });
    this.write(entry.frame);
    return true;
  }

  outgoing(clientId: string): OutgoingEntry | undefined {
    return this.outbox.get(clientId);
  }

  /** Sends a typing notice unless one went to this room less than the throttle window ago. */
  typing(room: string): boolean {
    if (!this.isOpen() || !this.rooms.has(room)) return false;
    const now = this.options.now();
    const last = this.lastTyping.get(room);
    if (last !== undefined && now - last < this.options.typingThrottleMs) return false;
    this.lastTyping.set(room, now);
    this.write({ type: 'typing', room });
    return true;
  }

  // ------------------------------------------------------------ connection

  private open(): void {
    this.attempt += 1;
    this.setStatus({ kind: 'connecting', attempt: this.attempt });
    const attempt = ++this.dialing;
    let url: string | Promise<string>;
    try {
      url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (typeof url === 'string') {
      this.dial(url);
      return;
    }
    const current = () => attempt === this.dialing && !this.stopped && this.ws === null;
    url.then(
      (resolved) => {
        if (current()) this.dial(resolved);
      },
      () => {
        if (current()) this.scheduleReconnect();
      },
    );
  }

  private dial(url: string): void {
    const Impl = this.options.WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Impl) throw new Error('No WebSocket implementation: pass WebSocketImpl to ChatSocket.');
    let ws: WebSocketLike;
    try {
      ws = new Impl(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws === ws) this.handleOpen();
    };
    ws.onmessage = (event: MessageEvent) => {
      if (this.ws === ws) this.handleFrame(event.data);
    };
    ws.onclose = (event: CloseEvent) => {
      if (this.ws === ws) this.handleClose(event.code);
    };
    ws.onerror = () => undefined; // a close event always follows
  }

  private handleOpen(): void {
    this.attempt = 0;
    this.lastTyping.clear();
    // Online for `write`, but listeners hear of it only once the rooms are rejoined and the
    // outbox re-sent: whatever they send on `online` goes out after the joins, and only once.
    this.currentStatus = { kind: 'online' };
    for (const [room, since] of this.rooms) {
      this.write(since === undefined ? { type: 'join', room } : { type: 'join', room, since });
    }
    for (const entry of this.outbox.values()) {
      if (entry.status === 'pending') this.write(entry.frame);
    }
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs);
    this.setStatus(this.currentStatus);
  }

  /** The browser lost the network: the link is gone even if the socket has not noticed yet. */
  private readonly onOffline = (): void => {
    if (!this.stopped && this.ws !== null) this.handleClose(1006);
  };

  /** The network is back: dial now, also instead of an attempt that began while it was down. */
  private readonly onOnline = (): void => {
    if (this.stopped) return;
    if (this.currentStatus.kind === 'connecting') {
      this.dropSocket();
      this.open();
      return;
    }
    this.reconnectNow();
  };

  private removeNetworkListeners(): void {
    this.network?.removeEventListener('offline', this.onOffline);
    this.network?.removeEventListener('online', this.onOnline);
  }

  private handleClose(code: number): void {
    this.clearTimers();
    this.dropSocket();
    if (this.stopped) return;
    if (code === CLOSE_UNAUTHORIZED) {
      this.stopped = true;
      this.removeNetworkListeners();
      this.setStatus({ kind: 'offline', reason: 'unauthorized' });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { baseDelayMs, maxDelayMs, random, now } = this.options;
    this.attempt = Math.max(1, this.attempt);
    const delay = backoffDelay(this.attempt, baseDelayMs, maxDelayMs, random);
    this.setStatus({ kind: 'reconnecting', attempt: this.attempt, retryAt: now() + delay });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private ping(): void {
    if (!this.isOpen()) return;
    this.write({ type: 'ping' });
    if (this.pongTimer === undefined) {
      // Any frame proves the link is alive; none in time means it is dead without a close.
      this.pongTimer = setTimeout(() => this.handleClose(1006), this.options.pongTimeoutMs);
    }
  }

  private dropSocket(): void {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(1000);
    } catch {
      // already closed
    }
  }

  private clearTimers(): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.retryTimer = this.pingTimer = this.pongTimer = undefined;
  }

  private isOpen(): boolean {
    return this.ws !== null && this.ws.readyState === OPEN && this.currentStatus.kind === 'online';
  }

  private write(frame: ClientFrame | ActionFrame): void {
    if (this.isOpen()) this.ws?.send(JSON.stringify(frame));
  }

  private enqueue(frame: OutgoingFrame): string {
    this.outbox.set(frame.client_id, { frame, status: 'pending' });
    this.write(frame);
    return frame.client_id;
  }

  // ------------------------------------------------------------ inbound frames

  private handleFrame(data: unknown): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    const parsed = parseFrame(data);
    if (parsed === null) return;
    if ('extension' in parsed) {
      const live = parseLiveFrame(parsed.extension);
      this.emit(live === null ? { type: 'frame', frame: parsed.extension } : { type: 'live', frame: live });
      return;
    }
    if ('rooms' in parsed) {
      if (parsed.rooms.type === 'removed') this.rooms.delete(parsed.rooms.room);
      this.emit({ type: 'rooms', frame: parsed.rooms });
      return;
    }
    const frame = parsed.known;
    switch (frame.type) {
      case 'message':
        if (this.firstSight(frame.id)) {
          if (this.rooms.has(frame.room)) this.rooms.set(frame.room, frame.id);
          this.emit({ type: 'message', frame });
        }
        return;
      case 'private':
        if (this.firstSight(frame.id)) this.emit({ type: 'private', frame });
        return;
      case 'ack':
        this.outbox.delete(frame.client_id);
        this.emit({ type: 'ack', clientId: frame.client_id, id: frame.id });
        return;
      case 'error': {
        const entry = frame.client_id === undefined ? undefined : this.outbox.get(frame.client_id);
        if (frame.client_id === undefined) {
          this.emit({ type: 'error', error: frame.error, detail: frame.detail });
          return;
        }
        if (entry) this.outbox.set(frame.client_id, { ...entry, status: 'failed', error: frame.error, detail: frame.detail });
        this.emit({ type: 'rejected', clientId: frame.client_id, error: frame.error, detail: frame.detail });
        return;
      }
      case 'presence':
        this.emit({ type: 'presence', frame });
        return;
      case 'typing':
        this.emit({ type: 'typing', frame });
        return;
      case 'pong':
        return;
    }
  }

  /** True the first time an id shows up; remembers the last `dedupeWindow` ids. */
  private firstSight(id: Id): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > this.options.dedupeWindow) {
      const oldest = this.seenOrder.shift();
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }

  private setStatus(status: ConnectionStatus): void {
    this.currentStatus = status;
    this.emit({ type: 'status', status });
  }

  private emit(event: SocketEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
