/**
 * The controller's part of "messages that live": edit, delete and react as optimistic
 * changes rolled back on a refusal (which may come after the `ack`, with the same client_id),
 * threads loaded over REST, and the server's change, `seen` and `mention` frames turned into
 * store actions (a mention also notifies while the tab is hidden).
 */
import { getThread } from '@/features/chat/api/get-messages';
import type { ApiClient } from '@/lib/api';
import type { ChatMessage, ChatStore, Conversation, ConversationKey } from '@/lib/chat-store';
import { conversationKey, dmPartner } from '@/lib/chat-store';
import { changeOf, findMessage, toggleReaction } from '@/lib/chat-store-live';
import type { LiveFrame } from '@/lib/live-protocol';
import { notifyHidden } from '@/lib/notify';
import type { Id } from '@/lib/protocol';
import type { ChatSocket } from '@/lib/socket';

/** What an optimistic change replaced, to put back if the server refuses it. */
interface Pending {
  key: ConversationKey;
  id: Id;
  what: 'edit' | 'delete' | 'react';
  before: Partial<ChatMessage>;
  rev: number;
}

/** Refusals can come late; remember this many changes. */
const PENDING_KEPT = 200;

export interface LiveActionsOptions {
  store: ChatStore;
  socket: ChatSocket;
  api: ApiClient;
  me: string;
  /** A mention in a room the sidebar does not show yet: open and join it. */
  onMentionedIn: (room: string) => void;
  /** The notification was clicked: show that room. */
  onShowRoom: (room: string) => void;
}

export class LiveActions {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: LiveActionsOptions) {}

  /** Saves a new text for your message (the menu's Edit, or Up in an empty composer). */
  edit(key: ConversationKey, id: Id, text: string): void {
    const message = this.message(key, id);
    if (!message || message.deleted === true || message.text === text) return;
    const clientId = this.options.socket.sendEdit(id, text);
    this.optimistic(clientId, key, message, 'edit', { text, editedAt: new Date().toISOString() });
  }

  /** Deletes a message (yours, or any in a room you own or administer); a tombstone stays. */
  remove(key: ConversationKey, id: Id): void {
    const message = this.message(key, id);
    if (!message || message.deleted === true) return;
    const clientId = this.options.socket.sendDelete(id);
    this.optimistic(clientId, key, message, 'delete', { deleted: true, text: '', reactions: {} });
  }

  /** Toggles your reaction `emoji` on a message. */
  react(key: ConversationKey, id: Id, emoji: string): void {
    const message = this.message(key, id);
    if (!message || message.deleted === true) return;
    const clientId = this.options.socket.sendReact(id, emoji);
    this.optimistic(clientId, key, message, 'react', { reactions: toggleReaction(message.reactions, emoji, this.options.me) });
  }

  /** Loads the answers to `id` into the store (the thread panel). */
  async loadThread(key: ConversationKey, id: Id): Promise<void> {
    const conversation = this.conversation(key);
    if (!conversation) return;
    const messages = await getThread(this.options.api, conversation.kind, conversation.name, id);
    this.options.store.dispatch({ type: 'thread-loaded', key, id, messages });
  }

  /** A refusal with a client_id: true when it was one of ours (then the change is rolled back). */
  rejected(clientId: string, error: string, detail: string): boolean {
    const pending = this.pending.get(clientId);
    if (!pending) return false;
    this.pending.delete(clientId);
    const { dispatch } = this.options.store;
    dispatch({ type: 'patched', key: pending.key, id: pending.id, patch: pending.before, atRev: pending.rev });
    const what = pending.what === 'edit' ? 'Your edit was not saved' : pending.what === 'delete' ? 'The message was not deleted' : 'Your reaction was not saved';
    const why =
      error === 'forbidden' ? 'you may not change this message' : error === 'not_found' ? 'the message no longer exists' : detail === '' ? error : detail;
    dispatch({ type: 'notice', text: `${what}: ${why}.` });
    return true;
  }

  /** A change, seen or mention frame from the server. */
  frame(frame: LiveFrame): void {
    const { dispatch } = this.options.store;
    switch (frame.type) {
      case 'edit':
      case 'delete':
      case 'reactions': {
        const key = 'room' in frame ? conversationKey('room', frame.room) : conversationKey('dm', dmPartner(this.options.me, frame));
        dispatch({ type: 'changed', key, id: frame.id, change: changeOf(frame) });
        return;
      }
      case 'seen':
        dispatch({ type: 'seen', key: conversationKey('dm', frame.with), id: frame.id });
        return;
      case 'mention': {
        const key = conversationKey('room', frame.room);
        if (!this.conversation(key)) {
          dispatch({ type: 'opened', kind: 'room', name: frame.room, activate: false });
          this.options.onMentionedIn(frame.room);
        }
        dispatch({ type: 'mentioned', key, id: frame.id });
        notifyHidden(`${frame.from} mentioned you in #${frame.room}`, frame.text, () => this.options.onShowRoom(frame.room));
        return;
      }
    }
  }

  private optimistic(clientId: string, key: ConversationKey, message: ChatMessage, what: Pending['what'], patch: Partial<ChatMessage>): void {
    const before: Partial<ChatMessage> = {};
    for (const field of Object.keys(patch) as (keyof ChatMessage)[]) {
      Object.assign(before, { [field]: message[field] });
    }
    const rev = message.rev ?? 0;
    this.pending.set(clientId, { key, id: message.id, what, before, rev });
    if (this.pending.size > PENDING_KEPT) {
      const oldest = this.pending.keys().next();
      if (oldest.done !== true) this.pending.delete(oldest.value);
    }
    this.options.store.dispatch({ type: 'patched', key, id: message.id, patch, atRev: rev });
  }

  private conversation(key: ConversationKey): Conversation | undefined {
    return this.options.store.getState().conversations.find((c) => c.key === key);
  }

  private message(key: ConversationKey, id: Id): ChatMessage | undefined {
    const conversation = this.conversation(key);
    return conversation ? findMessage(conversation, id) : undefined;
  }
}
