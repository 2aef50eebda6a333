import type { ApiClient } from '@/lib/api';
import type { ChatMessage } from '@/lib/chat-store';
import { fromPrivateMessage, fromRoomMessage } from '@/lib/chat-store';
import type { MessagesResponse, PrivateMessage, RoomMessage } from '@/lib/protocol';
import { parsePrivateMessage, parseRoomMessage } from '@/lib/protocol';

export const PAGE_SIZE = 50;

export interface PageQuery {
  /** Only messages older than this id. */
  before?: string;
  limit?: number;
}

function list(body: MessagesResponse<unknown>): unknown[] {
  return Array.isArray(body.messages) ? body.messages : [];
}

/** GET /api/rooms/{room}/messages: a page of room history, oldest first. */
export async function getRoomMessages(api: ApiClient, room: string, query: PageQuery = {}): Promise<ChatMessage[]> {
  const body = await api.get<MessagesResponse<unknown>>(`/api/rooms/${encodeURIComponent(room)}/messages`, {
    before: query.before,
    limit: query.limit ?? PAGE_SIZE,
  });
  return list(body).flatMap((raw) => {
    const message = parseRoomMessage(raw);
    return message ? [fromRoomMessage(message)] : [];
  });
}

/** GET /api/private/{user}/messages: a page of your conversation with `user`, oldest first. */
export async function getPrivateMessages(api: ApiClient, user: string, query: PageQuery = {}): Promise<ChatMessage[]> {
  const body = await api.get<MessagesResponse<unknown>>(`/api/private/${encodeURIComponent(user)}/messages`, {
    before: query.before,
    limit: query.limit ?? PAGE_SIZE,
  });
  return list(body).flatMap((raw) => {
    const message = parsePrivateMessage(raw);
    return message ? [fromPrivateMessage(message)] : [];
  });
}

/**
 * The answers to message `id` (`?thread=ID`), oldest first, in a room (`kind` room) or in
 * your conversation with a user.
 */
export async function getThread(api: ApiClient, kind: 'room' | 'dm', name: string, id: string): Promise<ChatMessage[]> {
  const base = kind === 'room' ? `/api/rooms/${encodeURIComponent(name)}/messages` : `/api/private/${encodeURIComponent(name)}/messages`;
  const body = await api.get<MessagesResponse<unknown>>(base, { thread: id });
  return list(body).flatMap((raw) => {
    const message = kind === 'room' ? parseRoomMessage(raw) : parsePrivateMessage(raw);
    if (message === null) return [];
    return [kind === 'room' ? fromRoomMessage(message as RoomMessage) : fromPrivateMessage(message as PrivateMessage)];
  });
}
