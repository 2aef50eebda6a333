/**
 * "Messages that live" on the wire: the optional fields a `message` or `private`
 * frame (live, in history pages and in replays) may carry, and the frames that change a message
 * after it was sent (`edit`, `delete`, `reactions`), say how far the other party has read
 * (`seen`) or that someone named you (`mention`). Each parser checks what actually arrives and
 * gives null when a frame does not match.
 */
import type { Id } from '@/lib/protocol';

/** emoji -> the users who reacted with it, in the order they did. */
export type Reactions = Record<string, string[]>;

/** The optional fields of a stored message; absent means none, 0 or false. */
export interface LiveFields {
  reply_to?: Id;
  edited_at?: string;
  deleted?: boolean;
  reactions?: Reactions;
  mentions?: string[];
  replies?: number;
  rev?: number;
}

/** Where a change frame belongs: a room, or a conversation (its author and recipient). */
export type ChangeTarget = { room: string } | { from: string; to: string };

export type EditFrame = { type: 'edit'; id: Id; text: string; edited_at: string; rev: number; mentions?: string[] } & ChangeTarget;
export type DeleteFrame = { type: 'delete'; id: Id; rev: number } & ChangeTarget;
export type ReactionsFrame = { type: 'reactions'; id: Id; reactions: Reactions; rev: number } & ChangeTarget;
export type ChangeFrame = EditFrame | DeleteFrame | ReactionsFrame;

/** In a conversation: the other party (`with`) has read up to `id`. */
export interface SeenFrame {
  type: 'seen';
  with: string;
  id: Id;
}

/** Someone named you in a room (sent to all your sockets, joined to the room or not). */
export interface MentionFrame {
  type: 'mention';
  id: Id;
  room: string;
  from: string;
  text: string;
}

export type LiveFrame = ChangeFrame | SeenFrame | MentionFrame;

/** The most characters an emoji reaction may have (the server's rule). */
export const MAX_EMOJI = 32;

type Fields = Record<string, unknown>;

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `reactions` map, dropping entries that are not lists of names, and empty ones. */
export function parseReactions(value: unknown): Reactions | null {
  if (!isFields(value)) return null;
  const reactions: Reactions = {};
  for (const [emoji, users] of Object.entries(value)) {
    if (isStringArray(users) && users.length > 0) reactions[emoji] = [...users];
  }
  return reactions;
}

const isRev = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** The live fields present and well formed in a message frame or history element. */
export function parseLiveFields(value: Fields): LiveFields {
  const fields: LiveFields = {};
  if (typeof value.reply_to === 'string' && value.reply_to !== '') fields.reply_to = value.reply_to;
  if (typeof value.edited_at === 'string') fields.edited_at = value.edited_at;
  if (value.deleted === true) fields.deleted = true;
  const reactions = parseReactions(value.reactions);
  if (reactions && Object.keys(reactions).length > 0) fields.reactions = reactions;
  if (isStringArray(value.mentions)) fields.mentions = [...value.mentions];
  if (typeof value.replies === 'number' && Number.isInteger(value.replies) && value.replies > 0) fields.replies = value.replies;
  if (isRev(value.rev)) fields.rev = value.rev;
  return fields;
}

function target(value: Fields): ChangeTarget | null {
  if (typeof value.room === 'string') return { room: value.room };
  if (typeof value.from === 'string' && typeof value.to === 'string') return { from: value.from, to: value.to };
  return null;
}

/** One of the frames of messages that live, or null (another type, or a field missing). */
export function parseLiveFrame(value: unknown): LiveFrame | null {
  if (!isFields(value) || typeof value.type !== 'string') return null;
  const id = value.id;
  if (typeof id !== 'string') return null;
  switch (value.type) {
    case 'edit': {
      const where = target(value);
      if (!where || typeof value.text !== 'string' || typeof value.edited_at !== 'string' || !isRev(value.rev)) return null;
      const frame: EditFrame = { type: 'edit', id, text: value.text, edited_at: value.edited_at, rev: value.rev, ...where };
      if (isStringArray(value.mentions)) frame.mentions = [...value.mentions];
      return frame;
    }
    case 'delete': {
      const where = target(value);
      return where && isRev(value.rev) ? { type: 'delete', id, rev: value.rev, ...where } : null;
    }
    case 'reactions': {
      const where = target(value);
      const reactions = parseReactions(value.reactions);
      return where && reactions && isRev(value.rev) ? { type: 'reactions', id, reactions, rev: value.rev, ...where } : null;
    }
    case 'seen':
      return typeof value.with === 'string' ? { type: 'seen', with: value.with, id } : null;
    case 'mention':
      return typeof value.room === 'string' && typeof value.from === 'string' && typeof value.text === 'string'
        ? { type: 'mention', id, room: value.room, from: value.from, text: value.text }
        : null;
    default:
      return null;
  }
}

/** The frame types of messages that live the client sends; each carries a `client_id` and is answered by `ack`. */
export type LiveClientFrame =
  | { type: 'edit'; id: Id; text: string; client_id: string }
  | { type: 'delete'; id: Id; client_id: string }
  | { type: 'react'; id: Id; emoji: string; client_id: string };
