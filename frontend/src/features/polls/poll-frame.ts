/**
 * The `poll` frame the poll function delivers to a room (functions/poll.py, docs/PROTOCOL.md
 * 3.11), checked field by field: it comes off the wire, so a malformed one is dropped whole.
 */
import { MAX_TEXT, ROOM_MAX, ROOM_NAME, USERNAME, USERNAME_MAX } from '@/lib/protocol';

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;
/** The function's limit on a poll id (it is the id of the event that opened the poll). */
const POLL_ID_MAX = 64;

export interface Poll {
  id: string;
  room: string;
  question: string;
  options: string[];
  /** Votes per option, in the order of `options`. */
  totals: number[];
  /** Who voted for which option (an index into `options`). Read it with `voteOf`. */
  votes: Record<string, number>;
  /** Who opened the poll. */
  by: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_TEXT;
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= USERNAME_MAX && USERNAME.test(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A poll from a frame, or null when any field is missing or out of shape. */
export function parsePollFrame(frame: unknown): Poll | null {
  if (!isObject(frame) || frame.type !== 'poll') return null;
  const { id, room, question, options, totals, votes, by } = frame;
  if (typeof id !== 'string' || id === '' || id.length > POLL_ID_MAX) return null;
  if (typeof room !== 'string' || room.length > ROOM_MAX || !ROOM_NAME.test(room)) return null;
  if (!isText(question) || !isName(by)) return null;
  if (!Array.isArray(options) || options.length < MIN_OPTIONS || options.length > MAX_OPTIONS) return null;
  if (!options.every(isText)) return null;
  if (!Array.isArray(totals) || totals.length !== options.length || !totals.every(isCount)) return null;
  if (!isObject(votes)) return null;
  const entries = Object.entries(votes);
  const valid = entries.every(([user, choice]) => isName(user) && isCount(choice) && choice < options.length);
  if (!valid) return null;
  return {
    id,
    room,
    question,
    options: [...options],
    totals: [...totals],
    votes: Object.fromEntries(entries) as Record<string, number>,
    by,
  };
}

/** The option `user` voted for, if any (an own property only: `__proto__` is a valid user name). */
export function voteOf(poll: Poll, user: string): number | undefined {
  return Object.hasOwn(poll.votes, user) ? poll.votes[user] : undefined;
}

export function totalVotes(poll: Poll): number {
  return poll.totals.reduce((sum, n) => sum + n, 0);
}
