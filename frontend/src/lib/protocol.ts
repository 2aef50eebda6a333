/**
 * Wire types (docs/PROTOCOL.md). Event fields and limits come from `events.gen.ts` and the
 * server frames from `frames.gen.ts`, both generated from the backend's JSON Schemas
 * (`npm run gen:events`), so a change there shows up here as a type error;
 * `parseServerFrame` checks what actually arrives.
 */
import type { DeliverEventData, MessageEventData, PrivateEventData } from '@/lib/events.gen';
import { EVENT_FIELD_LIMITS } from '@/lib/events.gen';
import type { Attachment } from '@/lib/files-protocol';
import { parseAttachments } from '@/lib/files-protocol';
import type { ErrorFrame, PresenceFrame, ServerFrame } from '@/lib/frames.gen';
import type { LiveClientFrame, LiveFields, LiveFrame } from '@/lib/live-protocol';
import { parseLiveFields } from '@/lib/live-protocol';

// The server frames are generated from runtime/frames.py (`npm run gen:events`).
export type {
  AckFrame,
  ErrorFrame,
  MessageFrame,
  PongFrame,
  PresenceFrame,
  PrivateFrame,
  ServerFrame,
  TypingFrame,
} from '@/lib/frames.gen';

/** Ids are strings, unique and sortable by creation time (UUIDv7 or ULID). */
export type Id = string;

// ---------------------------------------------------------------- REST bodies

export interface Credentials {
  username: string;
  password: string;
}

export interface AuthResponse {
  username: string;
  token: string;
}

/** Every REST error body: `{"error": "<code>", "detail": "<human text>"}`. */
export interface ErrorBody {
  error: string;
  detail: string;
}

export interface RoomSummary {
  name: string;
  online: number;
}

export interface RoomsResponse {
  rooms: RoomSummary[];
}

/**
 * A stored room message as history returns it (the `message` frame without `type`): the
 * backend's `message` event with its id and time always set.
 */
export type RoomMessage = Required<Pick<MessageEventData, 'id' | 'ts' | 'room' | 'user' | 'text'>> &
  Pick<MessageEventData, 'bot'> &
  LiveFields &
  FileFields;

/** The files a stored message carries (absent: none). */
export interface FileFields {
  attachments?: Attachment[];
}

/**
 * A stored direct message as history returns it (the `private` frame without `type`): the
 * backend's `private` event, whose `sender` the wire calls `from`.
 */
export interface PrivateMessage extends Required<Pick<PrivateEventData, 'id' | 'ts' | 'to' | 'text'>>, Pick<PrivateEventData, 'bot'>, LiveFields, FileFields {
  from: PrivateEventData['sender'];
}

export interface MessagesResponse<T> {
  /** Oldest first, at most `limit`, all older than `before` when given. */
  messages: T[];
}

// ---------------------------------------------------------------- v2: rooms and people

export type RoomRole = 'owner' | 'admin' | 'member';
export type Visibility = 'public' | 'private';

/** A room of yours as `GET /api/me` lists it. */
export interface MyRoom {
  name: string;
  role: RoomRole;
  unread: number;
  mentions: number;
  topic: string;
  visibility: Visibility;
}

export interface MyConversation {
  user: string;
  unread: number;
  /** The id the other party has read up to (null until they read any). */
  seen?: Id | null;
}

/** `GET /api/me`: your sidebar on any device, and whether you are a server admin. */
export interface MeResponse {
  username: string;
  admin: boolean;
  rooms: MyRoom[];
  conversations: MyConversation[];
}

/** A room as the room browser lists it (`GET /api/rooms?q=`). */
export interface RoomListing {
  name: string;
  topic: string;
  visibility: Visibility;
  members: number;
  online: number;
  joined: boolean;
}

export interface RoomPage {
  rooms: RoomListing[];
  /** The cursor of the next page; absent on the last one. */
  next?: string;
}

export interface NewRoom {
  name: string;
  topic?: string;
  visibility?: Visibility;
}

/** `POST /api/rooms` answers with the room and your role in it (owner). */
export interface CreatedRoom {
  name: string;
  topic: string;
  visibility: Visibility;
  role: RoomRole;
}

export interface Member {
  username: string;
  role: RoomRole;
  online: boolean;
}

export interface MembersResponse {
  members: Member[];
}

export interface UserMatch {
  username: string;
  online: boolean;
}

export interface UsersResponse {
  users: UserMatch[];
}

export type MemberEvent = 'added' | 'removed' | 'banned' | 'role';

/** Someone's membership of a room changed (to every member's sockets). */
export interface MemberFrame {
  type: 'member';
  room: string;
  user: string;
  event: MemberEvent;
  role?: RoomRole;
}

/** You left a room for good (on any of your devices), or were removed or banned: nothing more comes from it. */
export interface RemovedFrame {
  type: 'removed';
  room: string;
  reason: 'left' | 'removed' | 'banned';
}

/** Presence as changes since the last presence frame (the snapshot is `PresenceFrame`). */
export interface PresenceChangeFrame {
  type: 'presence';
  room: string;
  joined: string[];
  left: string[];
}

/** You read a room or conversation up to `id` on another device. */
export type ReadFrame = { type: 'read'; id: Id } & ({ room: string } | { with: string });

/**
 * The v2 room frames, typed tighter than the generated ones (roles and reasons as unions, a
 * read marker with exactly one of `room` and `with`); each must still be a generated `ServerFrame`.
 */
export type RoomsFrame = MemberFrame | RemovedFrame | PresenceChangeFrame | ReadFrame;
type Assignable<T extends U, U> = T;
export type RoomsFrameIsServerFrame = Assignable<RoomsFrame, ServerFrame>;

export interface PresenceResponse {
  room: string;
  users: string[];
}

export type FunctionState = 'running' | 'asleep' | 'stopped' | 'unknown';

export interface FunctionInfo {
  name: string;
  trigger: string;
  topic: string;
  group: string;
  /** running, asleep (no replica; the next event it wants wakes it), stopped (none, though it
   * should run) or unknown (a share group whose members the gateway cannot ask). */
  state?: FunctionState;
  replicas: number;
  lag: number;
  /** Dead-letter count (or topic) when the gateway reports it. */
  dlq?: number | string | null;
  /** Trigger options, every value a string (retries, timeout, ..., batch, window, max_age). */
  options?: Record<string, string>;
  /** The filter pattern its events must match to reach it (docs/FUNCTIONS.md), or null. */
  match?: Record<string, unknown> | null;
  /** A scheduled function's schedule (such as `every 5s`) and its next tick (RFC 3339). */
  schedule?: string | null;
  next_run?: string | null;
}

export interface FunctionsResponse {
  functions: FunctionInfo[];
}

// ---------------------------------------------------------------- client -> server frames

export type ClientFrame =
  | { type: 'join'; room: string; since?: Id }
  | { type: 'leave'; room: string }
  | { type: 'message'; room: string; text: string; client_id: string; reply_to?: Id; attachments?: Id[] }
  | { type: 'private'; to: string; text: string; client_id: string; reply_to?: Id; attachments?: Id[] }
  | LiveClientFrame
  | { type: 'typing'; room: string }
  | { type: 'read'; room: string; id: Id }
  | { type: 'read'; with: string; id: Id }
  | { type: 'ping' };

/** A JSON value, as a frame's field may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A declared action (docs/PROTOCOL.md 3.11): a frame type a running function added, such as
 * `poll`. Its fields are the function's; it is answered with `ack` or `error` like a message.
 */
export interface ActionFrame {
  type: string;
  client_id: string;
  [field: string]: JsonValue;
}

/** The frame types of the contract itself: no function can declare them. */
export const BUILT_IN_CLIENT_TYPES: readonly string[] = [
  'join', 'leave', 'message', 'private', 'typing', 'read', 'ping', 'edit', 'delete', 'react',
];

/** The frames that carry a `client_id` and are answered with `ack` or `error`. */
export type OutgoingFrame = Extract<ClientFrame, { client_id: string }> | ActionFrame;

// ---------------------------------------------------------------- server -> client frames

/**
 * What a `deliver` event carries to the gateways, which send it to sockets as is: one of the
 * server frames below (typed loosely by the schema, checked by `parseServerFrame`).
 */
export type DeliveredFrame = DeliverEventData['frame'];

// ---------------------------------------------------------------- limits

const LIMITS = EVENT_FIELD_LIMITS.message;

/** The backend's room name pattern; lengths are checked apart (ROOM_MAX). */
export const ROOM_NAME = new RegExp(LIMITS.room.pattern);
export const ROOM_MAX = LIMITS.room.maxLength;
/** The backend's user name pattern; lengths are checked apart (USERNAME_MAX). */
export const USERNAME = new RegExp(LIMITS.user.pattern);
export const USERNAME_MAX = LIMITS.user.maxLength;
export const MAX_TEXT = LIMITS.text.maxLength;
/** Not an event field: the gateway's register rule (docs/PROTOCOL.md). */
export const MIN_PASSWORD = 8;

// ---------------------------------------------------------------- runtime checks

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(obj: Fields, ...keys: string[]): boolean {
  return keys.every((key) => typeof obj[key] === 'string');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A room message from a frame or a history body, or null when a field is missing. */
export function parseRoomMessage(value: unknown): RoomMessage | null {
  if (!isObject(value) || !strings(value, 'id', 'room', 'user', 'text', 'ts')) return null;
  const { id, room, user, text, ts } = value as unknown as RoomMessage;
  return { id, room, user, text, ts, bot: value.bot === true, ...parseLiveFields(value), ...parseAttachments(value) };
}

/** A direct message from a frame or a history body, or null when a field is missing. */
export function parsePrivateMessage(value: unknown): PrivateMessage | null {
  if (!isObject(value) || !strings(value, 'id', 'from', 'to', 'text', 'ts')) return null;
  const { id, from, to, text, ts } = value as unknown as PrivateMessage;
  return { id, from, to, text, ts, bot: value.bot === true, ...parseLiveFields(value), ...parseAttachments(value) };
}

/**
 * A server frame of a type the contract does not name: one a function delivers (`poll`, ...).
 * Only its `type` is checked; the feature that knows the type validates the rest.
 */
export interface ExtensionFrame {
  type: string;
  [field: string]: unknown;
}

const SERVER_TYPES: Record<Exclude<ServerFrame['type'], Exclude<RoomsFrame['type'], 'presence'> | LiveFrame['type']>, true> = {
  ack: true,
  message: true,
  private: true,
  presence: true,
  typing: true,
  error: true,
  pong: true,
};

/**
 * Decodes one text frame. A contract frame is checked field by field (null when it does not
 * match); any other JSON object with a string `type` comes back as an `ExtensionFrame`.
 */
export function parseFrame(data: unknown): { known: V1Frame } | { rooms: RoomsFrame } | { extension: ExtensionFrame } | null {
  let value: unknown;
  try {
    value = typeof data === 'string' ? JSON.parse(data) : null;
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.type !== 'string' || value.type === '') return null;
  if (ROOMS_TYPES.has(value.type) && !isStringArray(value.users)) {
    const rooms = toRoomsFrame(value);
    return rooms ? { rooms } : null;
  }
  if (!Object.hasOwn(SERVER_TYPES, value.type)) return { extension: { ...value, type: value.type } };
  const known = toServerFrame(value);
  return known ? { known } : null;
}

/** Decodes one text frame; anything that does not match the contract gives null. */
export function parseServerFrame(data: unknown): V1Frame | null {
  const parsed = parseFrame(data);
  return parsed !== null && 'known' in parsed ? parsed.known : null;
}

/** Types of `RoomsFrame`; a presence frame with `users` is the snapshot, a `ServerFrame`. */
const ROOMS_TYPES = new Set(['member', 'removed', 'read', 'presence']);
const ROLES: readonly string[] = ['owner', 'admin', 'member'];
const MEMBER_EVENTS: readonly string[] = ['added', 'removed', 'banned', 'role'];

function toRoomsFrame(value: Fields): RoomsFrame | null {
  switch (value.type) {
    case 'member': {
      if (!strings(value, 'room', 'user') || typeof value.event !== 'string' || !MEMBER_EVENTS.includes(value.event)) return null;
      const frame: MemberFrame = { type: 'member', room: value.room as string, user: value.user as string, event: value.event as MemberEvent };
      if (typeof value.role === 'string' && ROLES.includes(value.role)) frame.role = value.role as RoomRole;
      return frame;
    }
    case 'removed':
      return typeof value.room === 'string' && (value.reason === 'left' || value.reason === 'removed' || value.reason === 'banned')
        ? { type: 'removed', room: value.room, reason: value.reason }
        : null;
    case 'read':
      if (typeof value.id !== 'string') return null;
      if (typeof value.room === 'string') return { type: 'read', room: value.room, id: value.id };
      if (typeof value.with === 'string') return { type: 'read', with: value.with, id: value.id };
      return null;
    case 'presence': {
      if (typeof value.room !== 'string') return null;
      const joined = value.joined ?? [];
      const left = value.left ?? [];
      return isStringArray(joined) && isStringArray(left) && (joined.length > 0 || left.length > 0 || 'joined' in value || 'left' in value)
        ? { type: 'presence', room: value.room, joined, left }
        : null;
    }
    default:
      return null;
  }
}

/** The frames of v1 (a presence snapshot, not a change); `RoomsFrame` has the v2 ones. */
export type V1Frame = Exclude<ServerFrame, { type: RoomsFrame['type'] | LiveFrame['type'] }> | PresenceFrame;

/** The frames of messages that live (live-protocol.ts, parsed from the extension path) must still be generated `ServerFrame`s. */
export type LiveFrameIsServerFrame = Assignable<LiveFrame, ServerFrame>;

function toServerFrame(value: Fields): V1Frame | null {
  switch (value.type) {
    case 'ack':
      return strings(value, 'client_id', 'id')
        ? { type: 'ack', client_id: value.client_id as string, id: value.id as string }
        : null;
    case 'message': {
      const message = parseRoomMessage(value);
      return message ? { type: 'message', ...message } : null;
    }
    case 'private': {
      const message = parsePrivateMessage(value);
      return message ? { type: 'private', ...message } : null;
    }
    case 'presence':
      return typeof value.room === 'string' && isStringArray(value.users)
        ? { type: 'presence', room: value.room, users: value.users }
        : null;
    case 'typing':
      return strings(value, 'room', 'user')
        ? { type: 'typing', room: value.room as string, user: value.user as string }
        : null;
    case 'error': {
      const frame: ErrorFrame = {
        type: 'error',
        // The contract names the field `error`; accept `code` too.
        error: typeof value.error === 'string' ? value.error : typeof value.code === 'string' ? value.code : 'error',
        detail: typeof value.detail === 'string' ? value.detail : '',
      };
      if (typeof value.client_id === 'string') frame.client_id = value.client_id;
      return frame;
    }
    case 'pong':
      return { type: 'pong' };
    default:
      return null;
  }
}

/** Bots look different: a frame may say `"bot": true`, and names like `bot` or `echo-bot` are bots. */
export function isBot(user: string, flagged = false): boolean {
  const name = user.toLowerCase();
  return flagged || name === 'bot' || name.endsWith('-bot');
}
