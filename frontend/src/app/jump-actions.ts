/**
 * Going to a message in its context (a search hit): open its room or conversation,
 * wait for the newest history (and, for a room, the join), then load `?around=ID` unless the
 * message is held already, and ask the list to scroll to it (chat-store-jump.ts). "Jump to
 * latest" loads the newest page back over a detached window.
 */
import type { ApiClient } from '@/lib/api';
import { errorText } from '@/lib/api';
import type { ChatStore, ConversationKey, ConversationKind } from '@/lib/chat-store';
import { conversationKey, fromPrivateMessage, fromRoomMessage } from '@/lib/chat-store';
import type { ChatMessage } from '@/lib/chat-store';
import type { Id, MessagesResponse } from '@/lib/protocol';
import { parsePrivateMessage, parseRoomMessage } from '@/lib/protocol';

/** How many messages a window around a hit holds (half of them before it). */
export const AROUND_LIMIT = 50;

export interface JumpActionsOptions {
  store: ChatStore;
  api: ApiClient;
  /** Opens (or selects) the room or conversation; resolves once its newest history is in. */
  open: (kind: ConversationKind, name: string) => Promise<void>;
}

function base(kind: ConversationKind, name: string): string {
  return kind === 'room' ? `/api/rooms/${encodeURIComponent(name)}/messages` : `/api/private/${encodeURIComponent(name)}/messages`;
}

/** A page of history (`around` or the newest), oldest first, parsed. */
export async function getWindow(api: ApiClient, kind: ConversationKind, name: string, query: { around?: Id; limit: number }): Promise<ChatMessage[]> {
  const body = await api.get<MessagesResponse<unknown>>(base(kind, name), query);
  const raw = Array.isArray(body.messages) ? body.messages : [];
  return raw.flatMap((item) => {
    if (kind === 'room') {
      const message = parseRoomMessage(item);
      return message ? [fromRoomMessage(message)] : [];
    }
    const message = parsePrivateMessage(item);
    return message ? [fromPrivateMessage(message)] : [];
  });
}

export class JumpActions {
  private readonly store: ChatStore;
  private readonly api: ApiClient;
  private readonly open: JumpActionsOptions['open'];
  /** The newest jump asked for: an older one that resolves late does nothing. */
  private latest = 0;

  constructor(options: JumpActionsOptions) {
    this.store = options.store;
    this.api = options.api;
    this.open = options.open;
  }

  /** Shows message `id` of a room or conversation in its context, flashed. */
  async jumpTo(kind: ConversationKind, name: string, id: Id): Promise<void> {
    this.latest += 1;
    const ticket = this.latest;
    const key = conversationKey(kind, name);
    await this.open(kind, name);
    if (ticket !== this.latest) return;
    const held = this.store.getState().conversations.find((c) => c.key === key)?.messages.some((m) => m.id === id) === true;
    if (held) {
      this.store.dispatch({ type: 'jump', key, id });
      return;
    }
    try {
      const messages = await getWindow(this.api, kind, name, { around: id, limit: AROUND_LIMIT });
      if (ticket !== this.latest) return;
      if (!messages.some((m) => m.id === id)) {
        this.store.dispatch({ type: 'notice', text: 'That message is no longer there (deleted, or its history could not be loaded around it).' });
        return;
      }
      this.store.dispatch({ type: 'history-around', key, id, messages, limit: AROUND_LIMIT });
    } catch (error: unknown) {
      this.store.dispatch({ type: 'notice', text: `Could not show that message: ${errorText(error)}` });
    }
  }

  /** The list showed the jump target. */
  readonly jumped = (): void => {
    this.store.dispatch({ type: 'jumped' });
  };

  /** Loads the newest page over a detached window (and attaches the conversation again). */
  async loadLatest(key: ConversationKey): Promise<void> {
    const conversation = this.store.getState().conversations.find((c) => c.key === key);
    if (!conversation) return;
    try {
      const messages = await getWindow(this.api, conversation.kind, conversation.name, { limit: AROUND_LIMIT });
      this.store.dispatch({ type: 'history-replaced', key, messages, limit: AROUND_LIMIT });
    } catch (error: unknown) {
      this.store.dispatch({ type: 'notice', text: `Could not load the newest messages: ${errorText(error)}` });
    }
  }
}
