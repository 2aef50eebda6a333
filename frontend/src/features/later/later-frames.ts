/**
 * The frames of the remind and scheduled functions (functions/remind.py, functions/scheduled.py,
 * docs/PROTOCOL.md 3.11): checked field by field, as they come off the wire; a malformed one is
 * dropped whole.
 */
import { MAX_TEXT } from '@/lib/protocol';

/** A pending reminder: when, what, and the room it will be posted in (null: to you). */
export interface Reminder {
  id: string;
  at: string;
  text: string;
  room: string | null;
}

/** A message of yours waiting to be sent to a room. */
export interface ScheduledMessage {
  id: string;
  room: string;
  text: string;
  at: string;
}

export type LaterFrame =
  | { type: 'reminders'; reminders: Reminder[] }
  | { type: 'reminder'; id: string; text: string; room: string | null }
  | { type: 'scheduled'; room: string; messages: ScheduledMessage[] }
  | { type: 'scheduled_failed'; id: string; room: string; text: string; reason: string };

const LATER_TYPES = new Set(['reminders', 'reminder', 'scheduled', 'scheduled_failed']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown, max = 64): value is string {
  return typeof value === 'string' && value !== '' && value.length <= max;
}

function isTime(value: unknown): value is string {
  return isString(value, 40) && !Number.isNaN(Date.parse(value));
}

function reminderOf(value: unknown): Reminder | null {
  if (!isObject(value)) return null;
  const { id, at, text, room } = value;
  if (!isString(id) || !isTime(at) || !isString(text, MAX_TEXT)) return null;
  if (room !== null && !isString(room)) return null;
  return { id, at, text, room };
}

function scheduledOf(value: unknown): ScheduledMessage | null {
  if (!isObject(value)) return null;
  const { id, at, text, room } = value;
  if (!isString(id) || !isTime(at) || !isString(text, MAX_TEXT) || !isString(room)) return null;
  return { id, at, text, room };
}

function all<T>(values: unknown, parse: (value: unknown) => T | null): T[] | null {
  if (!Array.isArray(values)) return null;
  const parsed = values.map(parse);
  return parsed.every((p): p is T => p !== null) ? parsed : null;
}

/** Whether a function frame is one of these (then `parseLaterFrame` reads it). */
export function isLaterFrame(frame: { type: string }): boolean {
  return LATER_TYPES.has(frame.type);
}

/** The frame, checked; null when it is not one of these or is malformed. */
export function parseLaterFrame(frame: Record<string, unknown>): LaterFrame | null {
  switch (frame.type) {
    case 'reminders': {
      const reminders = all(frame.reminders, reminderOf);
      return reminders && { type: 'reminders', reminders };
    }
    case 'reminder': {
      const { id, text, room } = frame;
      if (!isString(id) || !isString(text, MAX_TEXT) || (room !== null && !isString(room))) return null;
      return { type: 'reminder', id, text, room };
    }
    case 'scheduled': {
      const messages = all(frame.messages, scheduledOf);
      return messages && isString(frame.room) ? { type: 'scheduled', room: frame.room, messages } : null;
    }
    case 'scheduled_failed': {
      const { id, room, text, reason } = frame;
      if (!isString(id) || !isString(room) || !isString(text, MAX_TEXT) || !isString(reason, 400)) return null;
      return { type: 'scheduled_failed', id, room, text, reason };
    }
    default:
      return null;
  }
}
