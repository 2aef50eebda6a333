/**
 * `GET /api/search`: messages you may see whose text has every word of `q`, newest
 * first, each with its `highlight` (the text around the first match as segments, the matched
 * words marked). A hit is a room message or a direct message, as history gives it.
 */
import type { ApiClient } from '@/lib/api';
import type { ConversationKind } from '@/lib/chat-store';
import type { Id } from '@/lib/protocol';
import { parsePrivateMessage, parseRoomMessage } from '@/lib/protocol';

/** A piece of a hit's text; `match`: one of the words searched for. */
export interface Segment {
  text: string;
  match: boolean;
}

export interface SearchHit {
  id: Id;
  /** Where it was said: a room, or your conversation with `name`. */
  kind: ConversationKind;
  name: string;
  author: string;
  ts: string;
  text: string;
  highlight: Segment[];
}

export interface SearchQuery {
  q: string;
  /** Only this room (you must be a member). */
  room?: string;
  /** Only your conversation with this user. */
  with?: string;
  /** Only messages this user wrote. */
  author?: string;
  /** The next page: hits older than this one (the last of the previous page). */
  before?: Id;
  limit?: number;
}

/** Hits per page. */
export const SEARCH_PAGE = 20;
/** The server's bounds of `q`. */
export const MAX_QUERY = 200;

function parseSegments(value: unknown, text: string): Segment[] {
  if (!Array.isArray(value)) return [{ text, match: false }];
  const segments = value.flatMap((raw): Segment[] => {
    if (typeof raw !== 'object' || raw === null) return [];
    const { text: piece, match } = raw as Record<string, unknown>;
    return typeof piece === 'string' ? [{ text: piece, match: match === true }] : [];
  });
  return segments.length > 0 ? segments : [{ text, match: false }];
}

/** One element of the answer as a hit, or null when it is neither kind of message. */
export function parseHit(raw: unknown, me: string): SearchHit | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const fields = raw as Record<string, unknown>;
  const highlight = (text: string) => parseSegments(fields.highlight, text);
  if (typeof fields.room === 'string') {
    const message = parseRoomMessage(raw);
    return message && { id: message.id, kind: 'room', name: message.room, author: message.user, ts: message.ts, text: message.text, highlight: highlight(message.text) };
  }
  const message = parsePrivateMessage(raw);
  if (!message) return null;
  const partner = message.from === me ? message.to : message.from;
  return { id: message.id, kind: 'dm', name: partner, author: message.from, ts: message.ts, text: message.text, highlight: highlight(message.text) };
}

/** Whether `q` is worth sending: it has a letter or digit (a query of no word is refused). */
export function searchable(q: string): boolean {
  const text = q.trim();
  return text.length > 0 && text.length <= MAX_QUERY && /[\p{L}\p{N}]/u.test(text);
}

export async function searchMessages(api: ApiClient, me: string, query: SearchQuery): Promise<SearchHit[]> {
  const body = await api.get<{ messages?: unknown }>('/api/search', {
    q: query.q.trim(),
    room: query.room,
    with: query.with,
    author: query.author,
    before: query.before,
    limit: query.limit ?? SEARCH_PAGE,
  });
  const list = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  return list.flatMap((raw) => {
    const hit = parseHit(raw, me);
    return hit ? [hit] : [];
  });
}
