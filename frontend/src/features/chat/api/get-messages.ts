import type { ApiClient } from '@/lib/api';
import type { ChatMessage } from '@/lib/chat-store';
import { fromPrivateMessage, fromRoomMessage } from '@/lib/chat-store';
import type { MessagesResponse } from '@/lib/protocol';
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
