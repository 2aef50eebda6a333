/**
 * The controller's part of reminders and scheduled messages: `/remind` commands and the
 * composer's "Send later" go out as the remind and scheduled functions' declared actions
 * (docs/PROTOCOL.md 3.11); their frames come back into the later store. A due reminder, and a
 * scheduled message that could not be sent, become a notice and a browser notification.
 */
import type { LaterFrame } from '@/features/later/later-frames';
import type { LaterStore } from '@/features/later/later-store';
import { createLaterStore } from '@/features/later/later-store';
import { timeZone } from '@/features/later/remind-command';
import type { ChatStore } from '@/lib/chat-store';
import { notifyHidden } from '@/lib/notify';
import type { JsonValue } from '@/lib/protocol';
import type { ChatSocket } from '@/lib/socket';

export interface LaterActionsOptions {
  store: ChatStore;
  socket: ChatSocket;
  /** The notification was clicked: show that room (or your direct messages). */
  onShowRoom: (room: string) => void;
}

export class LaterActions {
  readonly store: LaterStore = createLaterStore();
  /** client_ids of list requests: refused (no function runs), they show nothing. */
  private readonly quiet = new Set<string>();
  /** Rooms whose scheduled messages were asked for, with the request's client_id. */
  private readonly listed = new Map<string, string>();
  /** client_ids of our own actions, so their refusals read as ours. */
  private readonly mine = new Set<string>();

  constructor(private readonly options: LaterActionsOptions) {}

  /** `/remind <text>`: set one ("me in 10m …"), list them (""), or cancel ("cancel <id>"). */
  remind(text: string): void {
    this.store.dispatch({ type: 'reminders-open', open: true });
    this.send('remind', { text: text === '' ? 'list' : text, tz: timeZone() });
  }

  cancelReminder(id: string): void {
    this.send('remind', { cancel: id });
  }

  closeReminders(): void {
    this.store.dispatch({ type: 'reminders-open', open: false });
  }

  /** Schedules `text` for `room` at `at`, sent as you then. */
  schedule(room: string, text: string, at: Date): void {
    this.send('scheduled', { room, text, at: at.toISOString() });
  }

  /** Changes the text and/or the time of a scheduled message before it goes. */
  editScheduled(room: string, id: string, change: { text?: string; at?: Date }): void {
    const fields: Record<string, JsonValue> = { room, id };
    if (change.text !== undefined) fields.text = change.text;
    if (change.at !== undefined) fields.at = change.at.toISOString();
    this.send('scheduled', fields);
  }

  cancelScheduled(room: string, id: string): void {
    this.send('scheduled', { room, id, cancel: true });
  }

  /** Asks once per session for your scheduled messages of a room (when it is shown). */
  listScheduled(room: string): void {
    if (this.listed.has(room)) return;
    const clientId = this.send('scheduled', { room });
    this.listed.set(room, clientId);
    this.quiet.add(clientId);
  }

  /** A refusal of one of our actions: true when it was ours (then it becomes the notice). */
  rejected(clientId: string, detail: string): boolean {
    if (!this.mine.delete(clientId)) return false;
    if (this.quiet.delete(clientId)) {
      // Asked too early (or no function runs): ask again next time the room is shown.
      for (const [room, id] of this.listed) if (id === clientId) this.listed.delete(room);
      return true;
    }
    this.options.store.dispatch({ type: 'notice', text: detail.replace(/^(remind|scheduled): /, '') });
    return true;
  }

  /** A frame of the remind or scheduled function. */
  frame(frame: LaterFrame): void {
    this.store.dispatch({ type: 'frame', frame });
    const { dispatch } = this.options.store;
    if (frame.type === 'reminder') {
      dispatch({ type: 'notice', text: `⏰ Reminder: ${frame.text}` });
      notifyHidden('⏰ Reminder', frame.text, () => {
        if (frame.room !== null) this.options.onShowRoom(frame.room);
      });
    } else if (frame.type === 'scheduled_failed') {
      const text = `Your scheduled message to #${frame.room} was not sent: ${frame.reason}.`;
      dispatch({ type: 'notice', text });
      notifyHidden('Scheduled message not sent', text);
    }
  }

  private send(type: string, fields: Record<string, JsonValue>): string {
    const clientId = this.options.socket.sendAction(type, fields);
    this.mine.add(clientId);
    if (this.mine.size > 200) {
      const oldest = this.mine.values().next();
      if (oldest.done !== true) {
        this.mine.delete(oldest.value);
        this.quiet.delete(oldest.value);
      }
    }
    return clientId;
  }
}
